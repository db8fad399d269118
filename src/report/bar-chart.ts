/**
 * Grouped horizontal bar chart, e.g. precision, recall and F1 side by side for every class.
 * Horizontal so that class names read normally down the left instead of turned on their side.
 */
import { INK, MUTED_INK, seriesColor } from './colors.ts';
import { textHeight, textWidth, truncateText } from './font.ts';
import {
  axisMargins, drawAxes, drawLegend, drawTitle, GAP, LABEL_SCALE, legendHeight, MARGIN, PlotArea, SMALL_SCALE, TITLE_SCALE,
} from './plot.ts';
import { type Color, Raster } from './raster.ts';
import { niceTicks, type Ticks } from './ticks.ts';

export interface BarSeries {
  name: string;
  /** One value per category. */
  values: readonly number[];
  color?: Color;
}

export interface BarChartOptions {
  title?: string;
  /** Value-axis range; by default it spans 0 and the data. */
  min?: number;
  max?: number;
  /** Image width in pixels (default 900). */
  width?: number;
  /** Print each bar's value at its end (default true). */
  valueLabels?: boolean;
}

export const MAX_CATEGORY_LABEL = 16;
const BAR_THICKNESS = 12;
const GROUP_GAP = 14;
const BAND: Color = [246, 246, 246];
/** Room right of the axis for the value printed at the end of the longest bar. */
const VALUE_ROOM = 36;

function checkInput(categories: readonly string[], series: readonly BarSeries[], width: number): void {
  if (!Array.isArray(categories) || categories.length === 0) throw new Error('barChart: categories is empty');
  if (!Array.isArray(series) || series.length === 0) throw new Error('barChart: no series given');
  series.forEach((s, k) => {
    if (!s.name) throw new Error(`barChart: series ${k} has no name`);
    if (!Array.isArray(s.values) || s.values.length !== categories.length) {
      throw new Error(`barChart: series '${s.name}' has ${s.values?.length ?? 'no'} values, expected ${categories.length} (one per category)`);
    }
    s.values.forEach((v: number, i: number) => {
      if (!Number.isFinite(v)) throw new Error(`barChart: series '${s.name}' value ${i} (${categories[i]}) is ${v}, expected a finite number`);
    });
  });
  if (!Number.isInteger(width) || width < 400) throw new Error(`barChart: width must be an integer >= 400, got ${width}`);
}

function valueTicks(series: readonly BarSeries[], options: BarChartOptions): Ticks {
  const values = series.flatMap((s) => s.values);
  const lo = options.min ?? Math.min(0, ...values), hi = options.max ?? Math.max(0, ...values);
  if (!(lo < hi)) throw new Error(`barChart: value range [${lo}, ${hi}] is empty`);
  return niceTicks(lo, hi, 6);
}


/** One group of bars per category, one bar per series, value axis along the bottom. */
export function barChart(categories: readonly string[], series: readonly BarSeries[], options: BarChartOptions = {}): Raster {
  const width = options.width ?? 900;
  checkInput(categories, series, width);
  const colors = series.map((s, k) => s.color ?? seriesColor(k));
  const labels = categories.map((c) => truncateText(c, MAX_CATEGORY_LABEL));
  const xTicks = valueTicks(series, options);
  const groupHeight = series.length * BAR_THICKNESS + GROUP_GAP;
  // Two digits finer than the axis: enough to tell neighbouring bars apart.
  const valueDecimals = xTicks.decimals + 2;

  const labelWidth = Math.max(...labels.map((l) => textWidth(l, LABEL_SCALE)));
  const titleBlock = options.title ? textHeight(TITLE_SCALE) + GAP : 0;
  const plotTop = MARGIN + titleBlock + legendHeight() + 2 * GAP;
  const noYTicks: Ticks = { min: 0, max: categories.length, step: 1, values: [], decimals: 0 };
  const bottom = axisMargins(noYTicks, undefined).bottom;
  const box = {
    x: MARGIN + labelWidth + GAP,
    y: plotTop,
    width: width - (MARGIN + labelWidth + GAP) - VALUE_ROOM - MARGIN,
    height: categories.length * groupHeight,
  };
  if (box.width < 100) throw new Error(`barChart: width ${width} leaves no room for bars next to the labels`);
  const r = new Raster(width, plotTop + box.height + bottom + MARGIN);
  drawTitle(r, options.title, width / 2, MARGIN);
  drawLegend(r, series.map((s, k) => ({ label: s.name, color: colors[k] })), width / 2, MARGIN + titleBlock, 'box');

  // Light bands behind every other group guide the eye from label to bars.
  categories.forEach((_, i) => {
    if (i % 2 === 1) r.fillRect(box.x, box.y + i * groupHeight, box.width, groupHeight, BAND);
  });
  const area = new PlotArea(box, xTicks, noYTicks);
  drawAxes(r, area, { xGrid: true });
  const baseline = Math.round(area.px(Math.min(Math.max(0, xTicks.min), xTicks.max)));
  categories.forEach((_, i) => {
    const groupTop = box.y + i * groupHeight;
    r.drawText(labels[i], box.x - GAP, groupTop + groupHeight / 2, INK, { scale: LABEL_SCALE, align: 'right', valign: 'middle' });
    series.forEach((s, k) => {
      const y = groupTop + GROUP_GAP / 2 + k * BAR_THICKNESS;
      const end = Math.round(area.px(Math.min(Math.max(s.values[i], xTicks.min), xTicks.max)));
      r.fillRect(Math.min(baseline, end), y, Math.abs(end - baseline) + 1, BAR_THICKNESS - 1, colors[k]);
      if (options.valueLabels ?? true) {
        r.drawText(s.values[i].toFixed(valueDecimals), Math.max(baseline, end) + 4, y + (BAR_THICKNESS - 1) / 2, MUTED_INK,
          { scale: SMALL_SCALE, valign: 'middle' });
      }
    });
  });
  return r;
}
