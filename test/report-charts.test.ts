import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { barChart, confusionHeatmap, imageGrid, learningCurves, type EpochRecord } from '../src/report/charts.ts';
import { captionLines } from '../src/report/image-grid.ts';
import type { Raster } from '../src/report/raster.ts';

/** Every chart is checked on the decoded PNG, i.e. on what a viewer would show. */
interface Image { width: number; height: number; at(x: number, y: number): [number, number, number] }

function decoded(r: Raster): Image {
  const png = PNG.sync.read(r.toPNG());
  return {
    width: png.width,
    height: png.height,
    at(x, y) {
      const i = (y * png.width + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    },
  };
}

type Pixel = [number, number];

function pixelsWhere(img: Image, pred: (c: [number, number, number], x: number, y: number) => boolean): Pixel[] {
  const out: Pixel[] = [];
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (pred(img.at(x, y), x, y)) out.push([x, y]);
  return out;
}

function bbox(pixels: Pixel[]) {
  assert.ok(pixels.length > 0, 'no pixels to bound');
  const xs = pixels.map((p) => p[0]), ys = pixels.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

const lum = (c: [number, number, number]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
const near = (c: [number, number, number], ref: [number, number, number], tol = 12) => c.every((v, k) => Math.abs(v - ref[k]) <= tol);
const TRAIN: [number, number, number] = [31, 119, 180];
const VAL: [number, number, number] = [255, 127, 14];

/** Means of `values` in `bins` consecutive, equal-count groups. */
function binMeans(values: number[], bins: number): number[] {
  const size = Math.floor(values.length / bins);
  return Array.from({ length: bins }, (_, b) => {
    const part = values.slice(b * size, (b + 1) * size);
    return part.reduce((a, v) => a + v, 0) / part.length;
  });
}

/** For each column holding a pixel of the colour in [xFrom, xTo), the extreme y of those pixels. */
function columnProfile(img: Image, color: [number, number, number], xFrom: number, xTo: number, pick: 'lowest' | 'highest'): number[] {
  const ys: number[] = [];
  for (let x = xFrom; x < xTo; x++) {
    let best: number | undefined;
    for (let y = 0; y < img.height; y++) {
      if (!near(img.at(x, y), color, 3)) continue;
      best = best === undefined ? y : pick === 'lowest' ? Math.max(best, y) : Math.min(best, y);
    }
    if (best !== undefined) ys.push(best);
  }
  return ys;
}

const falling: EpochRecord[] = Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, loss: 2 - 0.15 * i, accuracy: 0.5 + 0.04 * i }));

test('learning curves: a PNG of the requested size', () => {
  assert.deepEqual([decoded(learningCurves(falling)).width, decoded(learningCurves(falling)).height], [1100, 460]);
  const small = decoded(learningCurves(falling, { width: 800, height: 300 }));
  assert.deepEqual([small.width, small.height], [800, 300]);
});

test('learning curves: falling loss draws a line going down, rising accuracy one going up', () => {
  const img = decoded(learningCurves(falling));
  // Lowest train-coloured pixel per column: on the line, never the legend swatch above it.
  const loss = columnProfile(img, TRAIN, 0, img.width / 2, 'lowest');
  assert.ok(loss.length > 300, `loss line spans only ${loss.length} columns`);
  const lossBins = binMeans(loss, 5);
  for (let b = 1; b < 5; b++) assert.ok(lossBins[b] > lossBins[b - 1], `loss line y by fifth: ${lossBins}`);
  assert.ok(lossBins[4] - lossBins[0] > 150, `loss line falls only ${lossBins[4] - lossBins[0]} px`);

  const acc = columnProfile(img, TRAIN, img.width / 2, img.width, 'highest');
  assert.ok(acc.length > 300);
  const accBins = binMeans(acc, 5);
  for (let b = 1; b < 5; b++) assert.ok(accBins[b] < accBins[b - 1], `accuracy line y by fifth: ${accBins}`);
  assert.equal(pixelsWhere(img, (c) => near(c, VAL, 3)).length, 0, 'no validation colour without validation data');
});

