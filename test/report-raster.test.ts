import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Raster, type Color } from '../src/report/raster.ts';

const WHITE_PX = [255, 255, 255, 255];

function decode(buf: Buffer) {
  return PNG.sync.read(buf);
}

function isWhite(r: Raster, x: number, y: number): boolean {
  return r.getPixel(x, y).every((v, k) => v === WHITE_PX[k]);
}

/** Naive distance from a point to a segment, written independently of the raster code. */
function segDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  let best = Infinity;
  // Sample the segment densely: slow, obviously right, precise to ~1e-3 px for these short lines.
  for (let k = 0; k <= 4000; k++) {
    const t = k / 4000, x = ax + t * (bx - ax), y = ay + t * (by - ay);
    best = Math.min(best, Math.hypot(px - x, py - y));
  }
  return best;
}

test('a new raster is filled with its background and has the right size', () => {
  const r = new Raster(7, 3, [10, 20, 30]);
  assert.equal(r.data.length, 7 * 3 * 4);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 7; x++) assert.deepEqual(r.getPixel(x, y), [10, 20, 30, 255]);
});

test('bad sizes and coordinates are rejected with a clear message', () => {
  assert.throws(() => new Raster(0, 10), /width must be an integer in 1\.\.16384, got 0/);
  assert.throws(() => new Raster(10, 2.5), /height must be an integer/);
  assert.throws(() => new Raster(5, 5).getPixel(5, 0), /\(5, 0\) is outside 5×5/);
  assert.throws(() => new Raster(5, 5).drawText('a', 0, 0, [0, 0, 0], { scale: 1.5 }), /scale must be a positive integer, got 1.5/);
});

test('fillRect paints exactly its rectangle and clips at the edges', () => {
  const r = new Raster(10, 8);
  r.fillRect(2, 3, 4, 2, [255, 0, 0]);
  r.fillRect(8, 6, 10, 10, [0, 0, 255]); // runs off the canvas
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 10; x++) {
      const inRed = x >= 2 && x < 6 && y >= 3 && y < 5;
      const inBlue = x >= 8 && y >= 6;
      const expected = inRed ? [255, 0, 0, 255] : inBlue ? [0, 0, 255, 255] : WHITE_PX;
      assert.deepEqual(r.getPixel(x, y), expected, `pixel (${x}, ${y})`);
    }
  }
});

test('setPixel outside the canvas is ignored and blendPixel mixes by coverage', () => {
  const r = new Raster(3, 3);
  r.setPixel(-1, 0, [0, 0, 0]);
  r.setPixel(3, 3, [0, 0, 0]);
  assert.ok(r.data.every((v) => v === 255));
  r.blendPixel(1, 1, [0, 0, 0], 0.25);
  assert.deepEqual(r.getPixel(1, 1).slice(0, 3), [191, 191, 191]); // 255 * 0.75 = 191.25
  r.blendPixel(0, 0, [0, 0, 0, 128], 1); // the colour's own alpha counts too
  assert.deepEqual(r.getPixel(0, 0).slice(0, 3), [127, 127, 127]);
});

test('hard-edged thick lines cover the pixels within half the thickness and nothing else', () => {
  const r = new Raster(60, 40);
  const [ax, ay, bx, by, thickness] = [5, 7, 50, 31, 4];
  r.drawLine(ax, ay, bx, by, [0, 0, 0], { thickness, antialias: false });
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 60; x++) {
      const d = segDistance(x, y, ax, ay, bx, by);
      if (d <= thickness / 2 - 0.01) assert.deepEqual(r.getPixel(x, y).slice(0, 3), [0, 0, 0], `(${x}, ${y}) at ${d} should be ink`);
      if (d >= thickness / 2 + 0.01) assert.ok(isWhite(r, x, y), `(${x}, ${y}) at ${d} should be blank`);
    }
  }
});

