/**
 * Test-time augmentation: a model's class probabilities averaged over the image as it is and a few
 * fixed views of it (a horizontal flip, whole-pixel shifts). The views are made by the training
 * augmentation's own transform (src/data/augment.ts, Augmenter.apply with constant black fill), so a
 * flipped or shifted test image is exactly what a model trained with `--augment flip,shift:N` saw.
 */
import { Augmenter, IDENTITY, type ImageFormat } from '../data/augment.ts';

export class TtaError extends Error {
  override name = 'TtaError';
}

/** One deterministic view: a whole-pixel shift (right, down) after an optional horizontal flip. */
export interface TtaView {
  name: string;
  dx: number;
  dy: number;
  flip: boolean;
}

/** Predicts class probabilities (count × classes, row-major) for `count` images laid out one after another. */
export type Predictor = (x: Float32Array, count: number) => Float32Array;

const SYNTAX = "flip, shift:N (the four N-pixel shifts: right, left, down, up), e.g. 'flip,shift:1'";

/**
 * `flip,shift:1,shift:2` → the views besides the identity, in order. `shift:N` stands for four
 * views (N pixels right, left, down, up). `none` (or an empty list) means no extra views.
 */
export function parseTta(spec: string, where = '--tta'): TtaView[] {
  const text = spec.trim();
  if (text === '' || text === 'none') return [];
  const views: TtaView[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === 'flip') {
      views.push({ name: 'flip', dx: 0, dy: 0, flip: true });
      continue;
    }
    const m = /^shift:(.*)$/.exec(part);
    if (m) {
      const n = Number(m[1]);
      if (!(m[1].trim() !== '' && Number.isInteger(n) && n > 0)) {
        throw new TtaError(`${where}: '${part}': expected shift:N with N a whole number of pixels ≥ 1, got '${m[1]}'`);
      }
      views.push({ name: `right ${n}`, dx: n, dy: 0, flip: false }, { name: `left ${n}`, dx: -n, dy: 0, flip: false },
        { name: `down ${n}`, dx: 0, dy: n, flip: false }, { name: `up ${n}`, dx: 0, dy: -n, flip: false });
      continue;
    }
    throw new TtaError(`${where}: unknown view '${part}' in '${spec}'; expected ${SYNTAX}`);
  }
  const seen = new Set<string>();
  for (const v of views) {
    if (seen.has(v.name)) throw new TtaError(`${where}: the view '${v.name}' is listed twice in '${spec}'`);
    seen.add(v.name);
  }
  return views;
}

/** `identity + flip, right 1, left 1, …` */
export function describeTta(views: readonly TtaView[]): string {
  return ['identity', ...views.map((v) => v.name)].join(', ');
}

/** A copy of `count` images (rows × cols each, in the examples' scaling) with the view applied to every one. */
export function applyView(x: Float32Array, count: number, format: ImageFormat, view: TtaView): Float32Array {
  const size = format.rows * format.cols;
  if (x.length !== count * size) throw new TtaError(`tta: ${count} images of ${format.rows}×${format.cols} need ${count * size} values, got ${x.length}`);
  if (Math.abs(view.dx) >= format.cols || Math.abs(view.dy) >= format.rows) {
    throw new TtaError(`tta: the view '${view.name}' shifts a ${format.rows}×${format.cols} image out of sight; expected shifts below its size`);
  }
  const aug = new Augmenter({}, format); // no random settings: only apply() is used, with constant (black) fill
  const out = x.slice();
  const params = { ...IDENTITY, dx: view.dx, dy: view.dy, flip: view.flip };
  const noRandom = () => { throw new TtaError('tta: a view drew a random number'); };
  for (let i = 0; i < count; i++) aug.apply(out, i * size, params, noRandom);
  return out;
}

/** The mean of `predict`'s probabilities over the identity and each view (equal weights). */
export function ttaProbs(predict: Predictor, x: Float32Array, count: number, format: ImageFormat, views: readonly TtaView[]): Float32Array {
  const base = predict(x, count);
  if (views.length === 0) return base;
  const sum = Float64Array.from(base);
  for (const v of views) {
    const p = predict(applyView(x, count, format, v), count);
    if (p.length !== sum.length) throw new TtaError(`tta: the view '${v.name}' gave ${p.length} probabilities, the identity ${sum.length}`);
    for (let i = 0; i < p.length; i++) sum[i] += p[i];
  }
  const n = views.length + 1;
  return Float32Array.from(sum, (s) => s / n);
}
