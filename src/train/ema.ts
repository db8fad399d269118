/**
 * An exponential moving average of a model's weights, updated after every training step (as in
 * the CIFAR-10 speed records and timm's ModelEma). Every weight is averaged, batch-norm's moving
 * statistics included. The decay warms up as TensorFlow's ExponentialMovingAverage does with a
 * step count, min(decay, (1 + t) / (10 + t)), so the average is not dominated by the initial
 * weights in a short run. The trainer evaluates and saves the averaged weights; the raw ones keep
 * training.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export class WeightAverage {
  private readonly shadows: tf.Variable[];
  private readonly weights: tf.Variable[];

  constructor(model: tfl.LayersModel, readonly decay: number, initial?: Float32Array[]) {
    this.weights = model.weights.map((w) => w.read() as tf.Variable);
    this.shadows = this.weights.map((w, i) => {
      const init = initial ? tf.tensor(initial[i], w.shape) : w.clone();
      const shadow = tf.variable(init, false); // shares init's data, which outlives the handle
      init.dispose();
      return shadow;
    });
  }

  /** After training step `step` (0-based): shadow ← d · shadow + (1 − d) · weight. */
  update(step: number): void {
    const d = Math.min(this.decay, (1 + step) / (10 + step));
    tf.tidy(() => {
      for (let i = 0; i < this.weights.length; i++) {
        this.shadows[i].assign(tf.add(tf.mul(this.shadows[i], d), tf.mul(this.weights[i], 1 - d)));
      }
    });
  }

  /** Runs `f` with the averaged weights in the model, then puts the trained ones back. */
  async withAveraged<T>(model: tfl.LayersModel, f: () => T | Promise<T>): Promise<T> {
    const trained = model.getWeights().map((w) => w.clone());
    model.setWeights(this.shadows);
    try {
      return await f();
    } finally {
      model.setWeights(trained);
      tf.dispose(trained);
    }
  }

  /** Puts the averaged weights into the model for good (the end of training). */
  apply(model: tfl.LayersModel): void {
    model.setWeights(this.shadows);
  }

  /** The averaged weights, for a checkpoint. */
  values(): Float32Array[] {
    return this.shadows.map((s) => s.dataSync().slice() as Float32Array);
  }

  dispose(): void {
    tf.dispose(this.shadows);
  }
}
