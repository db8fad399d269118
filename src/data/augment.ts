/**
 * Random image transforms for training: shift, horizontal flip, rotation, zoom, shear and random
 * erasing on single-channel images (a batch is images one after another, row-major, as the
 * model's NHWC input with one channel). Shift, flip, rotation, zoom and shear compose into one
 * affine map per image, sampled once with bilinear interpolation; an image whose draw has no
 * rotation, zoom or shear takes an exact integer path (whole-pixel copies), so flips and shifts
 * never blur. Every random choice comes from the generator the caller passes (the trainer derives
 * one per epoch and batch from the run's seed), never from Math.random.
 *
 * Geometry (x = column to the right, y = row downwards, pixel centres at whole coordinates, the
 * centre c = ((cols − 1) / 2, (rows − 1) / 2)): an input point p lands at
 *   M (p − c) + c + (dx, dy),   M = F · R(θ) · H(φ) · Z(s)
 * with Z = s·I (zoom, s > 1 enlarges), H = [[1, tan φ], [0, 1]] (shear), R(θ) = [[cos θ, sin θ],
 * [−sin θ, cos θ]] (counterclockwise as displayed, since y points down) and F = diag(−1, 1) when
 * flipped. Each output pixel reads the input at the inverse map of its centre.
 */
import type { AugmentConfig, FillMode } from './augment-config.ts';
import { AugmentError, ERASE_DEFAULTS, validateAugment } from './augment-config.ts';
import type { Normalization } from './preprocess.ts';
import { deriveSeed, mulberry32 } from './random.ts';

/** How the examples hold images. */
export interface ImageFormat {
  rows: number;
  cols: number;
  /** The scaling that turned pixels (0..1) into the examples' values; default none (unit). */
  norm?: Normalization;
}

export interface EraseRect { x: number; y: number; width: number; height: number }

/** One image's drawn transform. */
export interface TransformParams {
  /** Whole-pixel shift: right and down. */
  dx: number;
  dy: number;
  flip: boolean;
  /** Degrees, counterclockwise as displayed. */
  rotate: number;
  /** Magnification about the centre. */
  zoom: number;
  /** Degrees. */
  shear: number;
  erase?: EraseRect;
}

export const IDENTITY: TransformParams = { dx: 0, dy: 0, flip: false, rotate: 0, zoom: 1, shear: 0 };

/** An affine map on pixel coordinates: x' = a·x + b·y + e, y' = c·x + d·y + f. */
export interface Affine { a: number; b: number; c: number; d: number; e: number; f: number }

const RAD = Math.PI / 180;
/** Exact 0 and ±1 where cos/sin of 90°, 180° ... miss them by rounding, so quarter turns are exact. */
const snap = (v: number) => (Math.abs(v) < 1e-12 ? 0 : Math.abs(Math.abs(v) - 1) < 1e-12 ? Math.sign(v) : v);

/** The forward map of a transform (input pixel → output pixel) for an image of rows × cols. */
export function forwardAffine(p: TransformParams, rows: number, cols: number): Affine {
  const cos = snap(Math.cos(p.rotate * RAD)), sin = snap(Math.sin(p.rotate * RAD));
  const t = snap(Math.tan(p.shear * RAD));
  const s = p.zoom;
  // R · H · Z, then the flip negates the first row.
  let a = s * cos, b = s * (cos * t + sin);
  const c = -s * sin, d = s * (-sin * t + cos);
  if (p.flip) { a = -a; b = -b; }
  const cx = (cols - 1) / 2, cy = (rows - 1) / 2;
  return { a, b, c, d, e: cx + p.dx - (a * cx + b * cy), f: cy + p.dy - (c * cx + d * cy) };
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  if (!(Math.abs(det) > 1e-12)) throw new AugmentError(`augment: the transform is singular (determinant ${det})`);
  const a = m.d / det, b = -m.b / det, c = -m.c / det, d = m.a / det;
  return { a, b, c, d, e: -(a * m.e + b * m.f), f: -(c * m.e + d * m.f) };
}

/** The source image with a one-pixel border (fill, or the edge repeated), reused between calls. */
let padded = new Float32Array(0);