test('learning curves: validation is drawn in its own colour, above the train loss when it is higher', () => {
  const history = falling.map((h) => ({ ...h, valLoss: h.loss + 0.3, valAccuracy: h.accuracy - 0.1 }));
  const img = decoded(learningCurves(history));
  const half = img.width / 2;
  const val = pixelsWhere(img, (c, x, y) => near(c, VAL, 3) && x < half && y > 100);
  const train = pixelsWhere(img, (c, x, y) => near(c, TRAIN, 3) && x < half && y > 100);
  assert.ok(val.length > 300 && train.length > 300, `${val.length} validation and ${train.length} train pixels`);
  const meanY = (ps: Pixel[]) => ps.reduce((a, p) => a + p[1], 0) / ps.length;
  assert.ok(meanY(val) < meanY(train) - 20, 'higher validation loss sits higher in the panel');
  const valAcc = pixelsWhere(img, (c, x, y) => near(c, VAL, 3) && x >= half && y > 100);
  const trainAcc = pixelsWhere(img, (c, x, y) => near(c, TRAIN, 3) && x >= half && y > 100);
  assert.ok(meanY(valAcc) > meanY(trainAcc) + 20, 'lower validation accuracy sits lower in the panel');
});

test('learning curves: a non-finite loss leaves a gap instead of failing', () => {
  const withGap = falling.map((h) => (h.epoch === 5 || h.epoch === 6 ? { ...h, loss: NaN } : h));
  const full = columnProfile(decoded(learningCurves(falling)), TRAIN, 0, 550, 'lowest').length;
  const gapped = columnProfile(decoded(learningCurves(withGap)), TRAIN, 0, 550, 'lowest').length;
  // Epochs 4..7 span a third of the x range: the gap removes well over a tenth of the columns.
  assert.ok(gapped < full * 0.85, `${gapped} columns with the gap vs ${full} without`);
});

test('learning curves: records out of epoch order draw the same picture', () => {
  const shuffled = [falling[3], falling[0], falling[9], falling[5], falling[1], falling[8], falling[2], falling[7], falling[4], falling[6]];
  const a = decoded(learningCurves(falling)), b = decoded(learningCurves(shuffled));
  assert.equal(pixelsWhere(a, (c, x, y) => !near(c, b.at(x, y), 0)).length, 0);
});

test('a title too long for the image is cut inside the margins', () => {
  const img = decoded(learningCurves(falling, { width: 600, title: 'Loss and accuracy '.repeat(10) }));
  const titleInk = pixelsWhere(img, (c, _x, y) => y < 45 && lum(c) < 128);
  assert.ok(titleInk.length > 100);
  const box = bbox(titleInk);
  assert.ok(box.x0 >= 16 && box.x1 < 600 - 16, `title spans x ${box.x0}..${box.x1}`);
});

test('learning curves: bad history is rejected clearly', () => {
  assert.throws(() => learningCurves([]), /learningCurves: history is empty/);
  assert.throws(() => learningCurves([{ epoch: 1, loss: '0.3' as unknown as number, accuracy: 0.5 }]), /history\[0\]\.loss is "0\.3", expected a number/);
  assert.throws(() => learningCurves([{ epoch: NaN, loss: 1, accuracy: 0.5 }]), /history\[0\]\.epoch is NaN/);
  assert.throws(() => learningCurves(falling, { width: 100 }), /width must be an integer >= 500, got 100/);
});

const NAMES = ['alpha', 'beta', 'gamma'];
const isDarkBlue = (c: [number, number, number]) => lum(c) < 80 && c[2] > c[0] + 50;

/** Locates the cell grid from a diagonal-only heatmap of the same classes (the layout depends on the names only). */
function heatmapGrid(names: string[]) {
  const n = names.length;
  const diag = names.map((_, i) => names.map((_, j) => (i === j ? 1 : 0)));
  const box = bbox(pixelsWhere(decoded(confusionHeatmap(diag, names)), isDarkBlue));
  const cell = Math.round((box.x1 - box.x0 + 2) / n);
  return { x0: box.x0 - 1, y0: box.y0 - 1, cell, corner: (i: number, j: number): Pixel => [box.x0 - 1 + j * cell + 3, box.y0 - 1 + i * cell + 3] };
}

test('heatmap: a diagonal-only matrix gives dark diagonal cells and white off-diagonal ones', () => {
  const matrix = [[5, 0, 0], [0, 7, 0], [0, 0, 9]];
  const img = decoded(confusionHeatmap(matrix, NAMES));
  const grid = heatmapGrid(NAMES);
  assert.ok(grid.cell >= 20, `cell of ${grid.cell} px`);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const c = img.at(...grid.corner(i, j));
      if (i === j) assert.ok(isDarkBlue(c), `cell (${i}, ${j}) is ${c}`);
      else assert.deepEqual(c, [255, 255, 255], `cell (${i}, ${j})`);
      // The count is printed in the middle of the cell in a colour that stands out from it.
      let contrast = 0;
      for (let dy = -6; dy <= 6; dy++) {
        for (let dx = -8; dx <= 8; dx++) {
          const p = img.at(grid.x0 + j * grid.cell + grid.cell / 2 + dx, grid.y0 + i * grid.cell + grid.cell / 2 + dy);
          if (i === j ? lum(p) > 200 : lum(p) < 200) contrast++;
        }
      }
      assert.ok(contrast >= 5, `cell (${i}, ${j}): ${contrast} contrasting text pixels`);
    }
  }
});

