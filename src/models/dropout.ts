/**
 * tfjs-layers' Dropout, with its training-mode step routed to the engine's dropout kernel when the
 * backend has one (see engine/index.ts dropoutInTraining, and training-path.ts): a plain Dropout to
 * everything else. Noise shapes and fixed seeds run tfjs's own code.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { dropoutInTraining } from '../engine/index.ts';
import { withTrainingPath } from './training-path.ts';

/** The fields of tfjs-layers 4.22's Dropout that decide whether its call is a plain dropout. */
interface DropoutInternals { rate: number; noiseShape?: number[] | null; seed?: number | null }

export function dropout(config: Parameters<typeof tfl.layers.dropout>[0]): ReturnType<typeof tfl.layers.dropout> {
  const layer = tfl.layers.dropout(config);
  const d = layer as unknown as DropoutInternals;
  return withTrainingPath(layer, (x) => (d.noiseShape != null || d.seed != null ? undefined : dropoutInTraining(x, d.rate)));
}