test('anti-aliased lines are solid in the core, blank beyond the edge, graded in between', () => {
  const r = new Raster(50, 50);
  const [ax, ay, bx, by, thickness] = [4, 40, 45, 9, 3];
  r.drawLine(ax, ay, bx, by, [0, 0, 0], { thickness });
  let partial = 0;
  for (let y = 0; y < 50; y++) {
    for (let x = 0; x < 50; x++) {
      const d = segDistance(x, y, ax, ay, bx, by), v = r.getPixel(x, y)[0];
      if (d <= thickness / 2 - 0.51) assert.equal(v, 0, `(${x}, ${y}) at ${d}`);
      else if (d >= thickness / 2 + 0.51) assert.equal(v, 255, `(${x}, ${y}) at ${d}`);
      else if (v > 0 && v < 255) partial++;
    }
  }
  assert.ok(partial > 20, `expected a graded edge, found ${partial} partial pixels`);
});

test('a translucent polyline is painted once where its segments meet', () => {
  const r = new Raster(40, 40);
  r.drawPolyline([[5, 5], [20, 30], [35, 5]], [0, 0, 0, 128], { thickness: 3, antialias: false });
  const shades = new Set<number>();
  for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) if (!isWhite(r, x, y)) shades.add(r.getPixel(x, y)[0]);
  assert.deepEqual([...shades], [127]);
  assert.equal(r.getPixel(20, 30)[0], 127); // the joint itself
});

test('a polyline rejects non-finite points', () => {
  assert.throws(() => new Raster(5, 5).drawPolyline([[0, 0], [NaN, 1]], [0, 0, 0]), /point 1 is \(NaN, 1\)/);
});

test('text draws inside its box and nowhere else', () => {
  const r = new Raster(240, 60);
  const box = r.drawText('Hello, world! gjpqy', 12, 20, [0, 0, 0], { scale: 2 });
  assert.deepEqual(box, { x: 12, y: 20, width: (19 * 6 - 1) * 2, height: 18 });
  let inside = 0;
  for (let y = 0; y < 60; y++) {
    for (let x = 0; x < 240; x++) {
      if (isWhite(r, x, y)) continue;
      assert.ok(x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height, `ink at (${x}, ${y}) outside the box`);
      inside++;
    }
  }
  assert.ok(inside > 300, `only ${inside} ink pixels`);
  // The descenders of g, j, p, q, y reach the last rows of the box.
  const lastRow = box.y + box.height - 1;
  assert.ok([...Array(box.width).keys()].some((dx) => !isWhite(r, box.x + dx, lastRow)));
});

test('a glyph is drawn pixel for pixel, magnified by the scale', () => {
  const I = ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.', '.....', '.....'];
  const r = new Raster(20, 30);
  r.drawText('I', 3, 2, [0, 0, 0], { scale: 3 });
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 20; x++) {
      const gx = Math.floor((x - 3) / 3), gy = Math.floor((y - 2) / 3);
      const ink = gx >= 0 && gx < 5 && gy >= 0 && gy < 9 && I[gy][gx] === '#';
      assert.equal(!isWhite(r, x, y), ink, `(${x}, ${y})`);
    }
  }
});

test('alignment places the text box relative to the anchor', () => {
  const r = new Raster(100, 40);
  const w = (3 * 6 - 1) * 2;
  assert.deepEqual(r.drawText('abc', 50, 10, [0, 0, 0], { scale: 2, align: 'center' }), { x: 50 - w / 2, y: 10, width: w, height: 18 });
  assert.deepEqual(r.drawText('abc', 90, 30, [0, 0, 0], { scale: 2, align: 'right', valign: 'bottom' }), { x: 90 - w, y: 12, width: w, height: 18 });
  // 'middle' centres the capitals (7 of the 9 rows): top = y - 7.
  assert.deepEqual(r.drawText('abc', 0, 20, [0, 0, 0], { scale: 2, valign: 'middle' }).y, 13);
});

test('rotated text reads bottom to top', () => {
  const r = new Raster(30, 30);
  const box = r.drawText('L', 10, 5, [0, 0, 0], { direction: 'up' });
  assert.deepEqual(box, { x: 10, y: 5, width: 9, height: 5 });
  // 'L' turned a quarter anticlockwise: its upright becomes the bottom row (7 px long),
  // its foot a column rising from the right end of that row.
  const ink = new Set<string>();
  for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) if (!isWhite(r, x, y)) ink.add(`${x},${y}`);
  const expected = new Set<string>();
  for (let k = 0; k < 7; k++) expected.add(`${10 + k},9`);
  for (let k = 0; k < 5; k++) expected.add(`16,${9 - k}`);
  assert.deepEqual([...ink].sort(), [...expected].sort());
});

