import { test } from 'node:test';
import assert from 'node:assert/strict';
import { askParams, optimize } from '../src/tune/optimize.ts';
import { GridSampler } from '../src/tune/samplers/grid.ts';
import { createSampler } from '../src/tune/samplers/index.ts';
import { logNormalCdf, normalCdf, normalPpf, truncnormLogPdf, truncnormSample } from '../src/tune/samplers/normal.ts';
import { defaultWeights, ParzenEstimator } from '../src/tune/samplers/parzen.ts';
import { defaultGamma, splitTrials } from '../src/tune/samplers/tpe.ts';
import { gridPoints, parseSpace, validateParams } from '../src/tune/space.ts';
import { branin, hartmann6, rosenbrock, SYNTHETIC } from '../src/tune/synthetic.ts';
import type { Params, Sampler, Trial } from '../src/tune/types.ts';
import { mulberry32 } from '../src/data/random.ts';

const SPACE = parseSpace({
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  optimizer: ['adam', 'sgd', 'rmsprop'],
  num_layers: { type: 'int', low: 1, high: 3 },
  units_3: { type: 'int', low: 32, high: 256, step: 32, when: { param: 'num_layers', gte: 3 } },
  momentum: { type: 'float', low: 0, high: 0.9, step: 0.1, when: { param: 'optimizer', equals: 'sgd' } },
  dropout: { type: 'bool' },
  act: 'relu',
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const key = (p: Params) => JSON.stringify(p);

test('synthetic objectives reach their known minima at the known minimisers', () => {
  for (const [x1, x2] of [[-Math.PI, 12.275], [Math.PI, 2.275], [9.42478, 2.475]]) assert.ok(Math.abs(branin(x1, x2) - 0.397887) < 1e-5);
  assert.ok(Math.abs(hartmann6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]) - -3.32237) < 1e-5);
  assert.equal(rosenbrock([1, 1, 1, 1]), 0);
  const cond = SYNTHETIC.conditional;
  assert.equal(cond.fn({ branch: 'log', lr: 1e-3, width: 200 }), 0);
  assert.equal(cond.fn({ branch: 'quad', x: 1, y: -2 }), 1);
  validateParams(cond.space, { branch: 'log', lr: 1e-3, width: 200 });
});

test('grid: every point exactly once per pass, the same order in every worker, then it wraps', () => {
  const points = gridPoints(SPACE, { floatPoints: 3 });
  // lr 3 × optimizer (adam 1, sgd 10 momenta, rmsprop 1) × num_layers (1 + 1 + 8) × dropout 2
  assert.equal(points.length, 3 * 12 * 10 * 2);
  const a = new GridSampler({ seed: 5, floatPoints: 3 });
  const b = new GridSampler({ seed: 5, floatPoints: 3 });
  assert.equal(a.size(SPACE), points.length);
  const seen = new Set<string>();
  const n = points.length;
  for (let k = 0; k < n; k++) {
    const p = askParams(a, SPACE, [], 'minimize', k, 0);
    assert.deepEqual(b.pointFor(SPACE, k), p);
    seen.add(key(p));
  }
  assert.deepEqual([...seen].sort(), points.map(key).sort());
  assert.deepEqual(a.pointFor(SPACE, n + 7), a.pointFor(SPACE, 7));
  // Another seed, another order; trial order, not input order.
  const c = new GridSampler({ seed: 6, floatPoints: 3 });
  const firstTen = (s: GridSampler) => Array.from({ length: 10 }, (_, k) => key(s.pointFor(SPACE, k)));
  assert.notDeepEqual(firstTen(c), firstTen(a));
  assert.notDeepEqual(firstTen(a), points.slice(0, 10).map(key));
});

