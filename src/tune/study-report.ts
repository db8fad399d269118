/**
 * A study's results as text and pictures: its trials sorted by value, the best trial, the
 * optimisation history, parameter importance, a preset's table shaped like its seed report's, and
 * a self-contained HTML page with the charts embedded.
 */
import { join } from 'node:path';
import { table } from '../evaluate/format.ts';
import { barChart, optimizationHistory, runningBest } from '../report/index.ts';
import { writeFileAtomic } from '../store/files.ts';
import type { StoredTrial } from '../store/study-types.ts';
import type { RunRecord, RunStore } from '../store/types.ts';
import { formatNumber, type StudyDefinition, type TableSpec } from './study-file.ts';
import type { Direction, ParamValue, SearchSpace } from './types.ts';

/** A trial with the run it trained, when it has one. */
export interface TrialRow { trial: StoredTrial; run?: RunRecord }

/** The trials with the runs they trained. */
export async function studyRows(store: Pick<RunStore, 'getRun'>, trials: readonly StoredTrial[]): Promise<TrialRow[]> {
  return Promise.all(trials.map(async (trial) => ({ trial, run: trial.runId !== undefined ? await store.getRun(trial.runId) : undefined })));
}

const better = (d: Direction) => (a: number, b: number) => (d === 'maximize' ? b - a : a - b);

/** Complete trials best first, then pruned ones (best first by their last value), then the rest by number. */
export function sortTrials<T extends { trial: StoredTrial }>(rows: readonly T[], direction: Direction): T[] {
  const rank = (t: StoredTrial) => (t.state === 'complete' ? 0 : t.state === 'pruned' ? 1 : 2);
  const cmp = better(direction);
  return [...rows].sort((a, b) => rank(a.trial) - rank(b.trial) ||
    (rank(a.trial) < 2 ? cmp(a.trial.value ?? NaN, b.trial.value ?? NaN) : 0) || a.trial.number - b.trial.number);
}

/** The best complete trial (lowest number on a tie), or undefined before one completes. */
export function bestTrial(trials: readonly StoredTrial[], direction: Direction): StoredTrial | undefined {
  const done = trials.filter((t) => t.state === 'complete' && t.value !== undefined);
  return sortTrials(done.map((trial) => ({ trial })), direction)[0]?.trial;
}