test('heatmap: a larger row share is a darker cell, whatever the raw counts', () => {
  const img = decoded(confusionHeatmap([[900, 100, 0], [3, 7, 0], [0, 0, 9]], NAMES));
  const grid = heatmapGrid(NAMES);
  const shade = (i: number, j: number) => lum(img.at(...grid.corner(i, j)));
  // Shares: (0,0) .9, (1,1) .7, (1,0) .3, (0,1) .1, (0,2) 0
  const order = [shade(0, 0), shade(1, 1), shade(1, 0), shade(0, 1), shade(0, 2)];
  for (let k = 1; k < order.length; k++) assert.ok(order[k] > order[k - 1], `luminance by falling share: ${order}`);
  assert.equal(shade(0, 2), lum([255, 255, 255]));
  // Row normalisation: 9 of 9 in a small row is as dark as it gets.
  assert.ok(shade(2, 2) < shade(0, 0));
  const scaled = decoded(confusionHeatmap([[90, 10, 0], [30, 70, 0], [0, 0, 1]], NAMES));
  assert.deepEqual(scaled.at(...grid.corner(0, 0)), img.at(...grid.corner(0, 0)), 'same share, same colour');
});

test('heatmap: the normalised view keeps the colours and changes only the printed values', () => {
  const matrix = [[8, 2, 0], [1, 9, 0], [0, 5, 5]];
  const counts = decoded(confusionHeatmap(matrix, NAMES));
  const shares = decoded(confusionHeatmap(matrix, NAMES, { normalize: true }));
  const grid = heatmapGrid(NAMES);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.deepEqual(counts.at(...grid.corner(i, j)), shares.at(...grid.corner(i, j)));
  const differing = pixelsWhere(counts, (c, x, y) => !near(c, shares.at(x, y), 0));
  assert.ok(differing.length > 0);
  for (const [x, y] of differing) {
    const inGrid = x > grid.x0 && x < grid.x0 + 3 * grid.cell && y > grid.y0 && y < grid.y0 + 3 * grid.cell;
    assert.ok(inGrid, `pixel (${x}, ${y}) outside the cells differs`);
  }
});

test('heatmap: long class names are truncated so the layout stays the same', () => {
  const long = ['A very long class name indeed, far too long', 'beta', 'gamma'];
  const cut = ['A very lon..', 'beta', 'gamma'];
  const matrix = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const a = decoded(confusionHeatmap(matrix, long)), b = decoded(confusionHeatmap(matrix, cut));
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  assert.equal(pixelsWhere(a, (c, x, y) => !near(c, b.at(x, y), 0)).length, 0);
});

test('heatmap: bad matrices are rejected clearly', () => {
  assert.throws(() => confusionHeatmap([[1, 2], [3, 4]], NAMES), /matrix has 2 rows, expected 3/);
  assert.throws(() => confusionHeatmap([[1, 2, 3], [3, 4], [1, 1, 1]], NAMES), /matrix row 1 has 2 entries, expected 3/);
  assert.throws(() => confusionHeatmap([[1, 2, 3], [3, -4, 1], [1, 1, 1]], NAMES), /matrix\[1\]\[1\] is -4, expected a finite count >= 0/);
  assert.throws(() => confusionHeatmap([], []), /classNames is empty/);
});

function singlePixelImage<T extends Float32Array | Uint8Array>(make: (n: number) => T, on: number, r: number, c: number): T {
  const pixels = make(28 * 28);
  pixels[r * 28 + c] = on;
  return pixels;
}

