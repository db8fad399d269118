/** Shorthands for writing zoo specs; each returns a plain LayerSpec. */
import type {
  Activation, BatchNormLayer, ConvLayer, DenseLayer, DropoutLayer, FlattenLayer, GlobalPoolLayer,
  ActivationLayer, PoolLayer, Regularizer, ResidualLayer,
} from '../types.ts';

/** A 3x3 'same' relu conv unless told otherwise. */
export function conv(filters: number, o: Partial<Omit<ConvLayer, 'type' | 'filters'>> = {}): ConvLayer {
  return { type: 'conv', filters, kernel: 3, padding: 'same', activation: 'relu', ...o };
}

export function dense(units: number, activation: Activation = 'relu', regularizer?: Regularizer): DenseLayer {
  return regularizer ? { type: 'dense', units, activation, regularizer } : { type: 'dense', units, activation };
}

/** The output layer: `classes` softmax units. */
export function output(classes = 10, regularizer?: Regularizer): DenseLayer {
  return dense(classes, 'softmax', regularizer);
}

export function maxPool(size = 2): PoolLayer {
  return size === 2 ? { type: 'maxPool' } : { type: 'maxPool', size };
}

export function dropout(rate: number): DropoutLayer {
  return { type: 'dropout', rate };
}

export const bn = (): BatchNormLayer => ({ type: 'batchNorm' });
export const flatten = (): FlattenLayer => ({ type: 'flatten' });
export const globalAvgPool = (): GlobalPoolLayer => ({ type: 'globalAvgPool' });
export const act = (activation: Activation): ActivationLayer => ({ type: 'activation', activation });

export function residual(block: ResidualLayer['block'], filters: number, stride = 1): ResidualLayer {
  return stride === 1 ? { type: 'residual', block, filters } : { type: 'residual', block, filters, stride };
}

/** Keras's LeakyReLU layer default slope, which the seeds used. */
export const LEAKY: Activation = { type: 'leakyRelu', alpha: 0.3 };
