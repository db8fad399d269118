/**
 * From raw bytes to model inputs: scaling, layout, labels, and the validation split.
 */
import type { Split } from './dataset.ts';
import { DataError } from './idx.ts';
import { mulberry32, deriveSeed, shuffleInPlace } from './random.ts';

export type Scaling = 'unit' | 'standardize';

/** Per-pixel scaling parameters, fitted on training data only (never on test data). */
export interface Normalization { scaling: Scaling; mean: number; std: number }

export function fitNormalization(images: Uint8Array, scaling: Scaling): Normalization {
  if (scaling === 'unit') return { scaling, mean: 0, std: 1 };
  let sum = 0;
  let sq = 0;
  for (const v of images) {
    const x = v / 255;
    sum += x;
    sq += x * x;
  }
  const mean = sum / images.length;
  const std = Math.sqrt(Math.max(sq / images.length - mean * mean, 1e-12));
  return { scaling, mean, std };
}

/** Scales bytes to floats: x/255, then (x - mean) / std when standardising. */
export function normalize(images: Uint8Array, norm: Normalization, out = new Float32Array(images.length)): Float32Array {
  const a = 1 / (255 * norm.std);
  const b = -norm.mean / norm.std;
  for (let i = 0; i < images.length; i++) out[i] = images[i] * a + b;
  return out;
}

export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) out[i * numClasses + labels[i]] = 1;
  return out;
}

/** How to carve a validation set out of the training data. */
export type ValidationSplit =
  | { kind: 'none' }
  | { kind: 'stratified'; fraction?: number; perClass?: number }
  | { kind: 'first'; count: number };

export function parseValidationSplit(text: string, where = '--val'): ValidationSplit {
  const t = text.trim();
  if (t === 'none' || t === '0') return { kind: 'none' };
  let m = /^first:(\d+)$/.exec(t);
  if (m) return { kind: 'first', count: Number(m[1]) };
  m = /^per-class:(\d+)$/.exec(t);
  if (m) return { kind: 'stratified', perClass: Number(m[1]) };
  const f = Number(t);
  if (Number.isFinite(f) && f > 0 && f < 1) return { kind: 'stratified', fraction: f };
  throw new DataError(
    `${where}: '${text}' is not a validation split; expected a fraction in (0,1) (stratified), ` +
    `per-class:N, first:N, or none`);
}

export function describeSplit(v: ValidationSplit): string {
  switch (v.kind) {
    case 'none': return 'none';
    case 'first': return `first:${v.count}`;
    case 'stratified': return v.perClass !== undefined ? `per-class:${v.perClass}` : String(v.fraction);
  }
}

/** Returns the training and validation indices into `labels`; both sorted, so order does not depend on the split. */
export function splitIndices(labels: Uint8Array, split: ValidationSplit, seed: number): { train: Int32Array; val: Int32Array } {
  const n = labels.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (split.kind === 'none') return { train: all, val: new Int32Array(0) };
  if (split.kind === 'first') {
    if (split.count >= n) throw new DataError(`validation first:${split.count} leaves no training data (${n} images)`);
    return { train: all.slice(split.count), val: all.slice(0, split.count) };
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const rand = mulberry32(deriveSeed(seed, 'validation-split'));
  const val: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = shuffleInPlace(byClass.get(cls)!, rand);
    const take = split.perClass ?? Math.round(idx.length * (split.fraction ?? 0));
    if (take >= idx.length) {
      throw new DataError(`validation split takes ${take} of class ${cls}'s ${idx.length} images; leaves none to train on`);
    }
    val.push(...idx.slice(0, take));
  }
  const inVal = new Uint8Array(n);
  for (const i of val) inVal[i] = 1;
  return { train: all.filter((i) => !inVal[i]), val: all.filter((i) => inVal[i] === 1) };
}

/** Copies the chosen examples of a split into a new split. */
export function subset(split: Split, indices: ArrayLike<number>, imageSize: number): Split {
  const images = new Uint8Array(indices.length * imageSize);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(split.images.subarray(i * imageSize, (i + 1) * imageSize), k * imageSize);
    labels[k] = split.labels[i];
  }
  return { count: indices.length, images, labels };
}

export function classCounts(labels: Uint8Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}
