/**
 * Confusion-matrix heatmap: rows are true classes, columns predicted ones, each cell shaded from
 * white to dark blue by its share of the row (the class's recall on the diagonal), so the
 * confusions stand out whatever the class sizes.
 */
import { contrastingText, GRID, heatColor, INK, MUTED_INK } from './colors.ts';
import { textHeight, textWidth, truncateText } from './font.ts';
import { drawTitle, GAP, LABEL_SCALE, MARGIN, titleHeight, titleWidth } from './plot.ts';
import { type Color, Raster } from './raster.ts';

export interface ConfusionHeatmapOptions {
  /** Default 'Confusion matrix'. */
  title?: string;
  /** Print each cell's share of its row (0.00–1.00) instead of its count. Colours are row shares either way. */
  normalize?: boolean;
}

/** Class names longer than this are cut so the axes stay compact. */
export const MAX_CLASS_LABEL = 12;
const AXIS_TITLE_SCALE = LABEL_SCALE;
/** Keeps small matrices from a cramped image whose width would follow the subtitle's digits. */
const MIN_WIDTH = 480;
/** Zero counts in light gray: the eye goes to the confusions that did happen. */
const ZERO_INK: Color = [175, 175, 175];

function checkMatrix(matrix: readonly (readonly number[])[], classNames: readonly string[]): void {
  const n = classNames.length;
  if (n === 0) throw new Error('confusionHeatmap: classNames is empty');
  if (!Array.isArray(matrix) || matrix.length !== n) {
    throw new Error(`confusionHeatmap: matrix has ${Array.isArray(matrix) ? matrix.length : 'no'} rows, expected ${n} (one per class name)`);
  }
  matrix.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) throw new Error(`confusionHeatmap: matrix row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${n}`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new Error(`confusionHeatmap: matrix[${i}][${j}] is ${v}, expected a finite count >= 0`);
      }
    });
  });
}

/** Each row divided by its sum; an empty row (a class never seen) stays all zero. */
export function rowNormalize(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum > 0 ? v / sum : 0));
  });
}

function fmt(count: number): string {
  return Number.isInteger(count) ? String(count) : count.toFixed(1);
}

/** The count, or the row share with an exact zero printed as "0" so empty cells do not clutter. */
function cellText(count: number, share: number, normalize: boolean): string {
  if (!normalize) return fmt(count);
  return count === 0 ? '0' : share.toFixed(2);
}

/** Side of a cell: roomy for ten classes, shrinking for many so the grid stays within ~720 px. */
function cellSize(n: number): number {
  return n <= 10 ? 60 : Math.max(12, Math.floor(720 / n));
}

/**
 * One text scale for every cell, so sizes do not vary with the digits: the largest (at most 2)
 * at which the widest text fits with a little padding; 0 when even scale 1 does not (colours only).
 */
function cellTextScale(texts: readonly string[], cell: number): number {
  const widest = Math.max(...texts.map((t) => [...t].length));
  for (const scale of [2, 1]) {
    if (textWidth('0'.repeat(widest), scale) <= cell - 4 && textHeight(scale) <= cell - 2) return scale;
  }
  return 0;
}

/**
 * Draws the matrix as a heatmap with the value in every cell, class names on both axes (true
 * down the left, predicted along the bottom, read upwards) and the overall accuracy under the title.
 */
export function confusionHeatmap(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionHeatmapOptions = {},
): Raster {
  checkMatrix(matrix, classNames);
  const n = classNames.length, cell = cellSize(n);
  const labelScale = n <= 20 ? LABEL_SCALE : 1;
  const labels = classNames.map((c) => truncateText(c, MAX_CLASS_LABEL));
  const labelWidth = Math.max(...labels.map((l) => textWidth(l, labelScale)));
  const shares = rowNormalize(matrix);
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  const correct = matrix.reduce((a, row, i) => a + row[i], 0);
  const title = options.title ?? 'Confusion matrix';
  const subtitle = total > 0 ? `accuracy ${((100 * correct) / total).toFixed(2)}% (${fmt(correct)} / ${fmt(total)})` : 'no samples';

  const texts = matrix.map((row, i) => row.map((count, j) => cellText(count, shares[i][j], options.normalize ?? false)));
  const textScale = cellTextScale(texts.flat(), cell);

  // Left to right: axis title, class names, grid; the block is centred when the title is wider.
  const axisTitle = textHeight(AXIS_TITLE_SCALE);
  const grid = n * cell;
  const blockWidth = axisTitle + GAP + labelWidth + GAP + grid;
  const width = Math.max(blockWidth + 2 * MARGIN, MIN_WIDTH, titleWidth(title), textWidth(subtitle, LABEL_SCALE) + 2 * MARGIN);
  const blockLeft = Math.floor((width - blockWidth) / 2);
  const gridLeft = blockLeft + blockWidth - grid;
  const gridTop = MARGIN + titleHeight(title) + textHeight(LABEL_SCALE) + 2 * GAP;
  const height = gridTop + grid + GAP + labelWidth + GAP + axisTitle + MARGIN;
  const r = new Raster(width, height);

  const y = drawTitle(r, title, width / 2, MARGIN);
  r.drawText(subtitle, width / 2, y, MUTED_INK, { scale: LABEL_SCALE, align: 'center' });

  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = gridLeft + j * cell, top = gridTop + i * cell;
      const fill = heatColor(shares[i][j]);
      r.fillRect(x, top, cell, cell, fill);
      const ink = matrix[i][j] === 0 ? ZERO_INK : contrastingText(fill);
      if (textScale) r.drawText(texts[i][j], x + cell / 2, top + cell / 2, ink, { scale: textScale, align: 'center', valign: 'middle' });
    }
  }
  // Thin lines between cells keep the white (empty) cells apart.
  for (let k = 0; k <= n; k++) {
    r.fillRect(gridLeft + k * cell, gridTop, 1, grid + 1, GRID);
    r.fillRect(gridLeft, gridTop + k * cell, grid + 1, 1, GRID);
  }

  labels.forEach((label, k) => {
    const centre = k * cell + cell / 2;
    r.drawText(label, gridLeft - GAP, gridTop + centre, INK, { scale: labelScale, align: 'right', valign: 'middle' });
    r.drawText(label, gridLeft + centre, gridTop + grid + GAP, INK, { scale: labelScale, align: 'center', direction: 'up' });
  });
  r.drawText('true', blockLeft, gridTop + grid / 2, MUTED_INK, { scale: AXIS_TITLE_SCALE, valign: 'middle', direction: 'up' });
  r.drawText('predicted', gridLeft + grid / 2, height - MARGIN - axisTitle, MUTED_INK, { scale: AXIS_TITLE_SCALE, align: 'center' });
  return r;
}