test('image grid: a single white pixel lands at its scaled position, the rest of the cell stays dark', () => {
  for (const pixels of [singlePixelImage((n) => new Float32Array(n), 1, 5, 9), singlePixelImage((n) => new Uint8Array(n), 255, 5, 9)]) {
    const img = decoded(imageGrid([{ pixels }], { columns: 1, scale: 3 }));
    const dark = bbox(pixelsWhere(img, (c) => c[0] === 0 && c[1] === 0 && c[2] === 0));
    assert.deepEqual([dark.x1 - dark.x0 + 1, dark.y1 - dark.y0 + 1], [84, 84], 'a 28×28 image at scale 3');
    for (let y = dark.y0; y <= dark.y1; y++) {
      for (let x = dark.x0; x <= dark.x1; x++) {
        const inBlock = x - dark.x0 >= 27 && x - dark.x0 < 30 && y - dark.y0 >= 15 && y - dark.y0 < 18;
        assert.deepEqual(img.at(x, y), inBlock ? [255, 255, 255] : [0, 0, 0], `(${x - dark.x0}, ${y - dark.y0}) in the cell`);
      }
    }
  }
});

test('image grid: images fill rows left to right, then the next row', () => {
  const gray = (v: number) => ({ pixels: new Uint8Array(28 * 28).fill(v) });
  const img = decoded(imageGrid([gray(40), gray(80), gray(120)], { columns: 2, title: 'Three' }));
  const boxes = [40, 80, 120].map((v) => bbox(pixelsWhere(img, (c) => c[0] === v && c[1] === v && c[2] === v)));
  for (const b of boxes) assert.deepEqual([b.x1 - b.x0 + 1, b.y1 - b.y0 + 1], [56, 56]);
  assert.equal(boxes[1].y0, boxes[0].y0);
  assert.ok(boxes[1].x0 > boxes[0].x1);
  assert.equal(boxes[2].x0, boxes[0].x0);
  assert.ok(boxes[2].y0 > boxes[0].y1);
});

test('image grid: other image sizes, and captions in their colours under the image', () => {
  const pixels = new Float32Array(10 * 6);
  const img = decoded(imageGrid(
    [{ pixels, caption: 'Shirt -> Coat', captionColor: 'bad' }, { pixels, caption: 'Coat', captionColor: 'ok' }, { pixels, caption: 'x', captionColor: [0, 0, 255] }],
    { columns: 3, imageWidth: 10, imageHeight: 6, scale: 4 },
  ));
  const dark = pixelsWhere(img, (c) => c[0] === 0 && c[1] === 0 && c[2] === 0);
  const first = bbox(dark.filter(([x]) => x < bbox(dark).x0 + 40));
  assert.deepEqual([first.x1 - first.x0 + 1, first.y1 - first.y0 + 1], [40, 24]);
  const red = pixelsWhere(img, (c) => c[0] > 150 && c[1] < 80 && c[2] < 80);
  const green = pixelsWhere(img, (c) => c[1] > 100 && c[0] < 60 && c[2] < 90);
  const blue = pixelsWhere(img, (c) => c[0] === 0 && c[1] === 0 && c[2] === 255);
  for (const [name, ps] of [['red', red], ['green', green], ['blue', blue]] as const) {
    assert.ok(ps.length > 5, `${name} caption drawn`);
    assert.ok(bbox(ps).y0 > first.y1, `${name} caption below the images`);
  }
  assert.ok(bbox(red).x1 < bbox(green).x0 && bbox(green).x1 < bbox(blue).x0, 'captions follow their images');
});

test('image grid: a long "true -> predicted" caption breaks after the arrow onto two lines', () => {
  assert.deepEqual(captionLines('Bag -> Ankle boot', 14), ['Bag ->', 'Ankle boot']);
  assert.deepEqual(captionLines('Shirt -> Coat', 14), ['Shirt -> Coat']);
  assert.deepEqual(captionLines('a rather long caption here', 14), ['a rather long', 'caption here']);
  const pixels = new Uint8Array(784);
  const one = decoded(imageGrid([{ pixels, caption: 'Coat', captionColor: 'bad' }], { columns: 1 }));
  const two = decoded(imageGrid([{ pixels, caption: 'T-shirt/top -> Ankle boot', captionColor: 'bad' }], { columns: 1 }));
  const redRows = (img: Image) => { const b = bbox(pixelsWhere(img, (c) => c[0] > 150 && c[1] < 80 && c[2] < 80)); return b.y1 - b.y0 + 1; };
  assert.ok(redRows(one) <= 9 && redRows(two) > 12, `caption heights ${redRows(one)} and ${redRows(two)} px`);
  assert.ok(two.height > one.height);
});

