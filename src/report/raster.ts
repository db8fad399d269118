/**
 * A small RGBA canvas: rectangles, anti-aliased thick lines, bitmap text, grayscale image blits,
 * PNG encoding and atomic PNG files. Everything the report charts need, nothing more.
 *
 * Coordinates are pixels, x to the right and y down; pixel (x, y) covers [x, x+1) × [y, y+1).
 * Drawing outside the canvas is clipped silently, so callers can lay out without bounds checks.
 */
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../store/files.ts';
import { ADVANCE, CAP_HEIGHT, GLYPH_HEIGHT, GLYPH_WIDTH, glyphBitmap, textHeight, textWidth } from './font.ts';

/** [r, g, b] or [r, g, b, a], each 0..255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

export const WHITE: Color = [255, 255, 255];
export const BLACK: Color = [0, 0, 0];

/** Largest side accepted, so a typo in a layout cannot allocate gigabytes. */
export const MAX_SIDE = 16384;

export interface Box { x: number; y: number; width: number; height: number }

export interface LineOptions {
  /** Stroke width in pixels (default 1). */
  thickness?: number;
  /** Smooth edges (default true); false gives hard-edged pixels only. */
  antialias?: boolean;
}

export interface TextOptions {
  /** Integer magnification of the 5×9 font (default 1). */
  scale?: number;
  /** Where `x` sits on the text: its left edge (default), centre or right edge. */
  align?: 'left' | 'center' | 'right';
  /** Where `y` sits: the top of the cell (default), the middle of the capitals, or the bottom of the cell. */
  valign?: 'top' | 'middle' | 'bottom';
  /** `right`: normal text; `up`: rotated 90° counter-clockwise, read bottom to top (align/valign refer to the rotated box). */
  direction?: 'right' | 'up';
}

export interface BlitOptions {
  /** Integer magnification (default 1): each source pixel becomes a scale × scale block. */
  scale?: number;
  /** Draw dark ink on light background instead of light on dark. */
  invert?: boolean;
}

/** Grayscale pixels: floats are 0..1, bytes are 0..255. */
export type GrayPixels = Float32Array | Float64Array | Uint8Array | Uint8ClampedArray;

function checkSide(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    throw new Error(`Raster: ${name} must be an integer in 1..${MAX_SIDE}, got ${value}`);
  }
}

function checkScale(where: string, scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`${where}: scale must be a positive integer, got ${scale}`);
}

/** Distance from (px, py) to the segment (x0, y0)–(x1, y1). */
function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0, dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2));
  const ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

export class Raster {
  readonly width: number;
  readonly height: number;
  /** Row-major RGBA, 4 bytes per pixel. */
  readonly data: Uint8ClampedArray;

