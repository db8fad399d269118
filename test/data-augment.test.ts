/**
 * Augmentation: each transform's geometry on synthetic images against positions worked out from
 * the transform's definition (not from the code's matrices), random erasing's bounds, class
 * targeting, determinism, config errors, and the trainer's use of it (training batches only,
 * resume-exact).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { configFromFlags } from '../src/cli/train.ts';
import { describeAugment, parseAugment, validateAugment, type AugmentConfig } from '../src/data/augment-config.ts';
import {
  Augmenter, drawEraseRect, expandExamples, forwardAffine, IDENTITY, invertAffine, shiftFlip, warpAffine, type TransformParams,
} from '../src/data/augment.ts';
import { mulberry32 } from '../src/data/random.ts';
import { initBackend } from '../src/engine/index.ts';
import { buildModel } from '../src/models/build.ts';
import { validateSpec } from '../src/models/validate.ts';
import type { Checkpoint } from '../src/train/checkpoint.ts';
import { ConfigError, defaultConfig, validateConfig, type TrainConfig } from '../src/train/config.ts';
import type { ProgressReporter } from '../src/train/progress.ts';
import { seedMathRandom, train, type Examples, type TrainInput } from '../src/train/trainer.ts';
import { fmnist } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';
import { randomValues } from './helpers/random.ts';

const R = 28, C = 28, N = R * C;
const CENTRE = (C - 1) / 2; // 13.5: pixel centres are at whole coordinates

function dot(x: number, y: number, v = 1): Float32Array {
  const img = new Float32Array(N);
  img[y * C + x] = v;
  return img;
}

/** Transforms one image through the Augmenter's deterministic path with given parameters. */
function transform(src: Float32Array, p: Partial<TransformParams>, config: AugmentConfig = {}): Float32Array {
  const out = src.slice();
  new Augmenter(config, { rows: R, cols: C }).apply(out, 0, { ...IDENTITY, ...p }, mulberry32(1));
  return out;
}

/** Intensity-weighted centre of an image. */
function centroid(img: Float32Array): { x: number; y: number; mass: number } {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) {
    const v = img[y * C + x];
    m += v; sx += v * x; sy += v * y;
  }
  return { x: sx / m, y: sy / m, mass: m };
}

/** Bilinear sample of `img` at (sx, sy), zero outside: a naive reference. */
function sample(img: Float32Array, sx: number, sy: number): number {
  let v = 0;
  for (let y = Math.floor(sy); y <= Math.floor(sy) + 1; y++) for (let x = Math.floor(sx); x <= Math.floor(sx) + 1; x++) {
    if (x < 0 || y < 0 || x >= C || y >= R) continue;
    v += img[y * C + x] * (1 - Math.abs(sx - x)) * (1 - Math.abs(sy - y));
  }
  return v;
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > tol) assert.fail(`${what}: pixel (${i % C}, ${Math.floor(i / C)}) is ${a[i]}, expected ${b[i]}`);
  }
}