test('image grid: row labels are drawn left of the rows', () => {
  const pixels = new Uint8Array(784);
  const plain = decoded(imageGrid([{ pixels }, { pixels }], { columns: 1 }));
  const labelled = decoded(imageGrid([{ pixels }, { pixels }], { columns: 1, rowLabels: ['Bag', 'Coat'] }));
  assert.ok(labelled.width > plain.width);
  const firstImage = bbox(pixelsWhere(labelled, (c) => c[0] === 0 && c[1] === 0 && c[2] === 0));
  const ink = pixelsWhere(labelled, (c, x) => x < firstImage.x0 - 2 && lum(c) < 100);
  assert.ok(ink.length > 20);
  assert.throws(() => imageGrid([{ pixels }], { columns: 1, rowLabels: ['a', 'b'] }), /2 row labels for 1 rows/);
});

test('image grid: bad input is rejected clearly', () => {
  assert.throws(() => imageGrid([], { columns: 2 }), /imageGrid: no images given/);
  assert.throws(() => imageGrid([{ pixels: new Float32Array(100) }], { columns: 2 }), /images\[0\]\.pixels has 100 values, expected 28×28 = 784/);
  assert.throws(() => imageGrid([{ pixels: new Uint8Array(784) }], { columns: 0 }), /columns must be a positive integer, got 0/);
  assert.throws(() => imageGrid([{ pixels: [1, 2] as unknown as Uint8Array }], { columns: 1 }), /images\[0\]\.pixels must be a Float32Array/);
  assert.throws(() => imageGrid([{ pixels: new Uint8Array(784), captionColor: 'blue' as 'ok' }], { columns: 1 }), /images\[0\]\.captionColor is "blue"/);
});

/** Runs of consecutive rows holding the colour, each with the horizontal extent of its pixels. */
function colourBars(img: Image, color: [number, number, number]) {
  const bars: { y0: number; y1: number; x0: number; x1: number }[] = [];
  for (let y = 0; y < img.height; y++) {
    const xs: number[] = [];
    for (let x = 0; x < img.width; x++) if (near(img.at(x, y), color, 0)) xs.push(x);
    if (!xs.length) continue;
    const last = bars.at(-1);
    if (last && last.y1 === y - 1) {
      last.y1 = y;
      last.x0 = Math.min(last.x0, xs[0]);
      last.x1 = Math.max(last.x1, xs.at(-1)!);
    } else bars.push({ y0: y, y1: y, x0: xs[0], x1: xs.at(-1)! });
  }
  return bars;
}

test('bar chart: bar lengths are proportional to the values', () => {
  const img = decoded(barChart(['small', 'full'], [{ name: 'recall', values: [0.25, 1] }], { min: 0, max: 1 }));
  const bars = colourBars(img, TRAIN);
  assert.equal(bars.length, 3, 'the legend swatch and two bars');
  const [small, full] = bars.slice(1).map((b) => b.x1 - b.x0 + 1);
  assert.ok(Math.abs(small / full - 0.25) < 0.01, `${small} px vs ${full} px`);
  assert.equal(bars[1].x0, bars[2].x0, 'bars start on the same baseline');
});

test('bar chart: negative values extend left of zero; every series has its colour', () => {
  const img = decoded(barChart(['neg', 'pos'], [
    { name: 'a', values: [-0.5, 1] }, { name: 'b', values: [0.2, 0.3] }, { name: 'c', values: [0.4, 0.5] },
  ], { min: -1, max: 1 }));
  const a = colourBars(img, TRAIN).slice(1);
  assert.ok(Math.abs(a[0].x1 - a[1].x0) <= 1, 'the negative bar ends at the baseline where the positive one starts');
  const ratio = (a[0].x1 - a[0].x0) / (a[1].x1 - a[1].x0);
  assert.ok(Math.abs(ratio - 0.5) < 0.02, `ratio ${ratio}`);
  assert.equal(colourBars(img, VAL).length, 3);
  assert.equal(colourBars(img, [44, 160, 44]).length, 3);
});

test('bar chart: bad input is rejected clearly', () => {
  assert.throws(() => barChart([], [{ name: 'x', values: [] }]), /categories is empty/);
  assert.throws(() => barChart(['a', 'b'], [{ name: 'f1', values: [1] }]), /series 'f1' has 1 values, expected 2/);
  assert.throws(() => barChart(['a'], [{ name: 'f1', values: [NaN] }]), /series 'f1' value 0 \(a\) is NaN/);
  assert.throws(() => barChart(['a'], [{ name: 'f1', values: [0] }], { min: 0, max: 0 }), /value range \[0, 0\] is empty/);
});