function padImage(src: Float32Array, srcOff: number, rows: number, cols: number, nearest: boolean, fillValue: number): Float32Array {
  const w = cols + 2, n = (rows + 2) * w;
  if (padded.length < n) padded = new Float32Array(n);
  const p = padded;
  for (let y = 0; y < rows; y++) {
    const s = srcOff + y * cols, o = (y + 1) * w + 1;
    for (let x = 0; x < cols; x++) p[o + x] = src[s + x];
    p[o - 1] = nearest ? src[s] : fillValue;
    p[o + cols] = nearest ? src[s + cols - 1] : fillValue;
  }
  const last = (rows + 1) * w;
  for (let x = 0; x < w; x++) {
    p[x] = nearest ? p[w + x] : fillValue;
    p[last + x] = nearest ? p[last - w + x] : fillValue;
  }
  return p;
}

/**
 * out(x, y) = bilinear sample of `src` at inv(x, y); samples outside the image read `fillValue`
 * ('constant') or the nearest edge pixel ('nearest'). `dst` may be `src` (the source is copied
 * first, into a padded buffer that makes every in-range sample the same four reads: about 2× faster
 * than bounds checks per neighbour).
 */
export function warpAffine(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, rows: number, cols: number,
  inv: Affine, fill: FillMode, fillValue: number): void {
  const { a, b, c, d, e, f } = inv;
  const nearest = fill === 'nearest';
  const p = padImage(src, srcOff, rows, cols, nearest, fillValue);
  const w = cols + 2;
  let o = dstOff;
  for (let y = 0; y < rows; y++) {
    // Coordinates in the padded image (+1), so that they are positive wherever a sample is needed.
    const rx = b * y + e + 1, ry = d * y + f + 1;
    for (let x = 0; x < cols; x++, o++) {
      let px = a * x + rx, py = c * x + ry;
      if (nearest) {
        px = px < 1 ? 1 : px > cols ? cols : px;
        py = py < 1 ? 1 : py > rows ? rows : py;
      } else if (!(px > 0 && py > 0 && px < cols + 1 && py < rows + 1)) {
        dst[o] = fillValue; // all four neighbours are outside
        continue;
      }
      const x1 = px | 0, y1 = py | 0; // floor: both are positive
      const fx = px - x1, fy = py - y1;
      const k = y1 * w + x1;
      const v00 = p[k], v01 = p[k + 1], v10 = p[k + w], v11 = p[k + w + 1];
      const top = v00 + fx * (v01 - v00), bottom = v10 + fx * (v11 - v10);
      dst[o] = top + fy * (bottom - top);
    }
  }
}

/** Whole-pixel shift and optional flip, exact: out(x, y) = in(x − dx, y − dy), mirrored first when flipped. */
export function shiftFlip(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, rows: number, cols: number,
  dx: number, dy: number, flip: boolean, fill: FillMode, fillValue: number): void {
  const nearest = fill === 'nearest';
  for (let y = 0; y < rows; y++) {
    let sy = y - dy;
    const o = dstOff + y * cols;
    if (sy < 0 || sy >= rows) {
      if (!nearest) { dst.fill(fillValue, o, o + cols); continue; }
      sy = sy < 0 ? 0 : rows - 1;
    }
    const row = srcOff + sy * cols;
    if (!nearest) {
      // Output columns [lo, hi) read inside the image (flipped or not); the rest is fill.
      const lo = Math.max(0, dx), hi = Math.max(lo, Math.min(cols, cols + dx));
      if (lo > 0) dst.fill(fillValue, o, o + lo);
      if (!flip) dst.set(src.subarray(row + lo - dx, row + hi - dx), o + lo);
      else for (let x = lo, k = row + cols - 1 - lo + dx; x < hi; x++, k--) dst[o + x] = src[k];
      if (hi < cols) dst.fill(fillValue, o + hi, o + cols);
      continue;
    }
    for (let x = 0; x < cols; x++) {
      const sx = flip ? cols - 1 - (x - dx) : x - dx;
      dst[o + x] = src[row + (sx < 0 ? 0 : sx >= cols ? cols - 1 : sx)]; // nearest: the edge pixel
    }
  }
}

/** Writes `value` into the rectangle, or a uniform random pixel value per pixel when `value` is a generator. */
export function eraseRect(dst: Float32Array, off: number, cols: number, r: EraseRect, value: number | (() => number)): void {
  for (let y = r.y; y < r.y + r.height; y++) {
    const o = off + y * cols;
    if (typeof value === 'number') dst.fill(value, o + r.x, o + r.x + r.width);
    else for (let x = r.x; x < r.x + r.width; x++) dst[o + x] = value();
  }
}