describe('geometry', () => {
  test('a dot shifted by (dx, dy) lands exactly (dx, dy) away; what enters is black', () => {
    for (const [dx, dy] of [[3, -2], [-5, 4], [0, 1], [2, 0]]) {
      const out = transform(dot(10, 12), { dx, dy });
      assert.deepEqual(out, dot(10 + dx, 12 + dy), `shift (${dx}, ${dy})`);
    }
    // A whole image moved right by 2: the two left columns are background, the rest moved exactly.
    const img = randomValues(N, 3, 0, 1);
    const out = transform(img, { dx: 2, dy: 0 });
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) {
      assert.equal(out[y * C + x], x < 2 ? 0 : img[y * C + x - 2]);
    }
  });

  test("'nearest' fill repeats the edge pixel; constant fill writes the scaling's black", () => {
    const img = randomValues(N, 4, 0, 1);
    const out = transform(img, { dx: 0, dy: -3 }, { fill: 'nearest' });
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) assert.equal(out[y * C + x], img[Math.min(R - 1, y + 3) * C + x]);
    const flipped = transform(img, { dx: 2, dy: 0, flip: true }, { fill: 'nearest' });
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) assert.equal(flipped[y * C + x], img[y * C + Math.min(C - 1, C - 1 - (x - 2))]);
    // Standardized examples: black is (0 - mean) / std.
    const aug = new Augmenter({}, { rows: R, cols: C, norm: { scaling: 'standardize', mean: 0.25, std: 0.5 } });
    const x = img.slice();
    aug.apply(x, 0, { ...IDENTITY, dx: -1 }, mulberry32(1));
    assert.equal(x[C - 1], -0.5);
    assert.equal(aug.background, -0.5);
  });

  test('a flip mirrors the columns exactly, in the integer and in the warped path', () => {
    const img = randomValues(N, 5, 0, 1);
    const mirrored = new Float32Array(N);
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) mirrored[y * C + x] = img[y * C + (C - 1 - x)];
    assert.deepEqual(transform(img, { flip: true }), mirrored);
    const warped = new Float32Array(N);
    warpAffine(img, 0, warped, 0, R, C, invertAffine(forwardAffine({ ...IDENTITY, flip: true }, R, C)), 'constant', 0);
    assert.deepEqual(warped, mirrored);
    // and a warped integer shift is the exact shift
    const shifted = new Float32Array(N);
    shiftFlip(img, 0, shifted, 0, R, C, -3, 2, false, 'constant', 0);
    warpAffine(img, 0, warped, 0, R, C, invertAffine(forwardAffine({ ...IDENTITY, dx: -3, dy: 2 }, R, C)), 'constant', 0);
    assert.deepEqual(warped, shifted);
  });

  test('rotation by +90° turns counterclockwise as displayed, exactly at pixel centres', () => {
    // Counterclockwise on screen is counterclockwise in math coordinates (X right, Y up = -y):
    // (X, Y) -> (X cos θ - Y sin θ, X sin θ + Y cos θ); at 90°, (X, Y) -> (-Y, X).
    const [x, y] = [20, 10];
    const X = x - CENTRE, Y = -(y - CENTRE);
    const [X2, Y2] = [-Y, X];
    const [ex, ey] = [X2 + CENTRE, CENTRE - Y2];
    assert.deepEqual([ex, ey], [10, 7]);
    assert.deepEqual(transform(dot(x, y), { rotate: 90 }), dot(ex, ey));
    // Every pixel of an image moves the same way: out(ex, ey) = in(x, y).
    const img = randomValues(N, 6, 0, 1);
    const out = transform(img, { rotate: 90 });
    for (let yy = 0; yy < R; yy++) for (let xx = 0; xx < C; xx++) {
      const Xr = -(CENTRE - yy), Yr = xx - CENTRE; // (-Y, X) of (xx, yy)
      assert.equal(out[(CENTRE - Yr) * C + (Xr + CENTRE)], img[yy * C + xx]);
    }
  });

  test('a 10° rotation moves a dot to within 0.5 px of where the rotation formula puts it', () => {
    for (const [x, y, deg] of [[22, 6, 10], [5, 20, -10], [24, 14, 10]]) {
      const t = deg * Math.PI / 180;
      const X = x - CENTRE, Y = CENTRE - y;
      const ex = X * Math.cos(t) - Y * Math.sin(t) + CENTRE;
      const ey = CENTRE - (X * Math.sin(t) + Y * Math.cos(t));
      const c = centroid(transform(dot(x, y), { rotate: deg }));
      assert.ok(Math.hypot(c.x - ex, c.y - ey) < 0.5, `dot (${x}, ${y}) rotated ${deg}°: centroid (${c.x}, ${c.y}), expected (${ex}, ${ey})`);
      assert.ok(Math.hypot(ex - x, ey - y) > 1.5, 'the test dot moves visibly');
    }
  });

  test('zoom 2× about the centre: output pixel (x, y) shows input ((x - 13.5)/2 + 13.5, ...), a dot at (8, 8) lands at (2.5, 2.5)', () => {
    const out = transform(dot(8, 8), { zoom: 2 });
    const expected = new Float32Array(N);
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) {
      const sx = (x - CENTRE) / 2 + CENTRE, sy = (y - CENTRE) / 2 + CENTRE;
      expected[y * C + x] = Math.max(0, 1 - Math.abs(sx - 8)) * Math.max(0, 1 - Math.abs(sy - 8));
    }
    assertClose(out, expected, 1e-6, 'zoom 2');
    // By hand: output pixels 1, 2, 3, 4 read input 7.25, 7.75, 8.25, 8.75, so they take 0.25, 0.75, 0.75,
    // 0.25 of input pixel 8 along each axis: pixel (2, 2) gets 0.75², (1, 1) 0.25², (5, 5) nothing.
    assert.ok(Math.abs(out[2 * C + 2] - 0.5625) < 1e-6);
    assert.ok(Math.abs(out[1 * C + 1] - 0.0625) < 1e-6);
    assert.equal(out[5 * C + 5], 0);
    const c = centroid(out);
    assert.ok(Math.abs(c.x - 2.5) < 1e-6 && Math.abs(c.y - 2.5) < 1e-6, `centroid (${c.x}, ${c.y})`);
  });

  test('shear by φ moves each row by tan φ × its distance below the centre', () => {
    // tan φ = 2 / 6.5 moves row 20 (6.5 below the centre) right by exactly 2 pixels.
    const deg = Math.atan(2 / 6.5) * 180 / Math.PI;
    assertClose(transform(dot(10, 20), { shear: deg }), dot(12, 20), 1e-6, 'sheared dot');
    // A whole image against the matrix [[1, tan φ], [0, 1]] about the centre, sampled naively.
    const img = randomValues(N, 7, 0, 1);
    const phi = 12, t = Math.tan(phi * Math.PI / 180);
    const expected = new Float32Array(N);
    for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) expected[y * C + x] = sample(img, x - t * (y - CENTRE), y);
    assertClose(transform(img, { shear: phi }), expected, 1e-5, 'shear 12°');
  });

  test('composed rotation, zoom and shift are one warp: the dot lands where the three maps put it', () => {
    const t = 30 * Math.PI / 180, s = 1.2, [dx, dy] = [2, -1], [x, y] = [18, 9];
    const X = (x - CENTRE) * s, Y = (CENTRE - y) * s;
    const ex = X * Math.cos(t) - Y * Math.sin(t) + CENTRE + dx;
    const ey = CENTRE - (X * Math.sin(t) + Y * Math.cos(t)) + dy;
    const c = centroid(transform(dot(x, y), { rotate: 30, zoom: s, dx, dy }));
    assert.ok(Math.hypot(c.x - ex, c.y - ey) < 0.5, `centroid (${c.x}, ${c.y}), expected (${ex}, ${ey})`);
  });
});

