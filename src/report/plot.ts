/**
 * Chart furniture shared by the report charts: text sizes, titles, legends, and an x/y plot area
 * with gridlines, axes, ticks and tick labels.
 */
import { AXIS, GRID, INK, MUTED_INK } from './colors.ts';
import { charsThatFit, textHeight, textWidth, truncateText } from './font.ts';
import { type Box, type Color, Raster } from './raster.ts';
import { formatTick, type Ticks } from './ticks.ts';

/** Integer font scales: chart titles, labels and tick labels, small print. */
export const TITLE_SCALE = 3;
export const LABEL_SCALE = 2;
export const SMALL_SCALE = 1;
export const MARGIN = 16;
export const GAP = 8;
const TICK_LENGTH = 5;

/** A title widens its image up to this; longer titles are cut. */
export const MAX_TITLE_WIDTH = 900;

/** The image width a title asks for: its text plus margins, at most MAX_TITLE_WIDTH; 0 without one. */
export function titleWidth(title: string | undefined): number {
  return title ? Math.min(MAX_TITLE_WIDTH, textWidth(title, TITLE_SCALE) + 2 * MARGIN) : 0;
}

/** Height a title block takes (text plus the gap under it); 0 without a title. */
export function titleHeight(title: string | undefined): number {
  return title ? textHeight(TITLE_SCALE) + GAP : 0;
}

/**
 * Draws `title` centred on `centerX` with its top at `y`, cut to fit the image; returns the y
 * just below the block.
 */
export function drawTitle(r: Raster, title: string | undefined, centerX: number, y: number): number {
  if (!title) return y;
  const text = truncateText(title, charsThatFit(r.width - 2 * MARGIN, TITLE_SCALE));
  r.drawText(text, centerX, y, INK, { scale: TITLE_SCALE, align: 'center' });
  return y + titleHeight(title);
}

export interface LegendEntry { label: string; color: Color }

const SWATCH = 22;

export function legendWidth(entries: readonly LegendEntry[]): number {
  return entries.reduce((w, e, i) => w + SWATCH + GAP + textWidth(e.label, LABEL_SCALE) + (i ? 3 * GAP : 0), 0);
}

export function legendHeight(): number {
  return textHeight(LABEL_SCALE);
}

/** One row of swatches and labels centred on `centerX`, top at `y`; `line` swatches for curves, `box` for bars. */
export function drawLegend(r: Raster, entries: readonly LegendEntry[], centerX: number, y: number, swatch: 'line' | 'box'): void {
  let x = Math.round(centerX - legendWidth(entries) / 2);
  const mid = y + Math.floor((textHeight(LABEL_SCALE) * 7) / 9 / 2);
  for (const e of entries) {
    if (swatch === 'line') r.drawLine(x, mid, x + SWATCH - 1, mid, e.color, { thickness: 3 });
    else r.fillRect(x + 4, mid - 7, SWATCH - 8, 14, e.color);
    x += SWATCH + GAP;
    r.drawText(e.label, x, y, INK, { scale: LABEL_SCALE });
    x += textWidth(e.label, LABEL_SCALE) + 3 * GAP;
  }
}

/** Maps data coordinates into a pixel box: x left to right, y bottom to top. */
export class PlotArea {
  constructor(readonly box: Box, readonly xTicks: Ticks, readonly yTicks: Ticks) {}

  px(x: number): number {
    const { min, max } = this.xTicks;
    return this.box.x + ((x - min) / (max - min)) * (this.box.width - 1);
  }

  py(y: number): number {
    const { min, max } = this.yTicks;
    return this.box.y + this.box.height - 1 - ((y - min) / (max - min)) * (this.box.height - 1);
  }
}

/** Width of the widest tick label, which sets how much room the y axis needs. */
export function tickLabelWidth(ticks: Ticks): number {
  return Math.max(...ticks.values.map((v) => textWidth(formatTick(v, ticks.decimals), LABEL_SCALE)));
}

/** Space around a plot box taken by tick labels and axis labels. */
export function axisMargins(yTicks: Ticks, xLabel: string | undefined): { left: number; bottom: number } {
  const labelRow = textHeight(LABEL_SCALE);
  return {
    left: tickLabelWidth(yTicks) + TICK_LENGTH + GAP,
    bottom: TICK_LENGTH + GAP / 2 + labelRow + (xLabel ? GAP + labelRow : 0),
  };
}

export interface AxesOptions {
  /** Label under the x axis. */
  xLabel?: string;
  /** Draw x ticks and labels (false for categorical axes labelled by the caller). */
  xAxis?: boolean;
  /** Vertical gridlines at the x ticks as well as horizontal ones at the y ticks. */
  xGrid?: boolean;
}

/** Gridlines, the left and bottom axes, tick marks and tick labels of `area`. */
export function drawAxes(r: Raster, area: PlotArea, options: AxesOptions = {}): void {
  const { box, xTicks, yTicks } = area;
  const bottom = box.y + box.height - 1, showX = options.xAxis ?? true;
  for (const v of yTicks.values) {
    const y = Math.round(area.py(v));
    r.fillRect(box.x, y, box.width, 1, GRID);
    r.fillRect(box.x - TICK_LENGTH, y, TICK_LENGTH, 1, AXIS);
    r.drawText(formatTick(v, yTicks.decimals), box.x - TICK_LENGTH - GAP / 2, y, MUTED_INK,
      { scale: LABEL_SCALE, align: 'right', valign: 'middle' });
  }
  if (showX) {
    for (const v of xTicks.values) {
      const x = Math.round(area.px(v));
      if (options.xGrid) r.fillRect(x, box.y, 1, box.height, GRID);
      r.fillRect(x, bottom + 1, 1, TICK_LENGTH, AXIS);
      r.drawText(formatTick(v, xTicks.decimals), x, bottom + 1 + TICK_LENGTH + GAP / 2, MUTED_INK,
        { scale: LABEL_SCALE, align: 'center' });
    }
  }
  r.fillRect(box.x - 1, box.y, 1, box.height + 1, AXIS);
  r.fillRect(box.x - 1, bottom + 1, box.width + 1, 1, AXIS);
  if (options.xLabel) {
    const y = bottom + 1 + TICK_LENGTH + GAP / 2 + textHeight(LABEL_SCALE) + GAP;
    r.drawText(options.xLabel, box.x + box.width / 2, y, INK, { scale: LABEL_SCALE, align: 'center' });
  }
}
