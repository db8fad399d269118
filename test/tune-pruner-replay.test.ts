/** Pruner replays over recorded learning curves, checked against decisions worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../src/data/random.ts';
import { MedianPruner } from '../src/tune/pruners/index.ts';
import { bestCurve, parsePrunerSpec, replayOrders, replayPruner, type Curve } from '../src/tune/pruner-replay.ts';

// B starts worst and ends best; A and C are steady.
const curves: Curve[] = [
  { number: 0, values: [0.5, 0.6, 0.7] }, // A
  { number: 1, values: [0.4, 0.5, 0.9] }, // B
  { number: 2, values: [0.6, 0.7, 0.8] }, // C
];
const median = () => new MedianPruner({ nStartupTrials: 1 });

test('replay in order A, B, C: B is below the median of A at step 1 and stops there', () => {
  const r = replayPruner(median(), curves, [0, 1, 2], 'last', 'maximize');
  assert.deepEqual(r.pruned, [1]);
  assert.equal(r.steps, 3 + 1 + 3);
  assert.equal(r.fullSteps, 9);
  assert.equal(r.bestKept, false);
  assert.equal(r.bestValue, 0.8);
});

test('replay in order B, A, C: nothing is pruned and the best trial survives', () => {
  const r = replayPruner(median(), curves, [1, 0, 2], 'last', 'maximize');
  assert.deepEqual(r.pruned, []);
  assert.equal(r.steps, 9);
  assert.equal(r.bestKept, true);
  assert.equal(r.bestValue, 0.9);
});

test('the last step is never judged, and objective "best" takes a curve\'s best value', () => {
  // Warm-up spares step 1; at step 2, the last, the second trial is far below the first but not judged.
  const late: Curve[] = [{ number: 0, values: [0.9, 0.95] }, { number: 1, values: [0.5, 0.6] }];
  const r = replayPruner(new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 2 }), late, [0, 1], 'last', 'maximize');
  assert.deepEqual(r.pruned, []);
  assert.equal(r.steps, 4);
  const longer: Curve[] = [{ number: 0, values: [0.9, 0.95, 0.96] }, { number: 1, values: [0.5, 0.6, 0.7] }];
  assert.deepEqual(replayPruner(new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 2 }), longer, [0, 1], 'last', 'maximize').pruned, [1]);
  const peaked: Curve[] = [{ number: 0, values: [0.3, 0.9, 0.2] }, { number: 1, values: [0.3, 0.5, 0.6] }];
  assert.equal(bestCurve(peaked, 'best', 'maximize'), 0);
  assert.equal(bestCurve(peaked, 'last', 'maximize'), 1);
  assert.equal(bestCurve(peaked, 'last', 'minimize'), 0);
});

test('random orders: shares match an exhaustive count over the six orders', () => {
  // By hand: B first (B,A,C and B,C,A) prunes nothing. Otherwise B stops at step 1 (2 of 9 steps
  // saved after A,C or A alone); after C alone A stops at step 1 too (C,A,B and C,B,A: 4 of 9).
  const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  let kept = 0;
  let saved = 0;
  for (const o of orders) {
    const r = replayPruner(median(), curves, o, 'last', 'maximize');
    if (r.bestKept) kept++;
    saved += 1 - r.steps / r.fullSteps;
  }
  assert.equal(kept, 2);
  assert.ok(Math.abs(saved / 6 - 2 / 9) < 1e-12, `saved ${saved / 6}`);
  const s = replayOrders(median, curves, { objective: 'last', direction: 'maximize', orders: 6000, random: mulberry32(5) });
  assert.ok(Math.abs(s.bestKeptShare - 2 / 6) < 0.03, `best kept in ${s.bestKeptShare} of random orders, expected about 1/3`);
  assert.ok(Math.abs(s.savedShare - 2 / 9) < 0.01, `saved ${s.savedShare}`);
  assert.ok(Math.abs(s.meanShortfall - (4 / 6) * 0.1) < 0.01, `shortfall ${s.meanShortfall}`);
});

test('pruner specs: options parsed and checked, errors say what is accepted', () => {
  assert.equal(parsePrunerSpec('median:nWarmupSteps=3').make().name, 'median');
  assert.equal(parsePrunerSpec('hyperband:minResource=1:reductionFactor=3').make().name, 'hyperband');
  assert.throws(() => parsePrunerSpec('mediam'), /unknown pruner 'mediam'; expected one of none, median, sh, hyperband/);
  assert.throws(() => parsePrunerSpec('median:warmup=3'), /median pruner: unknown option "warmup"/);
  assert.throws(() => parsePrunerSpec('median:nWarmupSteps'), /expected option=number, got 'nWarmupSteps'/);
});