describe('random erasing', () => {
  test('writes the value inside one rectangle whose area and aspect are within bounds, nothing outside', () => {
    const area: [number, number] = [0.05, 0.3], aspect: [number, number] = [0.5, 2];
    const aug = new Augmenter({ erase: { p: 1, area, aspect, value: 1 } }, { rows: R, cols: C });
    const rand = mulberry32(11);
    const areas: number[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const img = new Float32Array(N).fill(0.5);
      aug.augmentImage(img, 0, rand);
      let x0 = C, x1 = -1, y0 = R, y1 = -1, count = 0;
      for (let y = 0; y < R; y++) for (let x = 0; x < C; x++) {
        const v = img[y * C + x];
        if (v === 0.5) continue;
        assert.equal(v, 1);
        count++;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      if (count === 0) continue; // all attempts failed: left untouched
      const w = x1 - x0 + 1, h = y1 - y0 + 1;
      assert.equal(count, w * h, 'the erased pixels fill their bounding box');
      assert.ok(count / N >= area[0] && count / N <= area[1], `area fraction ${count / N}`);
      assert.ok(h / w >= aspect[0] && h / w <= aspect[1], `aspect ${h}/${w}`);
      areas.push(count / N);
    }
    assert.ok(areas.length > 250, `erased ${areas.length} of 300 with p = 1`);
    assert.ok(Math.min(...areas) < 0.08 && Math.max(...areas) > 0.25, 'areas span the range');
  });

  test("'random' writes uniform pixel values in [0, 1] (scaled), p is the erase probability", () => {
    const aug = new Augmenter({ erase: { p: 0.5 } }, { rows: R, cols: C });
    const rand = mulberry32(12);
    let erased = 0;
    for (let trial = 0; trial < 400; trial++) {
      const img = new Float32Array(N).fill(-1);
      aug.augmentImage(img, 0, rand);
      const changed = img.filter((v) => v !== -1);
      if (changed.length) erased++;
      for (const v of changed) assert.ok(v >= 0 && v < 1);
    }
    assert.ok(erased > 160 && erased < 240, `${erased} of 400 erased at p = 0.5`);
  });

  test('a rectangle that cannot meet the bounds after rounding is not drawn', () => {
    assert.equal(drawEraseRect(mulberry32(1), 2, 2, [0.3, 0.4], [1, 1]), undefined);
    assert.deepEqual(drawEraseRect(mulberry32(1), 2, 2, [0.25, 0.25], [1, 1])?.width, 1);
  });
});

describe('sampling, targeting, determinism', () => {
  test('shift:2 draws every whole shift in [-2, 2]² and nothing else', () => {
    const aug = new Augmenter(parseAugment('shift:2'), { rows: R, cols: C });
    const rand = mulberry32(3);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = aug.draw(rand);
      assert.ok(Number.isInteger(p.dx) && Math.abs(p.dx) <= 2 && Number.isInteger(p.dy) && Math.abs(p.dy) <= 2);
      assert.deepEqual({ ...p, dx: 0, dy: 0 }, IDENTITY);
      seen.add(`${p.dx},${p.dy}`);
    }
    assert.equal(seen.size, 25);
  });

  test('ranges: rotation, zoom and shear stay within theirs; flip at its probability', () => {
    const aug = new Augmenter(parseAugment('rotate:10,zoom:0.1,shear:5,flip:0.25'), { rows: R, cols: C });
    const rand = mulberry32(4);
    let flips = 0;
    for (let i = 0; i < 1000; i++) {
      const p = aug.draw(rand);
      assert.ok(Math.abs(p.rotate) <= 10 && Math.abs(p.zoom - 1) <= 0.1 && Math.abs(p.shear) <= 5);
      if (p.flip) flips++;
    }
    assert.ok(flips > 200 && flips < 300, `${flips} flips of 1000 at 0.25`);
  });

  test('class-targeted augmentation leaves the other classes bit-identical', () => {
    const labels = Uint8Array.from({ length: 30 }, (_, i) => i % 10);
    const batch = randomValues(30 * N, 8, 0, 1);
    const out = batch.slice();
    new Augmenter(parseAugment('shift:2,flip:1,rotate:10'), { rows: R, cols: C }).augmentBatch(out, labels, mulberry32(5));
    const out2 = batch.slice();
    new Augmenter({ ...parseAugment('shift:2,flip:1,rotate:10'), classes: [2, 6] }, { rows: R, cols: C }).augmentBatch(out2, labels, mulberry32(5));
    for (let i = 0; i < 30; i++) {
      const a = batch.subarray(i * N, (i + 1) * N), b = out2.subarray(i * N, (i + 1) * N);
      if (labels[i] === 2 || labels[i] === 6) assert.notDeepEqual(b, a, `image ${i} (class ${labels[i]}) augmented`);
      else assert.deepEqual(b, a, `image ${i} (class ${labels[i]}) untouched`);
      assert.notDeepEqual(out.subarray(i * N, (i + 1) * N), a);
    }
  });

  test('the same seed gives the same augmented batch; another seed another', () => {
    const aug = new Augmenter(parseAugment('shift:2,flip,rotate:10,zoom:0.1,shear:5,erase:0.5'), { rows: R, cols: C });
    const labels = new Uint8Array(16);
    const batch = randomValues(16 * N, 9, 0, 1);
    const run = (seed: number) => { const b = batch.slice(); aug.augmentBatch(b, labels, mulberry32(seed)); return b; };
    assert.deepEqual(run(42), run(42));
    assert.notDeepEqual(run(42), run(43));
  });

  test('offline expansion appends copies of the targeted images, seeded, originals first', () => {
    const ex = { x: randomValues(20 * N, 10, 0, 1), y: Uint8Array.from({ length: 20 }, (_, i) => i % 10), count: 20 };
    const aug = new Augmenter({ ...parseAugment('rotate:10,flip'), classes: [2, 6] }, { rows: R, cols: C });
    const a = expandExamples(ex, aug, 3, 7);
    assert.equal(a.count, 20 + 3 * 4);
    assert.deepEqual(a.x.subarray(0, 20 * N), ex.x);
    assert.deepEqual([...a.y.subarray(20)], [2, 6, 2, 6, 2, 6, 2, 6, 2, 6, 2, 6]);
    assert.deepEqual(expandExamples(ex, aug, 3, 7), a);
    assert.notDeepEqual(expandExamples(ex, aug, 3, 8).x, a.x);
  });
});

