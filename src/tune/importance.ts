/**
 * Parameter importance by fANOVA, as Optuna's default evaluator (Hutter et al., "An Efficient
 * Approach for Assessing Hyperparameter Importance", 2014): fit a random forest to the completed
 * trials (objective value against encoded parameters), then for each tree split the variance of its
 * prediction over the whole search space into the share explained by each single parameter; a
 * parameter's importance is its mean share over the trees, normalised so all sum to 1.
 *
 * Encoding: space.ts `toUnit` for every parameter (choices by index slice, so a tree isolates a
 * choice by two splits); the variance is taken over the uniform measure on [0, 1] per parameter
 * (log-uniform for log ranges, equal mass per choice or step value).
 *
 * Conditional parameters: an inactive one is filled with a seeded uniform draw, not a sentinel. A
 * sentinel would tell the forest whether the parameter was active, which its parent already says:
 * `units_3` (active when `num_layers >= 3`) would take the credit for `num_layers >= 3` in one split
 * where the parent needs two. With a random fill the child only scores for what its values do.
 * (Optuna leaves out parameters that not every trial has.) Fixed parameters are not listed.
 */
import { fitForest, type TreeNode } from './forest.ts';
import { isActive, toUnit, valueProblem } from './space.ts';
import type { ParamDef, SearchSpace, Trial } from './types.ts';

export interface ImportanceOptions {
  /** Forest size (default 64, as Optuna). */
  trees?: number;
  /** Deepest split level (default 64). */
  maxDepth?: number;
  random: () => number;
}

export interface ParamImportance {
  name: string;
  importance: number;
}

/**
 * Importance of each non-fixed parameter of `space`, highest first, from the completed trials with
 * finite values (at least 2, not all equal; all importances are 0 when the objective never varied).
 */
export function parameterImportance(space: SearchSpace, trials: readonly Trial[], options: ImportanceOptions): ParamImportance[] {
  const defs = space.params.filter((p) => p.dist.type !== 'fixed');
  if (defs.length === 0) return [];
  const rows: Float64Array[] = [];
  const y: number[] = [];
  for (const t of trials) {
    if (t.state !== 'complete' || t.value === undefined || !Number.isFinite(t.value)) continue;
    const row = encodeTrial(space, defs, t, options.random);
    if (!row) continue;
    rows.push(row);
    y.push(t.value);
  }
  if (rows.length < 2) {
    throw new Error(`parameter importance needs at least 2 completed trials with values in the search space, got ${rows.length}`);
  }
  const forest = fitForest(rows, y, { trees: options.trees ?? 64, maxDepth: options.maxDepth ?? 64, random: options.random });

  const shares = new Float64Array(defs.length);
  let counted = 0;
  for (const tree of forest) {
    const s = singleParamShares(tree, defs.length);
    if (!s) continue; // a constant tree explains nothing
    for (let k = 0; k < defs.length; k++) shares[k] += s[k];
    counted++;
  }
  const total = shares.reduce((a, b) => a + b, 0);
  return defs
    .map((def, k) => ({ name: def.name, importance: counted > 0 && total > 0 ? shares[k] / total : 0 }))
    .sort((a, b) => b.importance - a.importance);
}

/**
 * A trial's encoded row (inactive parameters drawn uniformly), or undefined when an active parameter
 * is missing or invalid for the space.
 */
function encodeTrial(space: SearchSpace, defs: readonly ParamDef[], trial: Trial, random: () => number): Float64Array | undefined {
  const seen: Record<string, Trial['params'][string]> = {};
  for (const def of space.params) {
    if (!isActive(def, seen)) continue;
    const v = trial.params[def.name];
    if (v === undefined || valueProblem(def.dist, v) !== undefined) return undefined;
    seen[def.name] = v;
  }
  return Float64Array.from(defs, (def) => (def.name in seen ? toUnit(def.dist, seen[def.name]) : random()));
}

/** A leaf of a tree as a box: per feature the half-open interval (lo, hi] it covers. */
interface Box {
  lo: Float64Array;
  hi: Float64Array;
  value: number;
}

function leaves(tree: TreeNode, d: number): Box[] {
  const out: Box[] = [];
  const walk = (node: TreeNode, lo: Float64Array, hi: Float64Array) => {
    if (node.leaf) {
      out.push({ lo, hi, value: node.value });
      return;
    }
    const leftHi = hi.slice();
    leftHi[node.feature] = Math.min(hi[node.feature], node.threshold);
    const rightLo = lo.slice();
    rightLo[node.feature] = Math.max(lo[node.feature], node.threshold);
    walk(node.left, lo, leftHi);
    walk(node.right, rightLo, hi);
  };
  walk(tree, new Float64Array(d).fill(-Infinity), new Float64Array(d).fill(Infinity));
  return out;
}

/** The uniform measure on [0, 1] of (lo, hi]. */
function mass(lo: number, hi: number): number {
  return Math.max(0, Math.min(hi, 1) - Math.max(lo, 0));
}

/**
 * For one tree over `d` features: each feature's share of the prediction's variance explained by
 * that feature alone, Var(E[f | x_k]) / Var(f), exact for the piecewise-constant tree; undefined
 * when Var(f) = 0.
 */
export function singleParamShares(tree: TreeNode, d: number): Float64Array | undefined {
  const boxes = leaves(tree, d);
  const masses = boxes.map((b) => Float64Array.from({ length: d }, (_, k) => mass(b.lo[k], b.hi[k])));
  let mean = 0;
  let second = 0;
  for (let l = 0; l < boxes.length; l++) {
    const vol = masses[l].reduce((a, b) => a * b, 1);
    mean += boxes[l].value * vol;
    second += boxes[l].value * boxes[l].value * vol;
  }
  const variance = second - mean * mean;
  if (!(variance > 1e-14 * Math.max(1, second))) return undefined;

  const shares = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    // Cells of feature k: the intervals between its split points in [0, 1].
    const cuts = new Set<number>([0, 1]);
    for (const b of boxes) {
      for (const c of [b.lo[k], b.hi[k]]) if (c > 0 && c < 1) cuts.add(c);
    }
    const points = [...cuts].sort((a, b) => a - b);
    let marginalSecond = 0;
    for (let c = 1; c < points.length; c++) {
      const lo = points[c - 1];
      const hi = points[c];
      // E[f | x_k in this cell]: leaves covering the cell, weighted by their mass in the other features.
      const mid = (lo + hi) / 2;
      let e = 0;
      for (let l = 0; l < boxes.length; l++) {
        const b = boxes[l];
        if (!(b.lo[k] < mid && mid <= b.hi[k])) continue;
        let rest = 1;
        for (let q = 0; q < d; q++) if (q !== k) rest *= masses[l][q];
        e += b.value * rest;
      }
      marginalSecond += (hi - lo) * e * e;
    }
    shares[k] = Math.max(0, marginalSecond - mean * mean) / variance;
  }
  return shares;
}