test('random: in bounds, on steps, log-uniform, every value reachable, conditions respected', () => {
  const sampler = createSampler('random');
  const trials: Params[] = [];
  for (let k = 0; k < 3000; k++) trials.push(askParams(sampler, SPACE, [], 'minimize', k, 42));
  const lrs = trials.map((p) => p.lr as number);
  assert.ok(lrs.every((x) => x >= 1e-4 && x <= 1e-1));
  // Log-uniform: a third of the draws in each decade.
  for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]]) {
    const share = lrs.filter((x) => x >= lo && x < hi).length / lrs.length;
    assert.ok(Math.abs(share - 1 / 3) < 0.04, `decade ${lo}: ${share}`);
  }
  const counts = (name: string) => {
    const m = new Map<unknown, number>();
    for (const p of trials) if (name in p) m.set(p[name], (m.get(p[name]) ?? 0) + 1);
    return m;
  };
  assert.deepEqual([...counts('num_layers').keys()].sort(), [1, 2, 3]);
  for (const c of counts('num_layers').values()) assert.ok(Math.abs(c / 3000 - 1 / 3) < 0.04);
  assert.deepEqual([...counts('units_3').keys()].sort((x, y) => (x as number) - (y as number)), [32, 64, 96, 128, 160, 192, 224, 256]);
  assert.deepEqual([...counts('momentum').keys()].sort(), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual([...counts('optimizer').keys()].sort(), ['adam', 'rmsprop', 'sgd']);
  for (const p of trials) {
    assert.equal('units_3' in p, p.num_layers === 3);
    assert.equal('momentum' in p, p.optimizer === 'sgd');
    assert.equal(p.act, 'relu');
  }
});

test('TPE helpers: gamma, weights and the below/above split match Optuna 3.1', () => {
  assert.deepEqual([1, 10, 11, 29, 30, 31, 250, 251, 1000].map(defaultGamma), [1, 1, 2, 3, 3, 4, 25, 25, 25]);
  assert.deepEqual(defaultWeights(3), [1, 1, 1]);
  const w = defaultWeights(30);
  assert.equal(w.length, 30);
  assert.deepEqual(w.slice(0, 5).map((x) => +x.toFixed(6)), [1 / 30, 0.275, 0.516667, 0.758333, 1].map((x) => +x.toFixed(6)));
  assert.ok(w.slice(5).every((x) => x === 1));

  const t = (number: number, state: Trial['state'], value?: number, steps: [number, number][] = []): Trial =>
    ({ number, state, params: {}, value, intermediate: new Map(steps) });
  const trials = [
    t(0, 'complete', 5),
    t(1, 'pruned', 0.1, [[1, 0.3], [2, 0.1]]), // pruned at step 2 with 0.1
    t(2, 'complete', 3),
    t(3, 'running'),
    t(4, 'pruned', 9, [[1, 9], [2, 9], [3, 9]]), // pruned later (step 3): ranks before step-2 ones
    t(5, 'failed'),
    t(6, 'pruned'), // nothing reported: last
    t(7, 'complete', 4),
    t(8, 'pruned', 0.2, [[1, 0.2], [2, 0.25]]),
  ];
  // Finished: 0, 1, 2, 4, 6, 7, 8. Ranked: complete 2 (3), 7 (4), 0 (5); step 3: 4; step 2: 1 (0.1), 8 (0.25); then 6.
  const below = (n: number, dir: 'minimize' | 'maximize' = 'minimize') =>
    splitTrials(trials, dir, () => n).filter((r) => r.below).map((r) => r.trial.number);
  assert.deepEqual(splitTrials(trials, 'minimize', () => 0).map((r) => r.trial.number), [0, 1, 2, 4, 6, 7, 8]);
  assert.deepEqual(below(2), [2, 7]);
  assert.deepEqual(below(4), [0, 2, 4, 7]);
  assert.deepEqual(below(5), [0, 1, 2, 4, 7]);
  assert.deepEqual(below(6), [0, 1, 2, 4, 7, 8]);
  assert.deepEqual(below(2, 'maximize'), [0, 7]);
  assert.deepEqual(below(5, 'maximize'), [0, 2, 4, 7, 8]); // among step-2 pruned, 0.25 beats 0.1 when maximising
});

