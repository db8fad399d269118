/**
 * Learning curves: loss and accuracy per epoch, training against validation, in two panels side
 * by side, so over-fitting (validation turning up while training keeps falling) shows at a glance.
 */
import { INK, MUTED_INK, seriesColor } from './colors.ts';
import { charsThatFit, textHeight, textWidth, truncateText } from './font.ts';
import {
  axisMargins, drawAxes, drawLegend, drawTitle, GAP, LABEL_SCALE, legendHeight, MARGIN, PlotArea,
  type LegendEntry,
} from './plot.ts';
import { type Box, type Color, Raster } from './raster.ts';
import { niceTicks, type Ticks } from './ticks.ts';
import type { EpochRecord as StoredEpoch } from '../store/types.ts';

/** The part of a stored epoch record that the curves draw. */
export type EpochRecord = Pick<StoredEpoch, 'epoch' | 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>;

export interface LearningCurvesOptions {
  /** Default 'Learning curves'. */
  title?: string;
  /** Image size in pixels; default 1100 × 460. */
  width?: number;
  height?: number;
}

const TRAIN_COLOR = seriesColor(0);
const VAL_COLOR = seriesColor(1);
const PANEL_GAP = 48;
const LINE_THICKNESS = 2.5;
const MARKER_RADIUS = 3;
/** Above this many epochs the dots would merge into the line. */
const MAX_MARKED_POINTS = 40;

type Point = readonly [number, number];
type Metric = 'loss' | 'accuracy';

interface Series { short: string; color: Color; runs: Point[][]; last?: number }

function checkHistory(history: readonly EpochRecord[]): void {
  if (!Array.isArray(history) || history.length === 0) throw new Error('learningCurves: history is empty; expected at least one epoch record');
  history.forEach((h, i) => {
    if (typeof h !== 'object' || h === null) throw new Error(`learningCurves: history[${i}] is not an object`);
    if (!Number.isFinite(h.epoch)) throw new Error(`learningCurves: history[${i}].epoch is ${h.epoch}, expected a finite number`);
    for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const) {
      const v = h[key];
      const optional = key.startsWith('val');
      if ((v !== undefined || !optional) && typeof v !== 'number') {
        throw new Error(`learningCurves: history[${i}].${key} is ${JSON.stringify(v)}, expected a number`);
      }
    }
  });
}

function checkSize(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`learningCurves: ${name} must be an integer >= ${min}, got ${value}`);
}

/** Consecutive finite values as separate runs: a NaN loss (a diverged epoch) leaves a gap. */
function seriesRuns(history: readonly EpochRecord[], key: keyof EpochRecord): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] = [];
  for (const h of history) {
    const v = h[key];
    if (typeof v === 'number' && Number.isFinite(v)) run.push([h.epoch, v]);
    else if (run.length) { runs.push(run); run = []; }
  }
  if (run.length) runs.push(run);
  return runs;
}

function metricSeries(history: readonly EpochRecord[], metric: Metric): Series[] {
  const valKey = metric === 'loss' ? 'valLoss' : 'valAccuracy';
  const series: Series[] = [{ short: 'train', color: TRAIN_COLOR, runs: seriesRuns(history, metric) }];
  const val = seriesRuns(history, valKey);
  if (val.length) series.push({ short: 'val', color: VAL_COLOR, runs: val });
  for (const s of series) s.last = s.runs.at(-1)?.at(-1)?.[1];
  return series;
}

function valueTicks(series: readonly Series[]): Ticks {
  const values = series.flatMap((s) => s.runs.flat().map((p) => p[1]));
  return values.length ? niceTicks(Math.min(...values), Math.max(...values), 5) : niceTicks(0, 1, 5);
}

/** Three significant digits: enough to compare epochs, short enough for a header. */
function formatValue(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function drawSeries(r: Raster, area: PlotArea, s: Series): void {
  const pointCount = s.runs.reduce((n, run) => n + run.length, 0);
  for (const run of s.runs) {
    const pixels = run.map(([x, y]) => [area.px(x), area.py(y)] as const);
    r.drawPolyline(pixels, s.color, { thickness: LINE_THICKNESS });
    if (pointCount <= MAX_MARKED_POINTS) for (const [x, y] of pixels) r.fillCircle(x, y, MARKER_RADIUS, s.color);
  }
}

/** One panel: a header (metric name, final values) above the axes and curves. */
function drawPanel(r: Raster, outer: Box, name: string, series: readonly Series[], xTicks: Ticks): void {
  const header = textHeight(LABEL_SCALE);
  r.drawText(name, outer.x, outer.y, INK, { scale: LABEL_SCALE });
  const finals = series.filter((s) => s.last !== undefined).map((s) => `${s.short} ${formatValue(s.last!)}`);
  if (finals.length) {
    const room = outer.width - textWidth(name, LABEL_SCALE) - 2 * GAP;
    const text = truncateText(`final: ${finals.join(', ')}`, charsThatFit(room, LABEL_SCALE));
    r.drawText(text, outer.x + outer.width, outer.y, MUTED_INK, { scale: LABEL_SCALE, align: 'right' });
  }
  const yTicks = valueTicks(series);
  const margins = axisMargins(yTicks, 'epoch');
  const top = outer.y + header + 2 * GAP;
  const box = { x: outer.x + margins.left, y: top, width: outer.width - margins.left, height: outer.y + outer.height - margins.bottom - top };
  const area = new PlotArea(box, xTicks, yTicks);
  drawAxes(r, area, { xLabel: 'epoch', xGrid: true });
  for (const s of series) drawSeries(r, area, s);
}

/**
 * Plots loss (left) and accuracy (right) against epoch, training in blue and validation in
 * orange, with each panel's final values in its header. Records are sorted by epoch; non-finite
 * values leave gaps in the lines.
 */
export function learningCurves(history: readonly EpochRecord[], options: LearningCurvesOptions = {}): Raster {
  checkHistory(history);
  const width = options.width ?? 1100, height = options.height ?? 460;
  checkSize('width', width, 500);
  checkSize('height', height, 260);
  const sorted = [...history].sort((a, b) => a.epoch - b.epoch);
  const loss = metricSeries(sorted, 'loss'), accuracy = metricSeries(sorted, 'accuracy');
  const epochs = sorted.map((h) => h.epoch);
  const xTicks = niceTicks(Math.min(...epochs), Math.max(...epochs), 6, true);

  const r = new Raster(width, height);
  const title = options.title ?? 'Learning curves';
  let y = drawTitle(r, title, width / 2, MARGIN);
  const legend: LegendEntry[] = loss.length > 1 || accuracy.length > 1
    ? [{ label: 'train', color: TRAIN_COLOR }, { label: 'validation', color: VAL_COLOR }]
    : [{ label: 'train', color: TRAIN_COLOR }];
  drawLegend(r, legend, width / 2, y, 'line');
  y += legendHeight() + 2 * GAP;

  const panelWidth = Math.floor((width - 2 * MARGIN - PANEL_GAP) / 2);
  const panelHeight = height - MARGIN - y;
  drawPanel(r, { x: MARGIN, y, width: panelWidth, height: panelHeight }, 'Loss', loss, xTicks);
  drawPanel(r, { x: width - MARGIN - panelWidth, y, width: panelWidth, height: panelHeight }, 'Accuracy', accuracy, xTicks);
  return r;
}
