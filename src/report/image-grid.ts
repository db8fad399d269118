/**
 * Image grids: samples per class, per-class mean images, misclassified examples ("T-shirt ->
 * Shirt" in red), each image magnified by an integer factor with an optional caption under it.
 */
import { BAD_RED, GRID, INK, OK_GREEN } from './colors.ts';
import { charsThatFit, textHeight, textWidth, truncateText, wrapText } from './font.ts';
import { drawTitle, GAP, LABEL_SCALE, MARGIN, titleHeight, titleWidth } from './plot.ts';
import { type Color, type GrayPixels, Raster } from './raster.ts';

export interface GridImage {
  /** imageWidth × imageHeight gray levels, row-major: floats 0..1 or bytes 0..255. */
  pixels: GrayPixels;
  caption?: string;
  /** 'ok' (green), 'bad' (red) or an [r, g, b]; default near-black. */
  captionColor?: 'ok' | 'bad' | readonly [number, number, number];
}

export interface ImageGridOptions {
  /** Images per row. */
  columns: number;
  /** Integer magnification of each image (default 2). */
  scale?: number;
  title?: string;
  /** Source image size (default 28 × 28, Fashion-MNIST). */
  imageWidth?: number;
  imageHeight?: number;
  /** A label at the start of each row, e.g. the class of a per-class sample row. */
  rowLabels?: readonly string[];
  /** Dark ink on white instead of the data's light-on-dark. */
  invert?: boolean;
  /** Caption font scale (default 1, or 2 for images magnified 3× or more). */
  captionScale?: number;
}

/**
 * Captions wrap onto at most two lines of this many characters, so a long caption cannot widen
 * every column; 14 fits "T-shirt/top ->" over "Ankle boot".
 */
export const CAPTION_LINE_CHARS = 14;
export const CAPTION_LINES = 2;
/** Row labels longer than this are cut. */
export const MAX_ROW_LABEL = 16;
const LINE_GAP = 2;
const CELL_GAP = 12;
const FRAME: Color = GRID;

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`imageGrid: ${name} must be a positive integer, got ${value}`);
  return value;
}

function captionColor(spec: GridImage['captionColor'], index: number): Color {
  if (spec === undefined) return INK;
  if (spec === 'ok') return OK_GREEN;
  if (spec === 'bad') return BAD_RED;
  if (Array.isArray(spec) && spec.length === 3 && spec.every((c) => Number.isFinite(c) && c >= 0 && c <= 255)) return spec;
  throw new Error(`imageGrid: images[${index}].captionColor is ${JSON.stringify(spec)}, expected 'ok', 'bad' or [r, g, b] in 0..255`);
}

/**
 * A caption as lines of at most `maxChars`: one line when it fits, else broken after a ' -> '
 * arrow so "true -> predicted" keeps each class whole, else wrapped at spaces.
 */
export function captionLines(caption: string, maxChars: number): string[] {
  if ([...caption].length <= maxChars) return caption ? [caption] : [];
  const arrow = caption.indexOf(' -> ');
  if (arrow > 0) {
    return [caption.slice(0, arrow + 3), caption.slice(arrow + 4)].map((part) => truncateText(part, maxChars));
  }
  return wrapText(caption, maxChars, CAPTION_LINES);
}

function checkImages(images: readonly GridImage[], width: number, height: number): void {
  if (!Array.isArray(images) || images.length === 0) throw new Error('imageGrid: no images given');
  images.forEach((img, i) => {
    const p = img?.pixels;
    const typed = p instanceof Float32Array || p instanceof Float64Array || p instanceof Uint8Array || p instanceof Uint8ClampedArray;
    if (!typed) throw new Error(`imageGrid: images[${i}].pixels must be a Float32Array, Float64Array or Uint8Array`);
    if (p.length !== width * height) {
      throw new Error(`imageGrid: images[${i}].pixels has ${p.length} values, expected ${width}×${height} = ${width * height}`);
    }
  });
}

/** Lays the images out `columns` to a row, in order, and draws captions and row labels. */
export function imageGrid(images: readonly GridImage[], options: ImageGridOptions): Raster {
  const srcW = positiveInt('imageWidth', options.imageWidth ?? 28);
  const srcH = positiveInt('imageHeight', options.imageHeight ?? 28);
  const scale = positiveInt('scale', options.scale ?? 2);
  positiveInt('columns', options.columns);
  checkImages(images, srcW, srcH);
  const captionScale = positiveInt('captionScale', options.captionScale ?? (scale >= 3 ? 2 : 1));
  const colors = images.map((img, i) => captionColor(img.captionColor, i));

  const columns = Math.min(options.columns, images.length);
  const rows = Math.ceil(images.length / columns);
  const rowLabels = (options.rowLabels ?? []).map((l) => truncateText(l, MAX_ROW_LABEL));
  if (rowLabels.length > rows) throw new Error(`imageGrid: ${rowLabels.length} row labels for ${rows} rows`);

  const imgW = srcW * scale, imgH = srcH * scale;
  const longestCaption = Math.max(0, ...images.map((img) => [...(img.caption ?? '')].length));
  const colWidth = Math.max(imgW, textWidth('x'.repeat(Math.min(longestCaption, CAPTION_LINE_CHARS)), captionScale));
  const captions = images.map((img) => captionLines(img.caption ?? '', charsThatFit(colWidth, captionScale)));
  const lineHeight = textHeight(captionScale) + LINE_GAP;
  const linesPerCaption = Math.max(...captions.map((lines) => lines.length));
  const captionRow = linesPerCaption ? GAP / 2 + linesPerCaption * lineHeight : 0;
  const rowHeight = imgH + captionRow;
  const labelScale = imgH >= textHeight(LABEL_SCALE) ? LABEL_SCALE : 1;
  const labelWidth = rowLabels.length ? Math.max(...rowLabels.map((l) => textWidth(l, labelScale))) + 2 * GAP : 0;

  // Row labels then images, as one block, centred when the title is wider.
  const gridWidth = columns * colWidth + (columns - 1) * CELL_GAP;
  const width = Math.max(labelWidth + gridWidth + 2 * MARGIN, titleWidth(options.title));
  const blockLeft = Math.floor((width - labelWidth - gridWidth) / 2);
  const gridLeft = blockLeft + labelWidth, gridTop = MARGIN + titleHeight(options.title);
  const height = gridTop + rows * rowHeight + (rows - 1) * CELL_GAP + MARGIN;
  const r = new Raster(width, height);
  drawTitle(r, options.title, width / 2, MARGIN);

  rowLabels.forEach((label, row) => {
    r.drawText(label, blockLeft, gridTop + row * (rowHeight + CELL_GAP) + imgH / 2, INK, { scale: labelScale, valign: 'middle' });
  });
  images.forEach((img, k) => {
    const col = k % columns, row = Math.floor(k / columns);
    const cellX = gridLeft + col * (colWidth + CELL_GAP), cellY = gridTop + row * (rowHeight + CELL_GAP);
    const x = cellX + Math.floor((colWidth - imgW) / 2);
    r.strokeRect(x - 1, cellY - 1, imgW + 2, imgH + 2, FRAME);
    r.blitGray(img.pixels, srcW, srcH, x, cellY, { scale, invert: options.invert });
    captions[k].forEach((line, n) => {
      r.drawText(line, cellX + colWidth / 2, cellY + imgH + GAP / 2 + n * lineHeight, colors[k], { scale: captionScale, align: 'center' });
    });
  });
  return r;
}
