/**
 * What a pruner would have done to a study that ran without one: the trials' recorded learning
 * curves are fed to the pruner one trial after another, exactly as a single worker would report
 * them, and a trial stops where the pruner says so. The study's last step is never judged (a worker
 * never prunes there either).
 *
 * With a sampler that does not look at results (random, grid), a pruned study would have drawn the
 * same trials, so the replay in the study's own order is what that study would have done; and any
 * other order of the same trials is an equally likely study. Replaying many random orders measures a
 * pruner on real curves: the share of epochs it saves, and how often it keeps the best trial.
 */
import { createPruner, PRUNER_NAMES } from './pruners/index.ts';
import type { ObjectiveSelect } from './study-file.ts';
import type { Direction, Pruner, Trial } from './types.ts';

/** One trial's intermediate values: `values[i]` was reported at step i + 1. */
export interface Curve {
  number: number;
  values: number[];
}

export interface ReplayOutcome {
  /** Steps trained with the pruner, and without it. */
  steps: number;
  fullSteps: number;
  pruned: number[];
  /** The best value among the trials that completed, and whether the unpruned study's best trial is among them. */
  bestValue: number;
  bestKept: boolean;
}

export interface ReplaySummary {
  pruner: string;
  /** The study's own order. */
  inOrder: ReplayOutcome;
  orders: number;
  /** Mean share of steps saved over the orders. */
  savedShare: number;
  /** Share of orders in which the best trial completed. */
  bestKeptShare: number;
  /** Mean shortfall of the best completed value from the unpruned best (0 when the best survives). */
  meanShortfall: number;
}

function finalValue(values: number[], objective: ObjectiveSelect, direction: Direction): number {
  if (objective === 'last') return values[values.length - 1];
  return direction === 'maximize' ? Math.max(...values) : Math.min(...values);
}

const better = (a: number, b: number, direction: Direction) => (direction === 'maximize' ? a > b : a < b);

/** The index of the best curve (first of equals): the trial the unpruned study would pick. */
export function bestCurve(curves: readonly Curve[], objective: ObjectiveSelect, direction: Direction): number {
  let best = 0;
  for (let i = 1; i < curves.length; i++) {
    if (better(finalValue(curves[i].values, objective, direction), finalValue(curves[best].values, objective, direction), direction)) best = i;
  }
  return best;
}

/** Replays `curves` in the given order through a fresh pruner. */
export function replayPruner(pruner: Pruner, curves: readonly Curve[], order: readonly number[], objective: ObjectiveSelect, direction: Direction): ReplayOutcome {
  if (curves.length === 0) throw new Error('replay: the study has no trials with intermediate values');
  const best = bestCurve(curves, objective, direction);
  const trials: Trial[] = [];
  let steps = 0;
  let fullSteps = 0;
  const pruned: number[] = [];
  let bestValue = NaN;
  let bestKept = false;
  for (const i of order) {
    const { number, values } = curves[i];
    fullSteps += values.length;
    const trial: Trial = { number, state: 'running', params: {}, intermediate: new Map() };
    trials.push(trial);
    for (let s = 1; s <= values.length; s++) {
      trial.intermediate.set(s, values[s - 1]);
      steps++;
      if (s < values.length && pruner.shouldPrune(trial, s, trials, direction)) {
        trial.state = 'pruned';
        trial.value = values[s - 1];
        pruned.push(number);
        break;
      }
    }
    if (trial.state === 'running') {
      trial.state = 'complete';
      trial.value = finalValue(values, objective, direction);
      if (Number.isNaN(bestValue) || better(trial.value, bestValue, direction)) bestValue = trial.value;
      if (i === best) bestKept = true;
    }
  }
  return { steps, fullSteps, pruned, bestValue, bestKept };
}

/** The study's order, then `orders` random orders (Fisher–Yates with `random`). */
export function replayOrders(makePruner: () => Pruner, curves: readonly Curve[], o: {
  objective: ObjectiveSelect; direction: Direction; orders: number; random: () => number;
}): ReplaySummary {
  const identity = curves.map((_, i) => i);
  const inOrder = replayPruner(makePruner(), curves, identity, o.objective, o.direction);
  const optimum = finalValue(curves[bestCurve(curves, o.objective, o.direction)].values, o.objective, o.direction);
  let saved = 0;
  let kept = 0;
  let shortfall = 0;
  for (let k = 0; k < o.orders; k++) {
    const order = identity.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(o.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const r = replayPruner(makePruner(), curves, order, o.objective, o.direction);
    saved += 1 - r.steps / r.fullSteps;
    if (r.bestKept) kept++;
    shortfall += Math.abs(optimum - r.bestValue);
  }
  const n = Math.max(o.orders, 1);
  return { pruner: makePruner().name, inOrder, orders: o.orders, savedShare: saved / n, bestKeptShare: kept / n, meanShortfall: shortfall / n };
}

/**
 * A pruner from `name[:option=value...]`, e.g. `median:nWarmupSteps=3:nStartupTrials=4` or
 * `hyperband:minResource=1`; numbers only (createPruner checks names and ranges).
 */
export function parsePrunerSpec(text: string): { label: string; make: () => Pruner } {
  const [name, ...parts] = text.trim().split(':');
  if (!(PRUNER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`pruner '${text}': unknown pruner '${name}'; expected one of ${PRUNER_NAMES.join(', ')}, optionally with :option=value`);
  }
  const options: Record<string, number> = {};
  for (const p of parts) {
    const m = /^(\w+)=(-?[\d.]+(?:e-?\d+)?)$/.exec(p);
    if (!m) throw new Error(`pruner '${text}': expected option=number, got '${p}'`);
    options[m[1]] = Number(m[2]);
  }
  createPruner(name, options); // fail now on a bad option, not in the middle of a replay
  return { label: text.trim(), make: () => createPruner(name, options) };
}