  constructor(width: number, height: number, background: Color = WHITE) {
    checkSide('width', width);
    checkSide('height', height);
    this.width = width;
    this.height = height;
    this.data = new Uint8ClampedArray(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** The [r, g, b, a] of pixel (x, y); throws outside the canvas. */
  getPixel(x: number, y: number): [number, number, number, number] {
    if (!this.contains(x, y)) throw new Error(`Raster.getPixel: (${x}, ${y}) is outside ${this.width}×${this.height}`);
    const i = (y * this.width + x) * 4;
    return [this.data[i], this.data[i + 1], this.data[i + 2], this.data[i + 3]];
  }

  contains(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /** Replaces pixel (x, y) with `color` (alpha included, no blending). */
  setPixel(x: number, y: number, color: Color): void {
    if (!this.contains(x, y)) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
    this.data[i + 3] = color[3] ?? 255;
  }

  /** Paints `color` over pixel (x, y) with opacity `coverage` × the colour's own alpha. */
  blendPixel(x: number, y: number, color: Color, coverage = 1): void {
    if (!this.contains(x, y)) return;
    const a = Math.min(1, Math.max(0, coverage)) * ((color[3] ?? 255) / 255);
    if (a <= 0) return;
    const i = (y * this.width + x) * 4, d = this.data;
    d[i] = color[0] * a + d[i] * (1 - a);
    d[i + 1] = color[1] * a + d[i + 1] * (1 - a);
    d[i + 2] = color[2] * a + d[i + 2] * (1 - a);
    d[i + 3] = 255 * a + d[i + 3] * (1 - a);
  }

  /** Sets every pixel of the rectangle (rounded to whole pixels, clipped) to `color`. */
  fillRect(x: number, y: number, width: number, height: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x)), y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + width)), y1 = Math.min(this.height, Math.round(y + height));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.setPixel(px, py, color);
    }
  }

  /** Outlines the rectangle with a border of `thickness` pixels drawn inside it. */
  strokeRect(x: number, y: number, width: number, height: number, color: Color, thickness = 1): void {
    const t = Math.min(thickness, width / 2, height / 2);
    this.fillRect(x, y, width, t, color);
    this.fillRect(x, y + height - t, width, t, color);
    this.fillRect(x, y + t, t, height - 2 * t, color);
    this.fillRect(x + width - t, y + t, t, height - 2 * t, color);
  }

  /** A straight line between pixel centres (x0, y0) and (x1, y1), with round caps. */
  drawLine(x0: number, y0: number, x1: number, y1: number, color: Color, options: LineOptions = {}): void {
    this.drawPolyline([[x0, y0], [x1, y1]], color, options);
  }

  /**
   * Connected segments through `points` (pixel-centre coordinates). Each pixel takes the largest
   * coverage of any segment, so joints are not painted twice and stay the same shade.
   */
  drawPolyline(points: readonly (readonly [number, number])[], color: Color, options: LineOptions = {}): void {
    const thickness = options.thickness ?? 1;
    if (!(thickness > 0) || !Number.isFinite(thickness)) throw new Error(`Raster.drawPolyline: thickness must be a positive number, got ${thickness}`);
    for (const [i, p] of points.entries()) {
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw new Error(`Raster.drawPolyline: point ${i} is (${p[0]}, ${p[1]}), expected finite coordinates`);
    }
    const coverage = new Map<number, number>();
    const segments = points.length === 1 ? [[points[0], points[0]]] : points.slice(1).map((p, i) => [points[i], p]);
    for (const [a, b] of segments) this.coverSegment(a[0], a[1], b[0], b[1], thickness / 2, coverage);
    const antialias = options.antialias ?? true;
    for (const [index, c] of coverage) {
      const x = index % this.width, y = (index - x) / this.width;
      if (antialias) this.blendPixel(x, y, color, c);
      else if (c >= 0.5) this.blendPixel(x, y, color, 1);
    }
  }

  /**
   * Records, for every pixel within reach of the segment (a capsule of radius `radius`), the
   * fraction of it the stroke covers, approximated by a one-pixel ramp across the edge. The set
   * of covered pixels in a row is an interval around the row's point nearest the segment (the
   * distance is convex along a row), so each row is walked outwards from there and stops at the
   * first uncovered pixel: the cost is the number of pixels painted, not the bounding box.
   */
  private coverSegment(x0: number, y0: number, x1: number, y1: number, radius: number, out: Map<number, number>): void {
    const yStart = Math.max(0, Math.floor(Math.min(y0, y1) - radius - 1));
    const yEnd = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + radius + 1));
    const coverAt = (px: number, py: number) =>
      Math.min(1, Math.max(0, radius + 0.5 - distanceToSegment(px, py, x0, y0, x1, y1)));
    for (let py = yStart; py <= yEnd; py++) {
      const ny = Math.min(Math.max(py, Math.min(y0, y1)), Math.max(y0, y1));
      const nx = y1 === y0 ? x0 : x0 + ((ny - y0) / (y1 - y0)) * (x1 - x0);
      const start = Math.round(nx);
      for (const step of [-1, 1]) {
        for (let px = step < 0 ? start : start + 1; px >= 0 && px < this.width; px += step) {
          const c = coverAt(px, py);
          if (c <= 0) break;
          const index = py * this.width + px;
          out.set(index, Math.max(out.get(index) ?? 0, c));
        }
      }
    }
  }

  /** A filled disc centred on pixel centre (cx, cy). */
  fillCircle(cx: number, cy: number, radius: number, color: Color): void {
    this.drawPolyline([[cx, cy]], color, { thickness: radius * 2 });
  }

  /**
   * Draws `text` with the built-in bitmap font and returns the box it occupies (the whole
   * character cells, descender rows included). Characters outside printable ASCII draw as '?'.
   */
  drawText(text: string, x: number, y: number, color: Color, options: TextOptions = {}): Box {
    const scale = options.scale ?? 1;
    checkScale('Raster.drawText', scale);
    const up = options.direction === 'up';
    const along = textWidth(text, scale), across = textHeight(scale);
    const box = this.placeTextBox(x, y, up ? across : along, up ? along : across, options, up);
    [...text].forEach((ch, k) => {
      const bits = glyphBitmap(ch);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (!bits[gy * GLYPH_WIDTH + gx]) continue;
          const u = (k * ADVANCE + gx) * scale, v = gy * scale; // position in unrotated text
          // Rotating counter-clockwise sends the start of the text to the bottom of the box.
          const px = up ? box.x + v : box.x + u;
          const py = up ? box.y + box.height - scale - u : box.y + v;
          this.fillRect(px, py, scale, scale, color);
        }
      }
    });
    return box;
  }

  private placeTextBox(x: number, y: number, width: number, height: number, o: TextOptions, up: boolean): Box {
    const left = o.align === 'center' ? x - width / 2 : o.align === 'right' ? x - width : x;
    // 'middle' centres the capitals (not the descenders) so labels look centred on a tick.
    const capMiddle = up ? height / 2 : (CAP_HEIGHT * (height / GLYPH_HEIGHT)) / 2;
    const top = o.valign === 'middle' ? y - capMiddle : o.valign === 'bottom' ? y - height : y;
    return { x: Math.round(left), y: Math.round(top), width, height };
  }

  /**
   * Copies a grayscale image with its top-left corner at (x, y), each source pixel magnified to
   * a scale × scale block. Float pixels are read as 0..1 and byte pixels as 0..255; floats
   * outside 0..1 are clamped.
   */
  blitGray(pixels: GrayPixels, srcWidth: number, srcHeight: number, x: number, y: number, options: BlitOptions = {}): void {
    const scale = options.scale ?? 1;
    checkScale('Raster.blitGray', scale);
    if (pixels.length !== srcWidth * srcHeight) {
      throw new Error(`Raster.blitGray: got ${pixels.length} pixels, expected ${srcWidth}×${srcHeight} = ${srcWidth * srcHeight}`);
    }
    const isFloat = pixels instanceof Float32Array || pixels instanceof Float64Array;
    for (let sy = 0; sy < srcHeight; sy++) {
      for (let sx = 0; sx < srcWidth; sx++) {
        const raw = pixels[sy * srcWidth + sx];
        if (Number.isNaN(raw)) throw new Error(`Raster.blitGray: pixel (${sx}, ${sy}) is NaN`);
        const level = isFloat ? Math.round(Math.min(1, Math.max(0, raw)) * 255) : raw;
        const g = options.invert ? 255 - level : level;
        this.fillRect(x + sx * scale, y + sy * scale, scale, scale, [g, g, g]);
      }
    }
  }

  /** Encodes the canvas as an RGBA PNG. */
  toPNG(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png, { colorType: 6 });
  }

  /**
   * Writes the PNG to `path` atomically: the bytes go to a temporary file in the same directory,
   * are flushed, and only then renamed over `path`, so readers never see a partial image.
   */
  writePNG(path: string): void {
    writeFileAtomic(path, this.toPNG(), 'Raster.writePNG');
  }
}