export function formatValue(v: ParamValue | undefined): string {
  if (v === undefined) return '-';
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

const seconds = (t: StoredTrial) =>
  (t.startedAt && t.finishedAt ? `${((Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000).toFixed(1)}s` : '-');

function stateText(t: StoredTrial): string {
  if (t.state === 'pruned') return `pruned@${Math.max(0, ...t.intermediate.keys())}`;
  if (t.state === 'failed' && t.retriedAs !== undefined) return `failed→#${t.retriedAs}`;
  return t.state;
}

/** Every trial, best first: number, state, value, each parameter (blank where inactive), epochs, test accuracy, run, time. */
export function trialsTable(rows: readonly TrialRow[], space: SearchSpace, def: Pick<StudyDefinition, 'direction' | 'metric'>): string {
  const names = space.params.filter((p) => p.dist.type !== 'fixed').map((p) => p.name);
  const body = sortTrials(rows, def.direction).map(({ trial: t, run }) => [
    t.number, stateText(t), t.value === undefined ? '-' : t.value.toFixed(4),
    ...names.map((n) => formatValue(t.params[n])),
    t.intermediate.size, run?.metrics.test ? run.metrics.test.accuracy.toFixed(4) : '-', t.runId ?? '-', seconds(t),
  ]);
  return table(['trial', 'state', def.metric, ...names, 'epochs', 'test_acc', 'run', 'time'], body);
}

/**
 * Epochs the finished trials trained against the epochs they would have trained unpruned (each
 * run's configured epochs); undefined when no finished trial has a run.
 */
export function epochsTrained(rows: readonly TrialRow[]): { trained: number; full: number } | undefined {
  const done = rows.filter((r) => (r.trial.state === 'complete' || r.trial.state === 'pruned') && r.run);
  if (!done.length) return undefined;
  return {
    trained: done.reduce((n, r) => n + r.trial.intermediate.size, 0),
    full: done.reduce((n, r) => n + (r.run!.config as { epochs: number }).epochs, 0),
  };
}

/** 'epochs trained: 38 of 80 (pruning saved 52.5 %)'. */
export function epochsText(e: { trained: number; full: number }): string {
  const saved = e.full > 0 ? (1 - e.trained / e.full) * 100 : 0;
  return `epochs trained: ${e.trained} of ${e.full}${saved > 0 ? ` (pruning saved ${saved.toFixed(1)} %)` : ''}`;
}

/** The optimisation history as text: each trial's value and the best so far, in trial order. */
export function historyText(trials: readonly StoredTrial[], direction: Direction): string {
  const withValue = trials.filter((t) => t.value !== undefined && (t.state === 'complete' || t.state === 'pruned'));
  const best = new Map(runningBest(withValue.map((t) => ({ number: t.number, value: t.value!, pruned: t.state === 'pruned' })), direction));
  const rows = [...trials].sort((a, b) => a.number - b.number).map((t) => [
    t.number, t.state, t.value === undefined ? '-' : t.value.toFixed(4), best.has(t.number) ? best.get(t.number)!.toFixed(4) : '-',
  ]);
  return table(['trial', 'state', 'value', 'best so far'], rows);
}

/** Importance shares as a table with a bar each, largest first. */
export function importanceText(importance: Record<string, number>): string {
  const entries = Object.entries(importance).sort((a, b) => b[1] - a[1]);
  return table(['parameter', 'importance', ''], entries.map(([k, v]) => [k, v.toFixed(3), '#'.repeat(Math.round(v * 40))]));
}

/** The value of one table field for a trial: a parameter, or one of the trial's and run's numbers. */
function field(row: TrialRow, name: string): ParamValue | undefined {
  const { trial: t, run } = row;
  switch (name) {
    case 'number': return t.number;
    case 'state': return t.state;
    case 'value': return t.value;
    case 'epochs': return t.intermediate.size;
    case 'run': return t.runId;
    case 'test_accuracy': return run?.metrics.test?.accuracy;
    case 'test_loss': return run?.metrics.test?.loss;
    case 'val_accuracy': return run?.metrics.val?.accuracy ?? (t.intermediate.size ? t.intermediate.get(Math.max(...t.intermediate.keys())) : undefined);
    case 'val_loss': return run?.metrics.val?.loss;
    default: return t.params[name];
  }
}

/**
 * A preset's table, shaped like its seed report's: the columns it names, rows sorted by its sort
 * fields (a choice parameter in the order of its values, as itertools.product lists a grid; trials
 * without the field last). Numbers are scaled and rounded per column; a list of parameters prints
 * as a tuple, ('elu', 'sgd').
 */
export function presetTable(spec: TableSpec, rows: readonly TrialRow[], space: SearchSpace): string {
  const order = (name: string, v: ParamValue): number | string => {
    const d = space.params.find((p) => p.name === name)?.dist;
    return d?.type === 'choice' ? d.values.indexOf(v) : typeof v === 'number' ? v : String(v);
  };
  const compare = (a: TrialRow, b: TrialRow): number => {
    for (const key of spec.sort ?? []) {
      const x = field(a, key), y = field(b, key);
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      const ox = order(key, x), oy = order(key, y);
      const c = typeof ox === 'number' && typeof oy === 'number' ? ox - oy : String(ox).localeCompare(String(oy));
      if (c) return spec.descending ? -c : c;
    }
    return a.trial.number - b.trial.number;
  };
  const cell = (row: TrialRow, c: TableSpec['columns'][number]): string => {
    if (Array.isArray(c.value)) {
      // A tuple of the parameters active in this trial (inactive ones, e.g. units_5 of a 3-layer net, left out).
      const values = c.value.map((n) => field(row, n)).filter((v) => v !== undefined);
      return `(${values.map((v) => (typeof v === 'string' ? `'${v}'` : formatValue(v))).join(', ')})`;
    }
    const v = field(row, c.value);
    if (typeof v !== 'number') return v === undefined ? (row.trial.state === 'complete' ? '-' : row.trial.state) : String(v);
    const x = v * (c.scale ?? 1);
    return c.digits !== undefined ? x.toFixed(c.digits) : formatNumber(x);
  };
  const out = table(spec.columns.map((c) => c.header), [...rows].sort(compare).map((r) => spec.columns.map((c) => cell(r, c))));
  return spec.title ? `${spec.title}\n${out}` : out;
}

export interface StudyCharts { history?: string; importance?: string; html: string }

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * Writes history.png, importance.png (when there are importances) and index.html into `dir`; the
 * page embeds the pictures, so it can be mailed or moved on its own.
 */
export function writeStudyReport(dir: string, o: {
  name: string; def: StudyDefinition; trials: readonly StoredTrial[]; importance?: Record<string, number>;
  sections: { title: string; text: string }[];
}): StudyCharts {
  const images: { title: string; png: Buffer }[] = [];
  const files: StudyCharts = { html: join(dir, 'index.html') };
  const points = o.trials.filter((t) => t.value !== undefined && (t.state === 'complete' || t.state === 'pruned'))
    .map((t) => ({ number: t.number, value: t.value!, pruned: t.state === 'pruned' }));
  if (points.length) {
    const r = optimizationHistory(points, { title: `Optimisation history: ${o.name}`, direction: o.def.direction, valueName: o.def.metric });
    files.history = join(dir, 'history.png');
    r.writePNG(files.history);
    images.push({ title: 'Optimisation history', png: r.toPNG() });
  }
  const imp = Object.entries(o.importance ?? {}).sort((a, b) => b[1] - a[1]);
  if (imp.length) {
    const r = barChart(imp.map(([k]) => k), [{ name: 'importance', values: imp.map(([, v]) => v) }], { title: `Parameter importance: ${o.name}`, min: 0, max: 1 });
    files.importance = join(dir, 'importance.png');
    r.writePNG(files.importance);
    images.push({ title: 'Parameter importance', png: r.toPNG() });
  }
  const html = [
    '<!doctype html>', '<html><head><meta charset="utf-8">', `<title>Study ${escapeHtml(o.name)}</title>`,
    '<style>body{font-family:sans-serif;margin:2em;max-width:1100px}pre{background:#f6f6f6;padding:1em;overflow-x:auto}img{max-width:100%}</style>',
    '</head><body>', `<h1>Study ${escapeHtml(o.name)}</h1>`,
    ...o.sections.map((s) => `<h2>${escapeHtml(s.title)}</h2>\n<pre>${escapeHtml(s.text)}</pre>`),
    ...images.map((i) => `<h2>${escapeHtml(i.title)}</h2>\n<img alt="${escapeHtml(i.title)}" src="data:image/png;base64,${i.png.toString('base64')}">`),
    '</body></html>', '',
  ].join('\n');
  writeFileAtomic(files.html, html, 'study report');
  return files;
}
