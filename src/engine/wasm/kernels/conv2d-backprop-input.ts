/**
 * Conv2DBackpropInput as ordinary stride-1 Conv2Ds (XNNPACK) instead of the wasm package's naive
 * loops. Per axis, with the forward conv y[o] = Σ_k x[o·s + k − top]·W[k]:
 *   dx[h] = Σ_j dy[i − j] · W[ρ + s·j],   where h + top = s·i + ρ, 0 ≤ ρ < s,
 * so the rows of one phase ρ form a stride-1 correlation of dy with the sub-filter
 * W[ρ], W[ρ+s], … flipped (channels swapped to [Cout, Cin]). Stride 1 is one such convolution;
 * stride s is s² smaller ones (sub-pixel decomposition), interleaved into dx: the same multiply
 * count as the forward conv, where zero-dilating dy instead would cost s² times more.
 */
import {
  Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type KernelConfig, type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { forwardConvInfo, stride1Attrs } from './conv-info.ts';
import { heapF32, inScope, type KernelScope } from './scope.ts';

type Shape4 = [number, number, number, number];

/** One phase ρ of one axis: which dx rows it gives and how to pad dy for them. */
interface AxisPhase {
  /** Filter taps ρ, ρ+s, … below k (0: the phase gets no gradient). */
  taps: number;
  /** dx row of the phase's first output row; later rows step by the stride. */
  first: number;
  /** How many dx rows the phase gives. */
  count: number;
  /** dy padding before and after, for a stride-1 correlation that starts at row `first`. */
  before: number;
  after: number;
}

function axisPhases(size: number, outSize: number, k: number, stride: number, top: number): AxisPhase[] {
  return Array.from({ length: stride }, (_, rho) => {
    const taps = Math.max(0, Math.ceil((k - rho) / stride));
    const iStart = Math.ceil((top - rho) / stride); // first i with s·i + ρ − top ≥ 0
    const count = Math.max(0, Math.ceil((size + top - rho) / stride) - iStart);
    const before = taps - 1 - iStart;
    // output length outSize + before + after − taps + 1 must reach count
    const after = Math.max(0, count - outSize - before + taps - 1);
    return { taps, first: stride * iStart + rho - top, count, before, after };
  });
}

/**
 * W[ρh + sh·a, ρw + sw·b, ci, co] flipped in space, as a [Jh, Jw, Cout, Cin] filter (filters are
 * small: written here directly rather than by three kernel calls).
 */
function subFilter(s: KernelScope, filter: TensorInfo, rh: number, rw: number, sh: number, sw: number,
  jh: number, jw: number): TensorInfo {
  const [, kw, cin, cout] = filter.shape;
  const out = s.alloc([jh, jw, cout, cin]);
  const src = heapF32(s.backend, filter);
  const dst = heapF32(s.backend, out);
  for (let a = 0; a < jh; a++) {
    for (let b = 0; b < jw; b++) {
      const from = ((rh + sh * (jh - 1 - a)) * kw + (rw + sw * (jw - 1 - b))) * cin * cout;
      const to = (a * jw + b) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) dst[to + co * cin + ci] = src[from + ci * cout + co];
      }
    }
  }
  return out;
}

/** Copies a phase's rows and columns into every stride-th position of dx (NHWC). */
function interleave(src: Float32Array, srcShape: number[], dx: Float32Array, dxShape: number[],
  ph: AxisPhase, pw: AxisPhase, sh: number, sw: number): void {
  const [n, h, w, c] = dxShape;
  const [, sH, sW] = srcShape;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < ph.count; r++) {
      const y = ph.first + sh * r;
      for (let q = 0; q < pw.count; q++) {
        const from = ((b * sH + r) * sW + q) * c;
        const to = ((b * h + y) * w + pw.first + sw * q) * c;
        for (let k = 0; k < c; k++) dx[to + k] = src[from + k];
      }
    }
  }
}

export function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const info = forwardConvInfo('Conv2DBackpropInput', attrs.inputShape, filter.shape as Shape4, attrs.strides,
    attrs.pad, attrs.dataFormat, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const rows = axisPhases(h, oh, kh, sh, info.padInfo.top);
  const cols = axisPhases(w, ow, kw, sw, info.padInfo.left);
  if ([...rows, ...cols].some((p) => p.taps > 0 && p.before < 0)) {
    // Explicit padding wider than the filter: rare, left to the package's loops.
    return inScope(backend, (s) => s.run('Conv2DBackpropInput', args.inputs, args.attrs));
  }
  return inScope(backend, (s) => {
    const phases: { ph: AxisPhase; pw: AxisPhase; out: TensorInfo }[] = [];
    rows.forEach((ph, rh) => cols.forEach((pw, rw) => {
      if (ph.taps === 0 || pw.taps === 0 || ph.count === 0 || pw.count === 0) return;
      const sub = subFilter(s, filter, rh, rw, sh, sw, ph.taps, pw.taps);
      const pad = { top: ph.before, bottom: ph.after, left: pw.before, right: pw.after };
      phases.push({ ph, pw, out: s.run('Conv2D', { x: dy, filter: sub }, stride1Attrs(pad)) });
    }));
    if (sh === 1 && sw === 1) return s.crop(phases[0].out, [n, h, w, cin]);
    const dx = s.alloc([n, h, w, cin]);
    const dxv = heapF32(backend, dx);
    dxv.fill(0); // rows of phases with no taps get no gradient
    for (const { ph, pw, out } of phases) interleave(heapF32(backend, out), out.shape, dxv, dx.shape, ph, pw, sh, sw);
    return dx;
  });
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
