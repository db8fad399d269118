/**
 * Shape inference over a model spec, without building it: the validator uses it to catch layers
 * that cannot be wired (conv on flat input, a kernel larger than its feature map, a dense layer
 * on a 4-D tensor) before tfjs would throw a less specific error.
 */
import { DEFAULTS, type LayerSpec, type ModelSpec, type Size2 } from './types.ts';

/** A per-example shape (no batch axis): [features] or [height, width, channels]. */
export type Shape = readonly number[];

export const INPUT_SHAPES: Record<ModelSpec['input'], Shape> = { flat: [784], image: [28, 28, 1] };

/** A structural error at one layer; `where` is the layer's path, e.g. `spec.layers[3]`. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function pair(size: Size2): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Output length of a sliding window along one axis, as tf computes it; 0 when it does not fit. */
function windowOut(input: number, window: number, stride: number, padding: 'same' | 'valid'): number {
  if (padding === 'same') return Math.ceil(input / stride);
  return input < window ? 0 : Math.floor((input - window) / stride) + 1;
}

function requireImage(shape: Shape, layer: LayerSpec, where: string): [number, number, number] {
  if (shape.length !== 3) {
    throw new ShapeError(
      `${where} (${layer.type}): expects an image-shaped input [height, width, channels], got ${formatShape(shape)}; ` +
      `${layer.type} layers must come before flatten/dense and need input: image`,
    );
  }
  return [shape[0], shape[1], shape[2]];
}

function slide(
  shape: Shape, layer: LayerSpec, where: string, what: string,
  window: [number, number], stride: [number, number], padding: 'same' | 'valid', channels: number,
): Shape {
  const [h, w] = requireImage(shape, layer, where);
  const oh = windowOut(h, window[0], stride[0], padding);
  const ow = windowOut(w, window[1], stride[1], padding);
  if (oh === 0 || ow === 0) {
    throw new ShapeError(
      `${where} (${layer.type}): ${what} ${window[0]}x${window[1]} is larger than the ${formatShape(shape)} ` +
      `feature map it would see (padding 'valid'); use a smaller ${what} or padding 'same'`,
    );
  }
  return [oh, ow, channels];
}

/** The output shape of one layer given its input shape; throws ShapeError naming `where`. */
export function layerOutputShape(layer: LayerSpec, shape: Shape, where: string): Shape {
  switch (layer.type) {
    case 'dense':
      if (shape.length !== 1) {
        throw new ShapeError(
          `${where} (dense): input is ${formatShape(shape)}, not flat; add a flatten or global pooling layer before it`,
        );
      }
      return [layer.units];
    case 'conv':
      return slide(shape, layer, where, 'kernel', pair(layer.kernel), pair(layer.stride ?? 1),
        layer.padding ?? DEFAULTS.padding, layer.filters);
    case 'maxPool':
    case 'avgPool': {
      const size = pair(layer.size ?? DEFAULTS.poolSize);
      const stride = layer.stride === undefined ? size : pair(layer.stride);
      return slide(shape, layer, where, 'pool', size, stride, layer.padding ?? DEFAULTS.padding, shape[2]);
    }
    case 'globalAvgPool':
    case 'globalMaxPool':
      return [requireImage(shape, layer, where)[2]];
    case 'flatten':
      return [shape.reduce((a, b) => a * b, 1)];
    case 'residual': {
      const [h, w] = requireImage(shape, layer, where);
      const stride = layer.stride ?? 1;
      const out = layer.block === 'basic' ? layer.filters : layer.filters * (layer.expansion ?? DEFAULTS.bottleneckExpansion);
      return [Math.ceil(h / stride), Math.ceil(w / stride), out];
    }
    case 'dropout':
    case 'batchNorm':
    case 'activation':
      return shape;
  }
}

/** Output shape after each layer (index i: after spec.layers[i]). */
export function inferShapes(spec: Pick<ModelSpec, 'input' | 'layers'>, where = 'spec'): Shape[] {
  const shapes: Shape[] = [];
  let shape = INPUT_SHAPES[spec.input];
  spec.layers.forEach((layer, i) => {
    shape = layerOutputShape(layer, shape, `${where}.layers[${i}]`);
    shapes.push(shape);
  });
  return shapes;
}

/** True when a residual block needs a projection shortcut (1x1 conv + BN) rather than identity. */
export function needsProjection(inputChannels: number, outputChannels: number, stride: number): boolean {
  return stride !== 1 || inputChannels !== outputChannels;
}