describe('settings', () => {
  test('the compact syntax and its description', () => {
    assert.deepEqual(parseAugment('shift:2,flip,rotate:10,zoom:0.1,shear:5,erase:0.5'),
      { widthShift: 2, heightShift: 2, flip: 0.5, rotate: 10, zoom: 0.1, shear: 5, erase: { p: 0.5 } });
    assert.deepEqual(parseAugment('shift:3:1,flip:0.2,fill:nearest,erase'), { widthShift: 3, heightShift: 1, flip: 0.2, fill: 'nearest', erase: { p: 0.5 } });
    assert.deepEqual(parseAugment('none'), {});
    assert.deepEqual(parseAugment('{"rotate": 5, "classes": [2, 6], "copies": 1}'), { rotate: 5, classes: [2, 6], copies: 1 });
    assert.equal(describeAugment({ ...parseAugment('shift:2,flip,rotate:10'), classes: [2, 6], copies: 2 }), 'shift:2,flip,rotate:10 on classes 2, 6, 2 offline copies');
    assert.equal(describeAugment({ erase: { p: 0.3, area: [0.1, 0.2], value: 0 } }), 'erase:0.3 (area 0.1-0.2, value 0)');
  });

  test('bad settings say which field, what it got and what it expected', () => {
    const cases: [() => unknown, string][] = [
      [() => parseAugment('shift:2,rotat:10'), "--augment: unknown transform 'rotat' in 'shift:2,rotat:10'; expected shift:PIXELS[:PIXELS_Y], flip[:P], rotate:DEGREES, zoom:RANGE, shear:DEGREES, erase[:P], fill:constant|nearest"],
      [() => parseAugment('rotate'), "--augment: 'rotate': expected rotate:DEGREES"],
      [() => parseAugment('rotate:ten'), "--augment: 'rotate:ten': 'ten' is not a number"],
      [() => parseAugment('flip,flip'), "--augment: 'flip' given twice in 'flip,flip'"],
      [() => parseAugment('fill:edge'), "augment.fill: expected 'constant' or 'nearest', got 'edge'"],
      [() => parseAugment('shift:2.5'), 'augment.widthShift: expected a whole number of pixels ≥ 0, got 2.5'],
      [() => parseAugment('rotate:200'), 'augment.rotate: expected degrees in [0, 180], got 200'],
      [() => parseAugment('zoom:1'), 'augment.zoom: expected a number in [0, 1), got 1'],
      [() => parseAugment('flip:1.5'), 'augment.flip: expected a probability in [0, 1], got 1.5'],
      [() => validateAugment({ rotation: 5 }), "augment: unknown setting 'rotation'; expected one of widthShift, heightShift, flip, rotate, zoom, shear, fill, erase, classes, copies"],
      [() => validateAugment({ erase: { p: 0.5, area: [0.4, 0.1] } }), 'augment.erase.area: expected [min, max] fractions of the image with 0 < min ≤ max < 1, got [0.4,0.1]'],
      [() => validateAugment({ erase: { value: 'noise' } }), "augment.erase.value: expected a pixel value in [0, 1] or 'random', got 'noise'"],
      [() => validateAugment({ classes: [2, 2] }), 'augment.classes: expected a non-empty list of distinct class numbers (0, 1, ...), got [2,2]'],
      [() => validateAugment({ copies: 0 }), 'augment.copies: expected a whole number of copies in [1, 100], got 0'],
      [() => validateAugment('shift:2'), "augment: expected an object of augmentation settings, got 'shift:2'"],
      [() => new Augmenter({ widthShift: 28 }, { rows: R, cols: C }), 'augment.widthShift: 28 pixels would move a 28-pixel-wide image out of sight; expected less than 28'],
      [() => new Augmenter({ rotate: 5, classes: [2, 12] }, { rows: R, cols: C }, 10), 'augment.classes: there is no class 12; the data has classes 0 to 9'],
    ];
    for (const [fn, message] of cases) assert.throws(fn, (err: Error) => { assert.equal(err.message, message); return true; });
    assert.throws(() => parseAugment('{"rotate": 5'), /^AugmentError: --augment: bad JSON: /);
    const config: TrainConfig = { ...defaultConfig('mlp'), augment: { rotate: -3 } };
    assert.throws(() => validateConfig(config), (err: Error) => err instanceof ConfigError && err.message === 'augment.rotate: expected degrees in [0, 180], got -3');
  });

  test("a model spec's training settings may carry augmentation, validated", () => {
    const spec = (augment: unknown) => ({ name: 'a', input: 'flat', layers: [{ type: 'dense', units: 10, activation: 'softmax' }], training: { augment } });
    assert.doesNotThrow(() => validateSpec(spec('shift:2,flip')));
    assert.doesNotThrow(() => validateSpec(spec({ rotate: 5, classes: [2, 6] })));
    assert.throws(() => validateSpec(spec('shift:2,spin:3')), /spec\.training\.augment: unknown transform 'spin'/);
    assert.throws(() => validateSpec(spec({ zoom: 3 })), /^SpecError: spec\.training\.augment\.zoom: expected a number in \[0, 1\), got 3$/m);
  });
});

