/**
 * tfjs-layers' Dropout, with its training-mode step routed to the engine's dropout kernel when the
 * backend has one (see engine/index.ts dropoutInTraining). Like batch-norm.ts, the layer stays a plain
 * Dropout (class name, config) so saved models load anywhere tfjs does; inference, noise shapes,
 * fixed seeds and other backends run tfjs's own code.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dropoutInTraining } from '../engine/index.ts';

type Layer = ReturnType<typeof tfl.layers.dropout>;
/** The fields of tfjs-layers 4.22's Dropout that decide whether its call is a plain dropout. */
interface DropoutInternals { rate: number; noiseShape?: number[] | null; seed?: number | null }

export function dropout(config: Parameters<typeof tfl.layers.dropout>[0]): Layer {
  const layer = tfl.layers.dropout(config);
  const tfjsCall = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const d = layer as unknown as DropoutInternals;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || d.noiseShape != null || d.seed != null) return tfjsCall(inputs, kwargs);
    return tf.tidy(() => dropoutInTraining(x, d.rate) ?? tfjsCall(inputs, kwargs));
  };
  return layer;
}