const ERASE_ATTEMPTS = 10;

/**
 * A random-erasing rectangle (Zhong et al.): area fraction uniform in `area`, height/width ratio
 * uniform in `aspect`, rounded to whole pixels and redrawn (up to 10 times, then none) unless the
 * rounded rectangle fits the image and still keeps both within their ranges; then a uniform place.
 */
export function drawEraseRect(rand: () => number, rows: number, cols: number, area: readonly [number, number], aspect: readonly [number, number]): EraseRect | undefined {
  const n = rows * cols;
  for (let attempt = 0; attempt < ERASE_ATTEMPTS; attempt++) {
    const s = (area[0] + (area[1] - area[0]) * rand()) * n;
    const r = aspect[0] + (aspect[1] - aspect[0]) * rand();
    const height = Math.round(Math.sqrt(s * r)), width = Math.round(Math.sqrt(s / r));
    if (height < 1 || width < 1 || height > rows || width > cols) continue;
    const frac = (height * width) / n, ratio = height / width;
    if (frac < area[0] || frac > area[1] || ratio < aspect[0] || ratio > aspect[1]) continue;
    return { x: Math.floor(rand() * (cols - width + 1)), y: Math.floor(rand() * (rows - height + 1)), width, height };
  }
  return undefined;
}

/** Applies validated augmentation settings to images, in place (a scratch image is kept for the exact shift path). */
export class Augmenter {
  readonly config: AugmentConfig;
  readonly rows: number;
  readonly cols: number;
  private readonly fill: FillMode;
  /** Pixel value v in [0, 1] is scale·v + offset in the examples. */
  private readonly scale: number;
  private readonly offset: number;
  private readonly targeted?: Uint8Array;
  private readonly scratch: Float32Array;
  private readonly erase?: { p: number; area: readonly [number, number]; aspect: readonly [number, number]; value: number | 'random' };

