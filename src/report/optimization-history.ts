/**
 * A study's optimisation history, as Optuna's plot_optimization_history draws it: each trial's
 * value against its number (pruned trials in grey, at their last reported value) and the best value
 * so far as a step line, so one sees how fast the search found its best trial.
 */
import { seriesColor } from './colors.ts';
import {
  axisMargins, drawAxes, drawLegend, drawTitle, GAP, legendHeight, MARGIN, PlotArea, type LegendEntry,
} from './plot.ts';
import { type Color, Raster } from './raster.ts';
import { niceTicks } from './ticks.ts';

export interface HistoryPoint {
  number: number;
  value: number;
  /** A pruned trial's value is its last intermediate value; it is drawn but never the best. */
  pruned?: boolean;
}

export interface OptimizationHistoryOptions {
  title?: string;
  /** Which way is better; default 'maximize'. */
  direction?: 'maximize' | 'minimize';
  /** Name of the value axis' quantity, for the legend (default 'objective'). */
  valueName?: string;
  width?: number;
  height?: number;
}

const TRIAL_COLOR = seriesColor(0);
const BEST_COLOR = seriesColor(3);
const PRUNED_COLOR: Color = [170, 170, 170];
const DOT = 4;

/** The running best of the complete trials in trial order: one [number, best] per trial after the first complete one. */
export function runningBest(points: readonly HistoryPoint[], direction: 'maximize' | 'minimize' = 'maximize'): [number, number][] {
  const out: [number, number][] = [];
  let best: number | undefined;
  for (const p of [...points].sort((a, b) => a.number - b.number)) {
    if (!p.pruned && (best === undefined || (direction === 'maximize' ? p.value > best : p.value < best))) best = p.value;
    if (best !== undefined) out.push([p.number, best]);
  }
  return out;
}

export function optimizationHistory(points: readonly HistoryPoint[], options: OptimizationHistoryOptions = {}): Raster {
  if (!Array.isArray(points) || points.length === 0) throw new Error('optimizationHistory: no trials with a value to draw');
  points.forEach((p, i) => {
    if (!Number.isFinite(p.number) || !Number.isFinite(p.value)) {
      throw new Error(`optimizationHistory: point ${i} is (${p.number}, ${p.value}), expected a finite trial number and value`);
    }
  });
  const width = options.width ?? 900, height = options.height ?? 460;
  if (!Number.isInteger(width) || width < 400 || !Number.isInteger(height) || height < 260) {
    throw new Error(`optimizationHistory: size must be integers of at least 400 × 260, got ${width} × ${height}`);
  }
  const direction = options.direction ?? 'maximize';
  const numbers = points.map((p) => p.number), values = points.map((p) => p.value);
  const xTicks = niceTicks(Math.min(...numbers), Math.max(...numbers), 8, true);
  const yTicks = niceTicks(Math.min(...values), Math.max(...values), 6);

  const r = new Raster(width, height);
  let y = drawTitle(r, options.title, width / 2, MARGIN);
  const name = options.valueName ?? 'objective';
  const legend: LegendEntry[] = [{ label: name, color: TRIAL_COLOR }, { label: `best ${name}`, color: BEST_COLOR }];
  if (points.some((p) => p.pruned)) legend.push({ label: 'pruned', color: PRUNED_COLOR });
  drawLegend(r, legend, width / 2, y, 'box');
  y += legendHeight() + 2 * GAP;
  const margins = axisMargins(yTicks, 'trial');
  const box = { x: MARGIN + margins.left, y, width: width - 2 * MARGIN - margins.left, height: height - y - margins.bottom - MARGIN };
  const area = new PlotArea(box, xTicks, yTicks);
  drawAxes(r, area, { xLabel: 'trial', xGrid: true });

  // The best-so-far as a step: flat until a trial improves on it.
  const best = runningBest(points, direction);
  const steps: [number, number][] = [];
  best.forEach(([n, v], i) => {
    if (i > 0) steps.push([area.px(n), area.py(best[i - 1][1])]);
    steps.push([area.px(n), area.py(v)]);
  });
  if (steps.length) r.drawPolyline(steps, BEST_COLOR, { thickness: 2.5 });
  for (const p of points) r.fillCircle(area.px(p.number), area.py(p.value), DOT, p.pruned ? PRUNED_COLOR : TRIAL_COLOR);
  return r;
}