test('Parzen estimator: bandwidths, prior and categorical weights as hand-computed', () => {
  const opts = { considerPrior: true, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, multivariate: false };
  // Observations 0.1, 0.7 and the prior at 0.5: sorted with the ends 0 | 0.1 0.5 0.7 | 1. Larger gap
  // to a neighbour: 0.4, 0.4, 0.3, but the outer points use their inner gap (0.4, 0.2); magic clip
  // raises 0.2 to 1/(1 + 3); the prior gets σ = 1.
  const mus = [0.1, 0.7, 0.5];
  const sigmas = [0.4, 0.25, 1];
  for (const normalizedDensity of [false, true]) {
    const pe = new ParzenEstimator([{ kind: 'numeric' }], [[0.1], [0.7]], [1, 1], { ...opts, normalizedDensity });
    assert.deepEqual(pe.weights, [1 / 3, 1 / 3, 1 / 3]);
    for (const x of [0, 0.3, 0.69, 1]) {
      // Optuna 3.1 leaves −log σ out of each component (normalizedDensity adds it back).
      const expected = Math.log(mus.reduce((s, mu, c) =>
        s + Math.exp(truncnormLogPdf(x, mu, sigmas[c], 0, 1) + (normalizedDensity ? 0 : Math.log(sigmas[c]))) / 3, 0));
      assert.ok(Math.abs(pe.logPdf([[x]])[0] - expected) < 1e-12, `x ${x}`);
    }
  }
  // A discrete dimension (4 values, slices of ¼) scores the mass of the slice; the masses sum to 1.
  const discrete = new ParzenEstimator([{ kind: 'numeric', q: 0.25 }], [[0.125], [0.625]], [1, 1], opts);
  const total = [0.125, 0.375, 0.625, 0.875].reduce((s, x) => s + Math.exp(discrete.logPdf([[x]])[0]), 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
  // Categories: observations 0, 0, 2 of 3; each component puts 1 + ¼ on its own category and ¼ on
  // the others, the prior ⅓ everywhere: P(1) = ¾ · (¼ / 1¾) + ¼ · ⅓ = 4/21.
  const cat = new ParzenEstimator([{ kind: 'categorical', k: 3 }], [[0], [0], [2]], [1, 1, 1], opts);
  assert.ok(Math.abs(Math.exp(cat.logPdf([[1]])[0]) - 4 / 21) < 1e-12);
  assert.ok(Math.abs(Math.exp(cat.logPdf([[0]])[0]) - (2 / 4 * (1.25 / 1.75) + 1 / 4 * (0.25 / 1.75) + 1 / 12)) < 1e-12);
  // Ramped weights: older observations count less.
  const ramped = new ParzenEstimator([{ kind: 'numeric' }], [[0.2], [0.8]], [0.5, 1], opts);
  assert.deepEqual(ramped.weights, [0.2, 0.4, 0.4]);
});

test('normal distribution: CDF, log CDF, quantiles and truncated draws against references', () => {
  // References: Python's math.erfc, statistics.NormalDist.inv_cdf, SciPy's log_ndtr (via Optuna).
  const close = (a: number, b: number, rel: number) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);
  close(normalCdf(-1), 0.15865525393145707, 1e-14);
  close(normalCdf(0.3), 0.6179114221889526, 1e-14);
  close(normalCdf(-5), 2.866515718791946e-7, 1e-9);
  close(normalCdf(-30), 4.906713927148764e-198, 1e-9);
  close(logNormalCdf(-40), -804.6084420137538, 1e-14);
  close(logNormalCdf(-19), -184.36612866916093, 1e-12);
  close(logNormalCdf(7), -1.279812543885835e-12, 1e-8);
  close(normalPpf(1e-10), -6.361340902404056, 1e-14);
  close(normalPpf(0.3), -0.5244005127080407, 1e-14);
  close(normalPpf(0.999999), 4.753424308817089, 1e-14);
  // Truncated draws: the sample mean matches the mean of the density integrated numerically, also
  // for a component whose interval lies far in its tail.
  for (const [mu, sigma] of [[0.9, 0.5], [0.5, 0.05], [-0.3, 0.1], [1.8, 0.2]]) {
    let mass = 0;
    let first = 0;
    const steps = 20000;
    for (let i = 0; i <= steps; i++) {
      const x = i / steps;
      const w = (i === 0 || i === steps ? 0.5 : 1) * Math.exp(truncnormLogPdf(x, mu, sigma, 0, 1)) / steps;
      mass += w;
      first += w * x;
    }
    close(mass, 1, 1e-6);
    const rand = mulberry32(3);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = truncnormSample(rand(), mu, sigma, 0, 1);
      assert.ok(x >= 0 && x <= 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / n - first) < 0.005, `mu ${mu} sigma ${sigma}: ${sum / n} vs ${first}`);
  }
});