  constructor(config: AugmentConfig, format: ImageFormat, numClasses?: number) {
    this.config = validateAugment(config);
    const { rows, cols } = format;
    if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(cols) && cols > 0)) {
      throw new AugmentError(`augment: expected an image size of positive whole numbers, got ${rows}×${cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    if ((config.widthShift ?? 0) >= cols) throw new AugmentError(`augment.widthShift: ${config.widthShift} pixels would move a ${cols}-pixel-wide image out of sight; expected less than ${cols}`);
    if ((config.heightShift ?? 0) >= rows) throw new AugmentError(`augment.heightShift: ${config.heightShift} pixels would move a ${rows}-pixel-high image out of sight; expected less than ${rows}`);
    if (config.classes && numClasses !== undefined) {
      const missing = config.classes.find((k) => k >= numClasses);
      if (missing !== undefined) throw new AugmentError(`augment.classes: there is no class ${missing}; the data has classes 0 to ${numClasses - 1}`);
    }
    this.fill = config.fill ?? 'constant';
    const norm = format.norm ?? { scaling: 'unit', mean: 0, std: 1 };
    this.scale = 1 / norm.std;
    this.offset = 0 - norm.mean / norm.std; // not -0: black is +0 in unit scaling
    if (config.classes) {
      this.targeted = new Uint8Array(256);
      for (const k of config.classes) this.targeted[k] = 1;
    }
    if (config.erase && (config.erase.p ?? ERASE_DEFAULTS.p) > 0) {
      const e = config.erase;
      this.erase = { p: e.p ?? ERASE_DEFAULTS.p, area: e.area ?? ERASE_DEFAULTS.area, aspect: e.aspect ?? ERASE_DEFAULTS.aspect, value: e.value ?? ERASE_DEFAULTS.value };
    }
    this.scratch = new Float32Array(rows * cols);
  }

  /** The examples' value of a black pixel: what 'constant' fill writes. */
  get background(): number {
    return this.offset;
  }

  /** Whether images of this class are augmented. */
  applies(label: number): boolean {
    return !this.targeted || this.targeted[label] === 1;
  }

  /** Draws one image's transform; only the transforms that are on consume random numbers. */
  draw(rand: () => number): TransformParams {
    const c = this.config;
    const p: TransformParams = { ...IDENTITY };
    if (c.widthShift) p.dx = Math.floor(rand() * (2 * c.widthShift + 1)) - c.widthShift;
    if (c.heightShift) p.dy = Math.floor(rand() * (2 * c.heightShift + 1)) - c.heightShift;
    if (c.flip) p.flip = rand() < c.flip;
    if (c.rotate) p.rotate = (2 * rand() - 1) * c.rotate;
    if (c.zoom) p.zoom = 1 + (2 * rand() - 1) * c.zoom;
    if (c.shear) p.shear = (2 * rand() - 1) * c.shear;
    if (this.erase && rand() < this.erase.p) p.erase = drawEraseRect(rand, this.rows, this.cols, this.erase.area, this.erase.aspect);
    return p;
  }

  /**
   * Transforms the image at `x[off ...]` in place. `rand` supplies erasing's random pixel values
   * (when the settings ask for them).
   */
  apply(x: Float32Array, off: number, p: TransformParams, rand: () => number): void {
    const { rows, cols } = this;
    const geometric = p.rotate !== 0 || p.zoom !== 1 || p.shear !== 0;
    if (geometric) {
      warpAffine(x, off, x, off, rows, cols, invertAffine(forwardAffine(p, rows, cols)), this.fill, this.offset);
    } else if (p.dx !== 0 || p.dy !== 0 || p.flip) {
      const src = this.scratch;
      src.set(x.subarray(off, off + rows * cols));
      shiftFlip(src, 0, x, off, rows, cols, p.dx, p.dy, p.flip, this.fill, this.offset);
    }
    if (p.erase) {
      const v = this.erase!.value;
      eraseRect(x, off, cols, p.erase, v === 'random' ? () => this.scale * rand() + this.offset : this.scale * v + this.offset);
    }
  }

  /** Draws and applies a transform to the image at `x[off ...]`, in place. */
  augmentImage(x: Float32Array, off: number, rand: () => number): void {
    this.apply(x, off, this.draw(rand), rand);
  }

  /** Augments a batch in place: image i (of labels.length) at offset i·rows·cols, unless its class is not targeted. */
  augmentBatch(x: Float32Array, labels: ArrayLike<number>, rand: () => number): void {
    const size = this.rows * this.cols;
    if (x.length < labels.length * size) throw new AugmentError(`augment: a batch of ${labels.length} images needs ${labels.length * size} values, got ${x.length}`);
    for (let i = 0; i < labels.length; i++) {
      if (this.applies(labels[i])) this.augmentImage(x, i * size, rand);
    }
  }
}

/** The generator for one training batch's augmentation: a function of the seed, epoch and batch alone, so resuming repeats it. */
export function batchRandom(seed: number, epoch: number, batch: number): () => number {
  return mulberry32(deriveSeed(seed, 'augment', epoch, batch));
}

/**
 * Offline expansion: the examples followed by `copies` augmented copies of every targeted image
 * (in order, copy after copy), copy k drawn from its own generator derived from `seed`.
 */
export function expandExamples<E extends { x: Float32Array; y: Uint8Array; count: number }>(ex: E, aug: Augmenter, copies: number, seed: number): { x: Float32Array; y: Uint8Array; count: number } {
  const size = aug.rows * aug.cols;
  if (ex.x.length !== ex.count * size) throw new AugmentError(`augment: ${ex.count} examples of ${aug.rows}×${aug.cols} need ${ex.count * size} values, got ${ex.x.length}`);
  const targets: number[] = [];
  for (let i = 0; i < ex.count; i++) if (aug.applies(ex.y[i])) targets.push(i);
  const count = ex.count + copies * targets.length;
  const x = new Float32Array(count * size);
  const y = new Uint8Array(count);
  x.set(ex.x);
  y.set(ex.y);
  let n = ex.count;
  for (let k = 0; k < copies; k++) {
    const rand = mulberry32(deriveSeed(seed, 'augment-copy', k));
    for (const i of targets) {
      x.set(ex.x.subarray(i * size, (i + 1) * size), n * size);
      y[n] = ex.y[i];
      aug.augmentImage(x, n * size, rand);
      n++;
    }
  }
  return { x, y, count };
}
