/** Convolution geometry shared by our conv gradient kernels. */
import { backend_util } from '@tensorflow/tfjs-core';

type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;


/** The forward convolution's geometry; only NHWC, the one layout the wasm package runs. */
export function forwardConvInfo(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dataFormat: 'NHWC' | 'NCHW',
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): backend_util.Conv2DInfo {
  if (dataFormat === 'NCHW') {
    throw new Error(`wasm backend ${kernel}: dataFormat NCHW is not supported; use NHWC (channels last)`);
  }
  return backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

/** Conv2D attributes for a stride-1 convolution with explicit NHWC padding. */
export function stride1Attrs(
  pad: { top: number; bottom: number; left: number; right: number },
  dilations: [number, number] = [1, 1],
) {
  return {
    strides: [1, 1],
    pad: [[0, 0], [pad.top, pad.bottom], [pad.left, pad.right], [0, 0]],
    dilations,
    dataFormat: 'NHWC',
  };
}
