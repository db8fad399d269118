/**
 * A seeded random-forest regressor (CART trees on bootstrap samples, splits minimising squared
 * error at midpoints between distinct values, every feature considered at every node), as
 * scikit-learn's RandomForestRegressor with Optuna fANOVA's settings. Trees are kept as explicit
 * nodes so importance.ts can walk their leaves as boxes.
 */
import { permutation } from '../data/random.ts';

export type TreeNode =
  | { leaf: true; value: number }
  | { leaf: false; feature: number; threshold: number; left: TreeNode; right: TreeNode };

export interface ForestOptions {
  /** Trees (default 64). */
  trees?: number;
  /** Deepest split level (default 64). */
  maxDepth?: number;
  /** A node with fewer samples is a leaf (default 2). */
  minSamplesSplit?: number;
  /** Each side of a split keeps at least this many samples (default 1). */
  minSamplesLeaf?: number;
  /** Draws the bootstrap samples and the order features are tried in (ties go to the first). */
  random: () => number;
}

/** Fits a forest to rows `x` (each of the same length) and targets `y`. */
export function fitForest(x: readonly Float64Array[], y: ArrayLike<number>, options: ForestOptions): TreeNode[] {
  const n = x.length;
  if (n === 0) throw new Error('random forest: no samples to fit');
  const trees: TreeNode[] = [];
  for (let t = 0; t < (options.trees ?? 64); t++) {
    const sample = new Int32Array(n);
    for (let i = 0; i < n; i++) sample[i] = Math.floor(options.random() * n);
    trees.push(grow(x, y, sample, 0, options));
  }
  return trees;
}

export function predictTree(tree: TreeNode, row: ArrayLike<number>): number {
  let node = tree;
  while (!node.leaf) node = row[node.feature] <= node.threshold ? node.left : node.right;
  return node.value;
}

export function predictForest(trees: readonly TreeNode[], row: ArrayLike<number>): number {
  let s = 0;
  for (const t of trees) s += predictTree(t, row);
  return s / trees.length;
}

function grow(x: readonly Float64Array[], y: ArrayLike<number>, rows: Int32Array, depth: number, o: ForestOptions): TreeNode {
  const n = rows.length;
  let sum = 0;
  let sumSq = 0;
  for (const r of rows) {
    sum += y[r];
    sumSq += y[r] * y[r];
  }
  const leaf: TreeNode = { leaf: true, value: sum / n };
  const minLeaf = o.minSamplesLeaf ?? 1;
  if (n < (o.minSamplesSplit ?? 2) || n < 2 * minLeaf || depth >= (o.maxDepth ?? 64)) return leaf;
  const parentError = sumSq - (sum * sum) / n;
  if (parentError <= 1e-12 * Math.max(1, sumSq)) return leaf; // pure node

  let best: { feature: number; threshold: number; error: number } | undefined;
  const d = x[rows[0]].length;
  const order = Array.from(rows);
  for (const feature of permutation(d, o.random)) {
    order.sort((a, b) => x[a][feature] - x[b][feature]);
    let leftSum = 0;
    let leftSq = 0;
    for (let i = 0; i < n - 1; i++) {
      const v = y[order[i]];
      leftSum += v;
      leftSq += v * v;
      const here = x[order[i]][feature];
      const next = x[order[i + 1]][feature];
      if (here === next || i + 1 < minLeaf || n - i - 1 < minLeaf) continue;
      const nl = i + 1;
      const nr = n - nl;
      const rightSum = sum - leftSum;
      const error = leftSq - (leftSum * leftSum) / nl + (sumSq - leftSq) - (rightSum * rightSum) / nr;
      if (!best || error < best.error) best = { feature, threshold: (here + next) / 2, error };
    }
  }
  if (!best || best.error >= parentError) return leaf;
  const { feature, threshold } = best;
  const left = Int32Array.from(Array.from(rows).filter((r) => x[r][feature] <= threshold));
  const right = Int32Array.from(Array.from(rows).filter((r) => x[r][feature] > threshold));
  return { leaf: false, feature, threshold, left: grow(x, y, left, depth + 1, o), right: grow(x, y, right, depth + 1, o) };
}
