/**
 * Combining several models' class probabilities (each count × classes, row-major) into one
 * prediction: soft voting averages the probabilities; hard voting counts each model's top class.
 * Neither is weighted: any weighting of members would have to be fitted on validation data, never
 * on the test set these ensembles are scored on, so there is none here.
 */
import { computeMetrics, type Metrics } from './metrics.ts';

export class EnsembleError extends Error {
  override name = 'EnsembleError';
}

function checkMembers(members: readonly Float32Array[], k: number): number {
  if (!(Number.isInteger(k) && k > 0)) throw new EnsembleError(`ensemble: expected a positive number of classes, got ${k}`);
  if (members.length === 0) throw new EnsembleError('ensemble: no members; expected the probabilities of at least one model');
  const len = members[0].length;
  if (len % k !== 0) throw new EnsembleError(`ensemble: member 0 has ${len} probabilities, not a multiple of ${k} classes`);
  members.forEach((m, i) => {
    if (m.length !== len) throw new EnsembleError(`ensemble: member ${i} has ${m.length} probabilities but member 0 has ${len}; members must score the same images`);
  });
  return len / k;
}

/** Soft voting: the mean of the members' probabilities (summed in double precision). */
export function softVote(members: readonly Float32Array[], k: number): Float32Array {
  checkMembers(members, k);
  const sum = new Float64Array(members[0].length);
  for (const m of members) for (let i = 0; i < m.length; i++) sum[i] += m[i];
  return Float32Array.from(sum, (s) => s / members.length);
}

/**
 * Hard voting: each member votes for its most probable class (the first on an exact tie, as
 * argmaxRows); the class with the most votes wins, a tie in votes goes to the tied class with the
 * larger summed probability, and a tie in both to the lower class index.
 *
 * Returned as scores per class (each row sums to 1) whose argmax is that winner, so that
 * computeMetrics and top-k apply: score ∝ votes + summed probability / (members + 1). The summed
 * probability is below members + 1, so it orders classes only within the same vote count. The
 * scores are not calibrated probabilities: a hard vote's loss is reported on them, but only its
 * accuracy and confusion matrix mean the usual thing.
 */
export function hardVote(members: readonly Float32Array[], k: number): Float32Array {
  const n = checkMembers(members, k);
  const m = members.length;
  const out = new Float32Array(n * k);
  const votes = new Int32Array(k);
  const sums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    sums.fill(0);
    for (const p of members) {
      let best = 0;
      for (let j = 0; j < k; j++) {
        const v = p[i * k + j];
        sums[j] += v;
        if (v > p[i * k + best]) best = j;
      }
      votes[best]++;
    }
    // Each class's votes and sum are exact or summed in member order, so tied classes get equal scores.
    let total = 0;
    for (let j = 0; j < k; j++) total += votes[j] + sums[j] / (m + 1);
    // total = m + m / (m + 1) for rows that sum to 1; dividing by it normalises any rows.
    for (let j = 0; j < k; j++) out[i * k + j] = (votes[j] + sums[j] / (m + 1)) / total;
  }
  return out;
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) throw new EnsembleError('meanStd: no values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0 };
}

export interface EnsembleMetrics {
  /** Each member alone. */
  members: Metrics[];
  /** Members' accuracies: mean and sample standard deviation. */
  accuracy: { mean: number; std: number };
  hard: Metrics;
  soft: Metrics;
  /** The soft vote's probabilities (count × classes). */
  softProbs: Float32Array;
}

/** Every member's metrics, their mean ± std accuracy, and the hard- and soft-vote metrics, on `labels`. */
export function ensembleMetrics(members: readonly Float32Array[], labels: ArrayLike<number>, k: number): EnsembleMetrics {
  const n = checkMembers(members, k);
  if (labels.length !== n) throw new EnsembleError(`ensemble: ${labels.length} labels for ${n} scored images`);
  const each = members.map((p) => computeMetrics(p, labels, k));
  const softProbs = softVote(members, k);
  return {
    members: each,
    accuracy: meanStd(each.map((m) => m.accuracy)),
    hard: computeMetrics(hardVote(members, k), labels, k),
    soft: computeMetrics(softProbs, labels, k),
    softProbs,
  };
}
