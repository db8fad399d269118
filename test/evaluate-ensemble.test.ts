/**
 * Ensembles and test-time augmentation: hard and soft voting on hand-made probabilities (with
 * hand-computed results), TTA views against src/data/augment's transforms and a toy model whose
 * output is a known function of the image, and `fmnist ensemble` end to end on a real-data slice,
 * checked against the members' probabilities recomputed here from their stored models.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Augmenter, shiftFlip } from '../src/data/augment.ts';
import { loadDataset } from '../src/data/dataset.ts';
import { normalize } from '../src/data/preprocess.ts';
import { initBackend } from '../src/engine/index.ts';
import { ensembleMetrics, hardVote, meanStd, softVote } from '../src/evaluate/ensemble.ts';
import { computeMetrics } from '../src/evaluate/metrics.ts';
import { predictProbs } from '../src/evaluate/predict.ts';
import { applyView, parseTta, ttaProbs } from '../src/evaluate/tta.ts';
import { loadModel } from '../src/store/files.ts';
import { openStore } from '../src/store/index.ts';
import { fmnist, resultOf } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';

const f32 = (rows: number[][]) => Float32Array.from(rows.flat());
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `[${i}]: ${a[i]} vs ${b[i]}`);
};

// Three members, three images, three classes.
//  image 0: votes 0, 0, 1 — hard says 0; the probabilities average to [1/3, 0.6, 1/15] — soft says 1.
//  image 1: one vote each; summed probabilities 0.75, 1.2, 1.05 break the tie for class 1 (not class 0, the first).
//  image 2: all vote 2.
const M1 = f32([[0.5, 0.4, 0.1], [0.4, 0.35, 0.25], [0.1, 0.2, 0.7]]);
const M2 = f32([[0.5, 0.4, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6]]);
const M3 = f32([[0.0, 1.0, 0.0], [0.05, 0.45, 0.5], [0.0, 0.1, 0.9]]);
const LABELS = [0, 2, 2];

test('soft voting is the mean probability; hard voting counts argmax votes and breaks ties by summed probability', () => {
  close(softVote([M1, M2, M3], 3), [1 / 3, 0.6, 0.2 / 3, 0.25, 0.4, 0.35, 0.1, 0.5 / 3, 2.2 / 3]);
  // score = (votes + summed probability / 4) / 3.75, per row
  const hard = hardVote([M1, M2, M3], 3);
  close(hard, [2.25 / 3.75, 1.45 / 3.75, 0.05 / 3.75, 1.1875 / 3.75, 1.3 / 3.75, 1.2625 / 3.75, 0.075 / 3.75, 0.125 / 3.75, 3.55 / 3.75]);

  const e = ensembleMetrics([M1, M2, M3], LABELS, 3);
  // hard predicts 0, 1, 2 (images 0 and 2 right); soft predicts 1, 1, 2 (only image 2 right): they disagree on image 0.
  assert.deepEqual(e.hard.confusion, [[1, 0, 0], [0, 0, 0], [0, 1, 1]]);
  assert.equal(e.hard.accuracy, 2 / 3);
  assert.deepEqual(e.soft.confusion, [[0, 1, 0], [0, 0, 0], [0, 1, 1]]);
  assert.equal(e.soft.accuracy, 1 / 3);
  // Members alone: M1 predicts 0, 0, 2 (2 right); M2 0, 1, 2 (2 right); M3 1, 2, 2 (2 right).
  assert.deepEqual(e.members.map((m) => m.accuracy), [2 / 3, 2 / 3, 2 / 3]);
  close([e.accuracy.mean, e.accuracy.std], [2 / 3, 0], 1e-12);
  close([e.soft.loss], [-(Math.log(1 / 3) + Math.log(0.35) + Math.log(2.2 / 3)) / 3], 1e-6);
});

test('hard-vote ties: a tie in votes and in summed probability goes to the lower class; a member\'s own tie votes for its first top class', () => {
  const a = f32([[0.6, 0.4]]), b = f32([[0.4, 0.6]]);
  close(hardVote([a, b], 2), [0.5, 0.5]);
  assert.deepEqual(ensembleMetrics([a, b], [0], 2).hard.confusion, [[1, 0], [0, 0]]);
  assert.deepEqual(ensembleMetrics([b, a], [1], 2).hard.confusion, [[0, 0], [1, 0]]); // order of members does not matter
  // Member x ties between classes 1 and 2 and votes 1; member y votes 2; summed probability then favours 2.
  const x = f32([[0.2, 0.4, 0.4]]), y = f32([[0.0, 0.3, 0.7]]);
  const h = hardVote([x, y], 3);
  // votes [0, 1, 1], sums [0.2, 0.7, 1.1], score = (votes + sums / 3) / (2 + 2 / 3)
  close(h, [0.2 / 3 / (8 / 3), (1 + 0.7 / 3) / (8 / 3), (1 + 1.1 / 3) / (8 / 3)]);
});

test('voting rejects members that score different images, and meanStd is the sample standard deviation', () => {
  assert.throws(() => softVote([M1, f32([[1, 0, 0]])], 3), /member 1 has 3 probabilities but member 0 has 9; members must score the same images/);
  assert.throws(() => hardVote([], 3), /no members/);
  assert.throws(() => ensembleMetrics([M1], [0, 1], 3), /2 labels for 3 scored images/);
  const s = meanStd([0.9, 0.92, 0.94]);
  close([s.mean, s.std], [0.92, 0.02], 1e-12);
});

test('--tta parses flip and shift:N into views, with clear errors', () => {
  assert.deepEqual(parseTta('flip,shift:1').map((v) => [v.name, v.dx, v.dy, v.flip]),
    [['flip', 0, 0, true], ['right 1', 1, 0, false], ['left 1', -1, 0, false], ['down 1', 0, 1, false], ['up 1', 0, -1, false]]);
  assert.equal(parseTta('shift:1, shift:2').length, 8);
  assert.deepEqual(parseTta('none'), []);
  assert.throws(() => parseTta('flip,rot'), /^TtaError: --tta: unknown view 'rot' in 'flip,rot'; expected flip, shift:N/);
  assert.throws(() => parseTta('shift:0'), /'shift:0': expected shift:N with N a whole number of pixels ≥ 1, got '0'/);
  assert.throws(() => parseTta('shift:1.5'), /got '1\.5'/);
  assert.throws(() => parseTta('shift:'), /got ''/);
  assert.throws(() => parseTta('flip,shift:1,flip'), /the view 'flip' is listed twice/);
  assert.throws(() => applyView(new Float32Array(12), 1, { rows: 3, cols: 4 }, parseTta('shift:4')[0]), /shifts a 3×4 image out of sight/);
});

test('TTA views are src/data/augment\'s flip and shift', () => {
  const rows = 5, cols = 6, n = 3;
  const x = Float32Array.from({ length: n * rows * cols }, (_, i) => ((i * 37) % 101) / 100);
  const norm = { scaling: 'standardize' as const, mean: 0.3, std: 0.5 };
  const [flip, right] = parseTta('flip,shift:2');
  const flipped = applyView(x, n, { rows, cols, norm }, flip);
  const aug = new Augmenter({ flip: 1 }, { rows, cols, norm });
  const viaAugment = x.slice();
  for (let i = 0; i < n; i++) aug.augmentImage(viaAugment, i * rows * cols, () => 0); // flip: 1 always flips
  assert.deepEqual(flipped, viaAugment);
  // and a flip is a mirror of every row (a naive loop)
  for (let i = 0; i < n; i++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    assert.equal(flipped[(i * rows + r) * cols + c], x[(i * rows + r) * cols + cols - 1 - c]);
  }
  const shifted = applyView(x, n, { rows, cols, norm }, right);
  const expected = new Float32Array(x.length);
  for (let i = 0; i < n; i++) shiftFlip(x, i * rows * cols, expected, i * rows * cols, rows, cols, 2, 0, false, 'constant', -0.6);
  assert.deepEqual(shifted, expected);
  assert.equal(shifted[0], Math.fround(-0.6)); // black in the standardized scaling enters at the left
  assert.equal(shifted[2], x[0]);
  assert.deepEqual(applyView(x, n, { rows, cols }, { name: 'same', dx: 0, dy: 0, flip: false }), x);
});

test('TTA averages a known function of the image over the identity and each view', () => {
  const rows = 3, cols = 4;
  // The "model" outputs two numbers per image: its pixel (row 1, col 1) and its pixel (0, 0).
  const predict = (x: Float32Array, count: number) => {
    const out = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) { out[2 * i] = x[i * 12 + 5]; out[2 * i + 1] = x[i * 12]; }
    return out;
  };
  const img = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 0.15, 0.25, 0.35]];
  const x = Float32Array.from([...img.flat(), ...img.flat().map((v) => 1 - v)]);
  const views = parseTta('flip,shift:1');
  const I = (r: number, c: number) => img[r][c];
  // Pixel (1,1) under identity, flip (x -> 3 - x), right 1, left 1, down 1, up 1 reads input (1,1), (1,2), (1,0), (1,2), (0,1), (2,1).
  const centre = (I(1, 1) + I(1, 2) + I(1, 0) + I(1, 2) + I(0, 1) + I(2, 1)) / 6;
  // Pixel (0,0) reads (0,0), (0,3), black fill, (0,1), black fill, (1,0); black is 0 in unit scaling, -2 with mean 0.5, std 0.25.
  const corner = (fill: number) => (I(0, 0) + I(0, 3) + fill + I(0, 1) + fill + I(1, 0)) / 6;
  const p = ttaProbs(predict, x, 2, { rows, cols }, views);
  close(p.subarray(0, 2), [centre, corner(0)]);
  const q = ttaProbs(predict, x, 2, { rows, cols, norm: { scaling: 'standardize', mean: 0.5, std: 0.25 } }, views);
  close(q.subarray(0, 2), [centre, corner(-2)]);
  close(p.subarray(2, 4), [1 - centre, (6 - 6 * corner(0) - 2) / 6]); // the second image is 1 - img; its fills stay 0
  assert.deepEqual(ttaProbs(predict, x, 2, { rows, cols }, []), predict(x, 2));
});

test('fmnist ensemble end to end on a real slice: trains members, votes, stores; matches probabilities recomputed from the stored models', async () => {
  const data = realSlice(2000, 500);
  const store = tempDir('fmnist-ensemble-store-');
  const r = fmnist(['ensemble', '--model', 'mlp', '--members', '3', '--epochs', '2', '--seed', '7', '--tta', 'flip,shift:1',
    '--no-train-eval', '--data-dir', data, '--store', store, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const res = resultOf(r.stdout) as unknown as {
    id: string; files: string[]; members: { run: number; seed: number; accuracy: number; ttaAccuracy: number }[];
    plain: { accuracy: { mean: number; std: number }; hard: { accuracy: number }; soft: { accuracy: number; loss: number; confusion: number[][] } };
    tta: { soft: { accuracy: number; confusion: number[][] }; hard: { accuracy: number } };
  };
  assert.deepEqual(res.members.map((m) => m.seed), [7, 8, 9]);
  for (const f of ['ensemble.json', 'confusion-soft-vote.png', 'confusion-soft-vote-tta.png']) {
    assert.ok(existsSync(join(store, 'ensembles', res.id, f)), `${f} missing`);
  }
  const stored = JSON.parse(readFileSync(join(store, 'ensembles', res.id, 'ensemble.json'), 'utf8'));
  assert.deepEqual(stored.members.map((m: { run: number }) => m.run), res.members.map((m) => m.run));
  assert.equal(stored.plain.soft.accuracy, res.plain.soft.accuracy);

  // Recompute every member's test probabilities from its stored model, then vote here with plain loops.
  await initBackend();
  const ds = loadDataset({ dataDir: data });
  const x = normalize(ds.test.images, { scaling: 'unit', mean: 0, std: 1 });
  const n = ds.test.count, k = 10;
  const s = openStore(store);
  const probs: Float32Array[] = [];
  const ttaMean: Float32Array[] = [];
  // The views by hand: flip, then shifts by one pixel right, left, down, up, black (0) entering.
  const view = (fx: (r: number, c: number) => [number, number]) => {
    const out = new Float32Array(x.length);
    for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
      const [sr, sc] = fx(r, c);
      out[i * 784 + r * 28 + c] = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? x[i * 784 + sr * 28 + sc] : 0;
    }
    return out;
  };
  const views = [view((r, c) => [r, 27 - c]), view((r, c) => [r, c - 1]), view((r, c) => [r, c + 1]), view((r, c) => [r - 1, c]), view((r, c) => [r + 1, c])];
  try {
    for (const m of res.members) {
      const run = (await s.getRun(m.run))!;
      assert.equal(run.status, 'completed');
      assert.equal((run.config as { scaling: string }).scaling, 'unit');
      const model = await loadModel(join(s.runDir(m.run), 'model'));
      const p = predictProbs(model, x, n, [784]);
      const pv = views.map((v) => predictProbs(model, v, n, [784]));
      model.dispose();
      probs.push(p);
      ttaMean.push(Float32Array.from(p, (v, i) => (v + pv.reduce((a, q) => a + q[i], 0)) / 6));
      assert.equal(m.accuracy, run.metrics.test.accuracy, `member run ${m.run}: the stored run's own test accuracy`);
    }
  } finally {
    await s.close();
  }
  const mean = (ps: Float32Array[]) => Float32Array.from(ps[0], (_, i) => ps.reduce((a, p) => a + p[i], 0) / ps.length);
  const soft = computeMetrics(mean(probs), ds.test.labels, k);
  assert.deepEqual(res.plain.soft.confusion, soft.confusion);
  assert.equal(res.plain.soft.accuracy, soft.accuracy);
  assert.ok(Math.abs(res.plain.soft.loss - soft.loss) < 1e-5, `${res.plain.soft.loss} vs ${soft.loss}`);
  const ttaSoft = computeMetrics(mean(ttaMean), ds.test.labels, k);
  assert.deepEqual(res.tta.soft.confusion, ttaSoft.confusion);
  // Hard vote by counting: most votes, then the larger summed probability.
  const hardAcc = (ps: Float32Array[]) => {
    let right = 0;
    for (let i = 0; i < n; i++) {
      const votes = new Array(k).fill(0), sums = new Array(k).fill(0);
      for (const p of ps) {
        const row = Array.from(p.subarray(i * k, (i + 1) * k));
        votes[row.indexOf(Math.max(...row))]++;
        row.forEach((v, j) => { sums[j] += v; });
      }
      let best = 0;
      for (let j = 1; j < k; j++) if (votes[j] > votes[best] || (votes[j] === votes[best] && sums[j] > sums[best])) best = j;
      if (best === ds.test.labels[i]) right++;
    }
    return right / n;
  };
  assert.equal(res.plain.hard.accuracy, hardAcc(probs));
  assert.equal(res.tta.hard.accuracy, hardAcc(ttaMean));
  const accs = probs.map((p) => computeMetrics(p, ds.test.labels, k).accuracy);
  assert.deepEqual(res.members.map((m) => m.accuracy), accs);
  assert.ok(Math.abs(res.plain.accuracy.mean - accs.reduce((a, b) => a + b) / 3) < 1e-12);
  // Two epochs of an MLP on 2,000 images: members near 75 %, the soft vote no worse than the weakest.
  assert.ok(res.plain.soft.accuracy >= Math.min(...accs), `soft ${res.plain.soft.accuracy} vs members ${accs}`);

  // The same runs again as stored runs, with the printed table.
  const ids = res.members.map((m) => m.run).join(',');
  const t = fmnist(['ensemble', '--runs', ids, '--store', store]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, new RegExp(`member 1\\s+${res.members[0].run}\\s+mlp\\s+7\\s+${(100 * accs[0]).toFixed(2)}%`));
  assert.match(t.stdout, new RegExp(`hard vote\\s+${(100 * res.plain.hard.accuracy).toFixed(2)}%`));
  assert.match(t.stdout, new RegExp(`soft vote\\s+${(100 * soft.accuracy).toFixed(2)}%`));
  assert.match(t.stdout, /mean ± std\s+\d+\.\d\d% ± \d+\.\d\d/);
  assert.match(t.stdout, /stored in .*ensembles\//);

  // One run under TTA through fmnist eval scores what the ensemble reported for that member.
  const one = fmnist(['eval', String(res.members[1].run), '--tta', 'flip,shift:1', '--store', store, '--json']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).accuracy, res.members[1].ttaAccuracy);
  const plainEval = fmnist(['eval', String(res.members[1].run), '--store', store, '--json']);
  assert.equal(JSON.parse(plainEval.stdout).accuracy, res.members[1].accuracy);

  // Errors: an unknown run; a run trained on other data (a different --limit-train of the same files); too few runs.
  const other = fmnist(['train', '--model', 'mlp', '--epochs', '1', '--limit-train', '1000', '--no-train-eval', '--data-dir', data, '--store', store, '--json']);
  assert.equal(other.status, 0, other.stderr);
  const otherId = resultOf(other.stdout).run;
  const first = res.members[0].run;
  const cases: [string[], RegExp][] = [
    [['--runs', `${first},999`], /^error: run 999 not found in /m],
    [['--runs', `${first},${otherId}`], new RegExp(`^error: runs ${first} and ${otherId} were trained on different data \\(sha256 [0-9a-f]{12}… vs [0-9a-f]{12}…`, 'm')],
    [['--runs', `${first}`], /^error: an ensemble needs at least 2 runs, got 1$/m],
    [['--runs', `${first},${first}`], new RegExp(`^error: run ${first} is listed twice`, 'm')],
    [['--runs', ids, '--epochs', '3'], /^error: --epochs: only for training new members/m],
    [['--model', 'mlp'], /^error: --model needs --members N/m],
    [['--runs', ids, '--tta', 'flip,zoom'], /unknown view 'zoom'/],
  ];
  for (const [args, re] of cases) {
    const e = fmnist(['ensemble', ...args, '--store', store]);
    assert.notEqual(e.status, 0, args.join(' '));
    assert.match(e.stderr, re);
    assert.doesNotMatch(e.stderr, /\n\s+at /);
  }
});
