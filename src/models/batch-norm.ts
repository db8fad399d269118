/**
 * tfjs-layers' BatchNormalization, with its training-mode step routed to the engine's fused kernels
 * when the backend has them (see engine/index.ts batchNormInTraining, and training-path.ts): a plain
 * BatchNormalization to everything else. With `reluAfter` (a relu layer comes next) the fused kernels
 * rectify too, and mark the output for that layer to pass on (rectified.ts).
 *
 * The training step matches tfjs-layers 4.22's BatchNormalization.call (channels-last, center and
 * scale on): normalise with the batch's mean and biased variance, then move each moving statistic
 * by (1 - momentum) towards the batch's. The fields it reads (gamma, beta, movingMean, ...) are that
 * class's private members, pinned by this package's tfjs-layers version.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormInTraining } from '../engine/index.ts';
import { markRectified } from './rectified.ts';
import { withTrainingPath } from './training-path.ts';

type Layer = ReturnType<typeof tfl.layers.batchNormalization>;
type LayerVariable = { read(): tf.Tensor; write(t: tf.Tensor): void };
interface BatchNormInternals {
  axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean;
  gamma: LayerVariable; beta: LayerVariable; movingMean: LayerVariable; movingVariance: LayerVariable;
}

export function batchNormalization(config: Parameters<typeof tfl.layers.batchNormalization>[0], reluAfter = false): Layer {
  const layer = tfl.layers.batchNormalization(config);
  const bn = layer as unknown as BatchNormInternals;
  return withTrainingPath(layer, (x) => {
    const channelsLast = bn.axis === -1 || bn.axis === x.rank - 1;
    if (!channelsLast || !bn.center || !bn.scale) return undefined;
    const fused = batchNormInTraining(x, bn.gamma.read(), bn.beta.read(), bn.epsilon, reluAfter);
    if (!fused) return undefined;
    for (const [variable, batchValue] of [[bn.movingMean, fused.mean], [bn.movingVariance, fused.variance]] as const) {
      const previous = variable.read();
      variable.write(tf.sub(previous, tf.mul(tf.sub(previous, batchValue), 1 - bn.momentum)));
    }
    return reluAfter ? markRectified(fused.y) : fused.y;
  });
}