/** Median best value over `seeds` studies of `trials` trials. */
function medianBest(sampler: () => Sampler, objective: (typeof SYNTHETIC)[string], seeds: number, trials: number): number {
  const bests: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    bests.push(optimize({ space: objective.space, sampler: sampler(), trials, seed, objective: objective.fn }).best!.value!);
  }
  return median(bests);
}

test('TPE (independent and multivariate) beats random search over 10 seeds at 60 trials', () => {
  for (const name of ['branin', 'hartmann6', 'conditional'] as const) {
    const objective = SYNTHETIC[name];
    const random = medianBest(() => createSampler('random'), objective, 10, 60);
    for (const tpe of ['tpe', 'tpe-mv'] as const) {
      const best = medianBest(() => createSampler(tpe), objective, 10, 60);
      assert.ok(best < random, `${name}: ${tpe} median best ${best} not below random's ${random}`);
      assert.ok(best >= objective.optimum - 1e-6, `${name}: ${tpe} below the known optimum`);
    }
  }
});

test('TPE local steps: even trials after the 30th redraw the incumbent around itself with the below set\'s spread', () => {
  const space = parseSpace({ a: { type: 'float', low: 0, high: 10 }, lr: { type: 'float', low: 1e-4, high: 1e-1, log: true }, opt: ['x', 'y', 'z'] });
  const f = (p: Params) => ((p.a as number) - 5) ** 2 / 25 + (Math.log10(p.lr as number) + 2.5) ** 2 + (p.opt === 'y' ? 0 : 1);
  const r = mulberry32(7);
  const trials: Trial[] = [];
  for (let number = 0; number < 40; number++) {
    // Trial 0 is the incumbent (value 0), mid-range so truncation at the bounds is negligible.
    const params = number === 0 ? { a: 5, lr: 10 ** -2.5, opt: 'y' } : { a: 10 * r(), lr: 10 ** (-4 + 3 * r()), opt: ['x', 'y', 'z'][Math.floor(3 * r())] };
    trials.push({ number, state: 'complete', params, value: f(params), intermediate: new Map() });
  }
  // By hand: the below set is the best ⌈0.1·40⌉ = 4; σ per parameter is their sample std in [0, 1] units.
  const below = [...trials].sort((x, y) => x.value! - y.value!).slice(0, 4);
  const sd = (xs: number[]) => {
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  };
  const units = { a: (p: Params) => (p.a as number) / 10, lr: (p: Params) => (Math.log10(p.lr as number) + 4) / 3 };
  const ask = (options: Record<string, unknown>, trialNumber: number, seed: number) =>
    createSampler('tpe', options).sample({ space, trials, direction: 'minimize', trialNumber, random: mulberry32(seed) });
  for (const [name, unit] of Object.entries(units)) {
    const draws = Array.from({ length: 4000 }, (_, seed) => ask({}, 40, seed));
    assert.ok(draws.every((p) => p.opt === 'y'), 'choices are the incumbent\'s');
    const us = draws.map(unit);
    const sigma = sd(below.map((t) => unit(t.params)));
    const mean = us.reduce((a, x) => a + x, 0) / us.length;
    assert.ok(Math.abs(mean - 0.5) < 4 * sigma / Math.sqrt(us.length), `${name}: mean ${mean}, expected 0.5 (σ ${sigma})`);
    assert.ok(Math.abs(sd(us) / sigma - 1) < 0.05, `${name}: spread ${sd(us)}, expected ${sigma}`);
  }
  // Odd trials, steps switched off, or fewer finished trials than localStepsAfter: TPE's own proposal.
  for (let seed = 0; seed < 20; seed++) {
    const tpe = ask({ localSteps: false }, 40, seed);
    assert.deepEqual(ask({}, 41, seed), tpe);
    assert.deepEqual(ask({ localStepsAfter: 41 }, 40, seed), tpe);
    assert.notDeepEqual(ask({}, 40, seed), tpe);
  }
});

test('TPE local steps lower the median best value on smooth objectives (50 seeds, 60 trials)', () => {
  for (const name of ['branin', 'hartmann6'] as const) {
    for (const tpe of ['tpe', 'tpe-mv'] as const) {
      const withSteps = medianBest(() => createSampler(tpe), SYNTHETIC[name], 50, 60);
      const without = medianBest(() => createSampler(tpe, { localSteps: false }), SYNTHETIC[name], 50, 60);
      assert.ok(withSteps < without, `${name} ${tpe}: ${withSteps} with local steps, ${without} without`);
    }
  }
});

