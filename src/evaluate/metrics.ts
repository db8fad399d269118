/**
 * Classification metrics from predicted probabilities (row-major N × K) and integer labels.
 * Definitions follow scikit-learn: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their
 * harmonic mean, 0 where undefined; macro = unweighted mean over classes, weighted = support-weighted.
 */

export interface ClassMetrics { precision: number; recall: number; f1: number; support: number }

export interface Metrics {
  count: number;
  accuracy: number;
  /** Mean cross-entropy of the true class, with probabilities clipped to [1e-7, 1]. */
  loss: number;
  top3: number;
  perClass: ClassMetrics[];
  macro: ClassMetrics;
  weighted: ClassMetrics;
  /** confusion[true][predicted] */
  confusion: number[][];
}

export function argmaxRows(probs: Float32Array, k: number): Int32Array {
  const n = probs.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** Fraction of rows whose true class is among the `topK` largest probabilities (ties count against). */
export function topKAccuracy(probs: Float32Array, labels: ArrayLike<number>, k: number, topK: number): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i * k + labels[i]];
    let larger = 0;
    for (let j = 0; j < k; j++) if (probs[i * k + j] > p) larger++;
    if (larger < topK) hits++;
  }
  return labels.length ? hits / labels.length : 0;
}

export function crossEntropy(probs: Float32Array, labels: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(Math.min(1, Math.max(1e-7, probs[i * k + labels[i]])));
  return labels.length ? sum / labels.length : 0;
}

export function perClassMetrics(confusion: number[][]): ClassMetrics[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += confusion[r][c];
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

function average(per: ClassMetrics[], weighted: boolean): ClassMetrics {
  const total = per.reduce((a, m) => a + m.support, 0);
  const w = (m: ClassMetrics) => (weighted ? (total ? m.support / total : 0) : 1 / per.length);
  const mean = (f: (m: ClassMetrics) => number) => per.reduce((a, m) => a + w(m) * f(m), 0);
  return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1), support: total };
}

export function computeMetrics(probs: Float32Array, labels: ArrayLike<number>, k: number): Metrics {
  if (probs.length !== labels.length * k) {
    throw new Error(`metrics: ${probs.length} probabilities for ${labels.length} labels and ${k} classes; expected ${labels.length * k}`);
  }
  const predicted = argmaxRows(probs, k);
  const confusion = confusionMatrix(labels, predicted, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c][c];
  const perClass = perClassMetrics(confusion);
  return {
    count: labels.length,
    accuracy: labels.length ? correct / labels.length : 0,
    loss: crossEntropy(probs, labels, k),
    top3: topKAccuracy(probs, labels, k, Math.min(3, k)),
    perClass,
    macro: average(perClass, false),
    weighted: average(perClass, true),
    confusion,
  };
}

/** Off-diagonal confusion cells, largest first: which classes are mistaken for which. */
export function mostConfused(confusion: number[][], top = 5): { trueClass: number; predicted: number; count: number }[] {
  const cells: { trueClass: number; predicted: number; count: number }[] = [];
  confusion.forEach((row, t) => row.forEach((count, p) => { if (t !== p && count > 0) cells.push({ trueClass: t, predicted: p, count }); }));
  return cells.sort((a, b) => b.count - a.count || a.trueClass - b.trueClass || a.predicted - b.predicted).slice(0, top);
}