test('characters outside printable ASCII draw as a question mark', () => {
  const a = new Raster(10, 10), b = new Raster(10, 10);
  a.drawText('é', 0, 0, [0, 0, 0]);
  b.drawText('?', 0, 0, [0, 0, 0]);
  assert.deepEqual(a.data, b.data);
});

test('blitGray magnifies float and byte images alike', () => {
  const floats = new Float32Array([0, 0.5, 1, 2, -1, 0.25]); // 3×2, out-of-range floats clamp
  const bytes = new Uint8Array([0, 128, 255, 255, 0, 64]);
  for (const pixels of [floats, bytes]) {
    const r = new Raster(12, 10);
    r.blitGray(pixels, 3, 2, 1, 2, { scale: 3 });
    for (let sy = 0; sy < 2; sy++) {
      for (let sx = 0; sx < 3; sx++) {
        const expected = [0, 128, 255, 255, 0, 64][sy * 3 + sx];
        for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) {
          assert.equal(r.getPixel(1 + sx * 3 + dx, 2 + sy * 3 + dy)[0], expected);
        }
      }
    }
    assert.ok(isWhite(r, 0, 2) && isWhite(r, 10, 2) && isWhite(r, 1, 1) && isWhite(r, 1, 8));
  }
  const inverted = new Raster(3, 2);
  inverted.blitGray(bytes, 3, 2, 0, 0, { invert: true });
  assert.equal(inverted.getPixel(0, 0)[0], 255);
  assert.throws(() => new Raster(5, 5).blitGray(new Uint8Array(5), 3, 2, 0, 0), /got 5 pixels, expected 3×2 = 6/);
  assert.throws(() => new Raster(5, 5).blitGray(new Float32Array([0, NaN]), 2, 1, 0, 0), /pixel \(1, 0\) is NaN/);
});

test('toPNG round-trips through a PNG decoder', () => {
  const r = new Raster(13, 9);
  r.fillRect(2, 2, 5, 3, [200, 10, 30]);
  r.drawLine(0, 8, 12, 0, [0, 90, 0, 200], { thickness: 2 });
  const png = decode(r.toPNG());
  assert.equal(png.width, 13);
  assert.equal(png.height, 9);
  assert.deepEqual(new Uint8Array(png.data), new Uint8Array(r.data));
});

test('writePNG writes the file and leaves no temporary file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-raster-'));
  const path = join(dir, 'a.png');
  const first = new Raster(4, 4, [1, 2, 3]);
  first.writePNG(path);
  assert.deepEqual(new Uint8Array(decode(readFileSync(path)).data), new Uint8Array(first.data));
  const second = new Raster(6, 2, [9, 9, 9]);
  second.writePNG(path); // replaces the old image whole
  const png = decode(readFileSync(path));
  assert.deepEqual([png.width, png.height], [6, 2]);
  assert.deepEqual(readdirSync(dir), ['a.png']);
});

test('writePNG into a missing directory fails clearly and creates nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-raster-'));
  const missing = join(dir, 'no', 'such');
  assert.throws(() => new Raster(2, 2).writePNG(join(missing, 'x.png')), (err: Error) => {
    assert.match(err.message, /Raster\.writePNG: cannot write .*x\.png: directory .*no\/such does not exist/);
    return true;
  });
  assert.equal(existsSync(join(dir, 'no')), false);
  assert.deepEqual(readdirSync(dir), []);
});

test('writePNG that fails at the rename removes its temporary file and keeps the target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-raster-'));
  const target = join(dir, 'taken.png');
  mkdirSync(target); // a directory where the file should go: the rename must fail
  writeFileSync(join(target, 'keep'), 'x');
  assert.throws(() => new Raster(2, 2).writePNG(target), /Raster\.writePNG: cannot write .*taken\.png/);
  assert.deepEqual(readdirSync(dir), ['taken.png']);
  assert.deepEqual(readdirSync(target), ['keep']);
});

test('colours given as [r, g, b] are opaque', () => {
  const r = new Raster(2, 1, [0, 0, 0, 0]);
  const c: Color = [5, 6, 7];
  r.setPixel(1, 0, c);
  assert.deepEqual(r.getPixel(0, 0), [0, 0, 0, 0]);
  assert.deepEqual(r.getPixel(1, 0), [5, 6, 7, 255]);
});