describe('the command line', () => {
  test("train's flags: a spec's augmentation is the default, --augment replaces it, the class and copy flags refine it", () => {
    const dir = tempDir('fmnist-augment-');
    const spec = join(dir, 'spec.json');
    type Flags = Parameters<typeof configFromFlags>[0];
    const flags = (f: Partial<Flags> & { model: string }) => configFromFlags(f as Flags);
    writeFileSync(spec, JSON.stringify({ name: 'a', input: 'flat', layers: [{ type: 'dense', units: 10, activation: 'softmax' }], training: { augment: 'shift:3,flip' } }));
    assert.deepEqual(flags({ model: spec }).augment, { widthShift: 3, heightShift: 3, flip: 0.5 });
    assert.deepEqual(flags({ model: spec, augmentClasses: [2, 6], augmentCopies: 2 }).augment, { widthShift: 3, heightShift: 3, flip: 0.5, classes: [2, 6], copies: 2 });
    assert.deepEqual(flags({ model: spec, augment: parseAugment('rotate:5') }).augment, { rotate: 5 });
    assert.equal(flags({ model: spec, augment: parseAugment('none') }).augment, undefined);
    assert.equal(flags({ model: 'mlp' }).augment, undefined);
    assert.throws(() => flags({ model: 'mlp', augmentClasses: [2] }), /^ConfigError: --augment-classes: there is no augmentation to apply it to; add --augment/);
    const usage = fmnist(['train', '--augment', 'rotate:500']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /argument 'rotate:500' is invalid\. augment\.rotate: expected degrees in \[0, 180\], got 500/);
  });

  test('augment preview writes a grid: a row per image, the original and its variants', () => {
    const data = realSlice(50, 1);
    const out = join(tempDir('fmnist-augment-'), 'p.png');
    const r = fmnist(['augment', 'preview', '--data-dir', data, '--count', '3', '--variants', '4', '--scale', '1', '--augment', 'shift:2,flip', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 training images, originals in the first column, 4 augmented versions of each/);
    const png = PNG.sync.read(readFileSync(out));
    assert.ok(png.width > 5 * 28 && png.height > 3 * 28, `${png.width}×${png.height}`);
    const none = fmnist(['augment', 'preview', '--data-dir', data, '--augment', 'none', '--out', out]);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, 'error: --augment: no transform to preview; name at least one (e.g. shift:2,flip)\n');
  });
});

