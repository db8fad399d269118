/**
 * Any PNG or JPEG photo → a 28×28 gray image in Fashion-MNIST's convention (light garment on a
 * dark background), for `fmnist predict`.
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError } from './idx.ts';

export type Polarity = 'auto' | 'invert' | 'keep';

export interface GrayImage { width: number; height: number; pixels: Float32Array }

export function decodeImage(path: string): GrayImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new DataError(`${path}: cannot read image (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let rgba: { width: number; height: number; data: Uint8Array };
  const isPng = buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const isJpeg = buf[0] === 0xff && buf[1] === 0xd8;
  try {
    if (isPng) rgba = PNG.sync.read(buf);
    else if (isJpeg) rgba = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
    else throw new Error('not a PNG or JPEG file (unrecognised signature)');
  } catch (err) {
    throw new DataError(`${path}: cannot decode image: ${(err as Error).message}`);
  }
  const { width, height, data } = rgba;
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = data[4 * i + 3] / 255;
    // Transparent pixels count as white paper.
    const lum = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
    pixels[i] = lum * a + (1 - a);
  }
  return { width, height, pixels };
}

/** Area-averaging resize (each output pixel is the mean of the input pixels it covers). */
export function resizeArea(img: GrayImage, w: number, h: number): GrayImage {
  const out = new Float32Array(w * h);
  const sx = img.width / w;
  const sy = img.height / h;
  for (let oy = 0; oy < h; oy++) {
    const y0 = oy * sy, y1 = (oy + 1) * sy;
    for (let ox = 0; ox < w; ox++) {
      const x0 = ox * sx, x1 = (ox + 1) * sx;
      let sum = 0, area = 0;
      for (let y = Math.floor(y0); y < Math.min(img.height, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(img.width, Math.ceil(x1)); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += img.pixels[y * img.width + x] * wx * wy;
          area += wx * wy;
        }
      }
      out[oy * w + ox] = area ? sum / area : 0;
    }
  }
  return { width: w, height: h, pixels: out };
}

/** Mean of the outermost ring of pixels: the background's brightness. */
function borderMean(img: GrayImage): number {
  let sum = 0, n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (y === 0 || x === 0 || y === img.height - 1 || x === img.width - 1) { sum += img.pixels[y * img.width + x]; n++; }
    }
  }
  return n ? sum / n : 0;
}

/** 28×28 values in 0..1, light object on dark ground; `auto` inverts when the border is light. */
export function toFashionInput(img: GrayImage, polarity: Polarity = 'auto', size = 28): Float32Array {
  const small = resizeArea(img, size, size);
  const invert = polarity === 'invert' || (polarity === 'auto' && borderMean(small) > 0.5);
  return invert ? small.pixels.map((v) => 1 - v) : small.pixels;
}