test('TPE on a conditional space: only active parameters, most trials in the best branch, deterministic per seed', () => {
  const objective = SYNTHETIC.conditional;
  for (const tpe of ['tpe', 'tpe-mv'] as const) {
    const run = (seed: number) => optimize({ space: objective.space, sampler: createSampler(tpe), trials: 50, seed, objective: objective.fn });
    const a = run(1);
    for (const trial of a.trials) {
      validateParams(objective.space, trial.params); // askParams checks too; exactly the active ones
      const branch = trial.params.branch;
      assert.equal('lr' in trial.params, branch === 'log');
      assert.equal('x' in trial.params, branch === 'quad');
      assert.equal('c' in trial.params, branch === 'flat');
    }
    // After the 10 random startup trials TPE mostly works the branch holding the optimum.
    const later = a.trials.slice(10);
    assert.ok(later.filter((t) => t.params.branch === 'log').length > later.length / 2, tpe);
    assert.deepEqual(run(1).trials.map((t) => t.params), a.trials.map((t) => t.params));
    assert.notDeepEqual(run(2).trials.map((t) => t.params), a.trials.map((t) => t.params));
  }
});

test('TPE uses pruned trials and handles maximisation, steps, logs and categories', () => {
  // Maximise −(distance to a target): the best values found should approach the target's region.
  const space = SPACE;
  const target = (p: Params) => -((Math.log10(p.lr as number) + 2) ** 2) - (p.optimizer === 'adam' ? 0 : 1) - (p.dropout ? 0 : 0.5)
    - (p.num_layers === 3 ? Math.abs((p.units_3 as number) - 128) / 64 : 1);
  const res = optimize({ space, sampler: createSampler('tpe'), direction: 'maximize', trials: 60, seed: 3, objective: (p, trial) => {
    const v = target(p);
    trial.report(1, v);
    return v;
  } });
  const later = res.trials.slice(30);
  assert.ok(later.filter((t) => t.params.optimizer === 'adam').length > 20);
  assert.ok(later.filter((t) => t.params.dropout === true).length > 20);
  // lr concentrates around 1e-2 (random search puts a third of its draws within half a decade).
  const nearLr = later.filter((t) => Math.abs(Math.log10(t.params.lr as number) + 2) < 0.5).length;
  assert.ok(nearLr > 0.6 * later.length, `${nearLr} of ${later.length}`);
  // Half the trials pruned (with intermediate values): TPE still samples valid parameters.
  const pruner = { name: 'every-other', shouldPrune: (t: Trial) => t.number % 2 === 1 };
  const pruned = optimize({ space, sampler: createSampler('tpe-mv'), pruner, trials: 30, seed: 4, objective: (p, trial) => {
    trial.report(1, target(p));
    return target(p);
  } });
  assert.equal(pruned.trials.filter((t) => t.state === 'pruned').length, 15);
  assert.ok(pruned.trials.every((t) => t.state !== 'pruned' || t.value === target(t.params)));
});

test('createSampler: names and options are checked', () => {
  assert.equal(createSampler('tpe-mv').name, 'tpe-mv');
  assert.throws(() => createSampler('bayes'), { message: 'unknown sampler "bayes": expected one of grid, random, tpe, tpe-mv, gp' });
  assert.throws(() => createSampler('tpe', { nStartup: 5 }), /^Error: tpe sampler: unknown option "nStartup" \(accepted: seed, nStartupTrials, /);
  assert.throws(() => createSampler('tpe', { localStepsAfter: -3 }), { message: 'tpe sampler: localStepsAfter must be an integer >= 0, got -3' });
  assert.throws(() => createSampler('tpe-mv', { localSteps: 'no' }), { message: 'tpe-mv sampler: localSteps must be true or false, got "no"' });
  assert.throws(() => createSampler('gp', { candidates: 0 }), { message: 'gp sampler: candidates must be an integer >= 1, got 0' });
  assert.throws(() => createSampler('tpe', { priorWeight: '1' }), { message: 'tpe sampler: priorWeight must be a number > 0, got "1"' });
  assert.equal(createSampler('tpe', { localSteps: false, localStepsAfter: 0, priorWeight: 0.5 }).name, 'tpe');
});