describe('in the trainer', async () => {
  await initBackend('auto');
  const SPEC = validateSpec({
    name: 'tiny', input: 'flat',
    layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10, activation: 'softmax' }],
  });
  const examples = (n: number, seed: number): Examples => ({
    x: randomValues(n * N, seed, 0, 1), y: Uint8Array.from({ length: n }, (_, i) => (i * 7) % 10), count: n,
  });
  const trainSet = examples(256, 21), valSet = examples(64, 22);
  const input = (): TrainInput => ({ train: trainSet, val: valSet, inputShape: [N], numClasses: 10, image: { rows: R, cols: C } });
  const config = (augment?: AugmentConfig, epochs = 3): TrainConfig => ({ ...defaultConfig('tiny'), epochs, batchSize: 32, seed: 5, ...(augment ? { augment } : {}) });
  const model = () => {
    const restore = seedMathRandom(99);
    try { return buildModel(SPEC); } finally { restore(); }
  };
  const losses = async (c: TrainConfig, hooks = {}) => {
    const m = model();
    try { return (await train(m, c, input(), hooks)).history.map((e) => [e.loss, e.valLoss]); } finally { m.dispose(); }
  };

  test('augments training batches only: the training, validation and test arrays are unchanged', async () => {
    const before = { train: trainSet.x.slice(), val: valSet.x.slice() };
    const plain = await losses(config());
    const augmented = await losses(config(parseAugment('shift:2,flip,rotate:10,erase:0.5')));
    const expanded = await losses(config({ ...parseAugment('shift:2,flip'), copies: 2 }));
    assert.deepEqual(trainSet.x, before.train);
    assert.deepEqual(valSet.x, before.val);
    assert.notDeepEqual(augmented.map((l) => l[0]), plain.map((l) => l[0]), 'augmentation changes the training');
    assert.notDeepEqual(expanded, plain);
    // The trainer itself never sees test data; validation loss is computed on the untouched split.
  });

  test("its randomness is its own: augmenting a class the data lacks changes nothing (dropout masks included)", async () => {
    const noClass9 = examples(256, 21);
    for (let i = 0; i < noClass9.count; i++) if (noClass9.y[i] === 9) noClass9.y[i] = 0;
    const run = async (c: TrainConfig) => {
      const m = model();
      try { return (await train(m, c, { ...input(), train: noClass9 })).history.map((e) => e.loss); } finally { m.dispose(); }
    };
    assert.deepEqual(await run(config({ rotate: 10, classes: [9] })), await run(config()));
  });

  test('offline expansion trains on originals plus copies', async () => {
    const messages: string[] = [];
    const progress: ProgressReporter = { start() {}, batch() {}, epoch() {}, message: (m) => { messages.push(m); } };
    await losses(config({ ...parseAugment('flip'), classes: [2, 6], copies: 3 }, 1), { progress });
    const targeted = [...trainSet.y].filter((l) => l === 2 || l === 6).length;
    assert.ok(messages.includes(`augmentation: flip on classes 2, 6, 3 offline copies; 256 training images expanded to ${256 + 3 * targeted}`), messages.join('\n'));
  });

  test('a run stopped after epoch 2 and resumed from its checkpoint ends exactly like an uninterrupted one', async () => {
    // Plain SGD: the native backend's Adam keys its moments by variable name, and two models built
    // in one process have different names, so an in-process Adam resume would lose them (the CLI's
    // resume runs in a fresh process, where names repeat; test/train-resume.test.ts covers that).
    const c = { ...config(parseAugment('shift:2,flip,rotate:10,erase:0.5'), 4), optimizer: { name: 'sgd' as const, learningRate: 0.1 } };
    const whole = await losses(c);
    let checkpoint: Checkpoint | undefined;
    const first = model();
    const part = await train(first, c, input(), {
      onCheckpoint: (cp) => { checkpoint = cp; },
      shouldStop: () => checkpoint !== undefined && checkpoint.state.epoch >= 2,
    });
    first.dispose();
    assert.ok(part.interrupted);
    assert.equal(checkpoint?.state.epoch, 2);
    const rest = await losses(c, { resume: checkpoint });
    assert.deepEqual(rest, whole);
  });
});
