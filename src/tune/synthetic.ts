/**
 * Standard test objectives with known minima, for checking samplers (tests, `npm run bench --
 * tuning`). The Optuna peer (bench/peers/optuna_tune.py) defines the same spaces and functions.
 */
import { parseSpace } from './space.ts';
import type { Params, SearchSpace } from './types.ts';

export interface SyntheticObjective {
  name: string;
  about: string;
  space: SearchSpace;
  /** To minimise. */
  fn(params: Params): number;
  /** The global minimum. */
  optimum: number;
}

const num = (p: Params, name: string) => p[name] as number;

/** Branin-Hoo on [−5, 10] × [0, 15]: three global minima of 0.397887. */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

/** Hartmann-6 on [0, 1]⁶: minimum −3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). */
export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
    sum += H6_ALPHA[i] * Math.exp(-inner);
  }
  return -sum;
}

/** Rosenbrock in n dimensions: minimum 0 at (1, …, 1). */
export function rosenbrock(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < x.length; i++) sum += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
  return sum;
}

const H6_NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];

export const SYNTHETIC: Record<string, SyntheticObjective> = {
  branin: {
    name: 'branin',
    about: 'Branin-Hoo, 2 floats',
    space: parseSpace({ x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }),
    fn: (p) => branin(num(p, 'x1'), num(p, 'x2')),
    optimum: 0.397887,
  },
  hartmann6: {
    name: 'hartmann6',
    about: 'Hartmann-6, 6 floats in [0, 1]',
    space: parseSpace(Object.fromEntries(H6_NAMES.map((n) => [n, { type: 'float', low: 0, high: 1 }]))),
    fn: (p) => hartmann6(H6_NAMES.map((n) => num(p, n))),
    optimum: -3.32237,
  },
  conditional: {
    name: 'conditional',
    about: 'a choice of three branches with their own parameters (log float, stepped int, floats)',
    space: parseSpace({
      branch: { type: 'choice', values: ['quad', 'log', 'flat'] },
      x: { type: 'float', low: -5, high: 5, when: { param: 'branch', equals: 'quad' } },
      y: { type: 'float', low: -5, high: 5, when: { param: 'branch', equals: 'quad' } },
      lr: { type: 'float', low: 1e-5, high: 1, log: true, when: { param: 'branch', equals: 'log' } },
      width: { type: 'int', low: 8, high: 512, step: 8, when: { param: 'branch', equals: 'log' } },
      c: { type: 'float', low: 0, high: 1, when: { param: 'branch', equals: 'flat' } },
    }),
    // quad: min 1 at (1, −2); log: min 0 at lr = 1e-3, width = 200; flat: min 2.
    fn: (p) => {
      if (p.branch === 'quad') return (num(p, 'x') - 1) ** 2 + (num(p, 'y') + 2) ** 2 + 1;
      if (p.branch === 'log') return (Math.log10(num(p, 'lr')) + 3) ** 2 + ((num(p, 'width') - 200) / 100) ** 2;
      return 2 + num(p, 'c');
    },
    optimum: 0,
  },
  'rosenbrock4-log': {
    name: 'rosenbrock4-log',
    about: 'Rosenbrock-4 on log-scaled [0.01, 10]⁴',
    space: parseSpace(Object.fromEntries(['x1', 'x2', 'x3', 'x4'].map((n) => [n, { type: 'float', low: 0.01, high: 10, log: true }]))),
    fn: (p) => rosenbrock(['x1', 'x2', 'x3', 'x4'].map((n) => num(p, n))),
    optimum: 0,
  },
};
