import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPruner, HyperbandPruner, MedianPruner, NopPruner, SuccessiveHalvingPruner } from '../src/tune/pruners/index.ts';
import type { Direction, Pruner, Trial, TrialState } from '../src/tune/types.ts';

/** A trial with intermediate values at steps 0, 1, 2, … (null: no report at that step). */
function trial(number: number, state: TrialState, values: (number | null)[]): Trial {
  const intermediate = new Map<number, number>();
  values.forEach((v, step) => {
    if (v !== null) intermediate.set(step, v);
  });
  return { number, state, params: {}, intermediate };
}

/** Completed trials numbered 0… whose value at `step` is each of `atStep` (earlier steps: 10). */
function completedAt(step: number, atStep: number[]): Trial[] {
  return atStep.map((v, i) => trial(i, 'complete', [...Array<number>(step).fill(10), v]));
}

function decide(pruner: Pruner, current: Trial, others: Trial[], direction: Direction): boolean {
  const step = Math.max(...current.intermediate.keys());
  return pruner.shouldPrune(current, step, [...others, current], direction);
}

test('median: a trial whose best value so far is worse than the median at that step is pruned', () => {
  const others = completedAt(2, [1, 2, 3, 4, 5]); // median at step 2: 3
  const p = new MedianPruner();
  assert.equal(decide(p, trial(9, 'running', [5, 4, 3.5]), others, 'minimize'), true);
  assert.equal(decide(p, trial(9, 'running', [5, 4, 2.5]), others, 'minimize'), false);
  // Equal to the median is kept (strict comparison).
  assert.equal(decide(p, trial(9, 'running', [5, 4, 3]), others, 'minimize'), false);
  // The trial's best over its steps counts, not its latest value: 2.9 at step 1 beats the median 3.
  assert.equal(decide(p, trial(9, 'running', [5, 2.9, 4]), others, 'minimize'), false);
});

test('median: maximize keeps the upper half', () => {
  const others = completedAt(2, [1, 2, 3, 4, 5]);
  const p = new MedianPruner();
  assert.equal(decide(p, trial(9, 'running', [0, 0, 2.5]), others, 'maximize'), true);
  assert.equal(decide(p, trial(9, 'running', [0, 0, 3.5]), others, 'maximize'), false);
  assert.equal(decide(p, trial(9, 'running', [3.2, 0, 0]), others, 'maximize'), false);
});

test('median: interpolates an even count and ignores running, pruned and non-reporting trials', () => {
  // Complete at step 1: 1, 2, 4, 8 → median (2 + 4) / 2 = 3. The others must not move it.
  const others = [
    ...completedAt(1, [1, 2, 4, 8]),
    trial(4, 'running', [0, 0]),
    trial(5, 'pruned', [0, 0]),
    trial(6, 'complete', [0]), // no report at step 1
  ];
  const p = new MedianPruner({ nStartupTrials: 1 });
  assert.equal(decide(p, trial(9, 'running', [9, 2.9]), others, 'minimize'), false);
  assert.equal(decide(p, trial(9, 'running', [9, 3.1]), others, 'minimize'), true);
});

test('median: startup trials, warm-up steps, interval steps and minimum trials hold pruning off', () => {
  const bad = [9, 9, 9, 9];
  assert.equal(decide(new MedianPruner(), trial(9, 'running', bad), completedAt(3, [1, 1, 1, 1, 1]), 'minimize'), true);
  // Only 4 trials completed, 5 needed.
  assert.equal(decide(new MedianPruner(), trial(9, 'running', bad), completedAt(3, [1, 1, 1, 1]), 'minimize'), false);
  const five = completedAt(3, [1, 1, 1, 1, 1]);
  assert.equal(decide(new MedianPruner({ nWarmupSteps: 4 }), trial(9, 'running', bad), five, 'minimize'), false);
  assert.equal(decide(new MedianPruner({ nWarmupSteps: 3 }), trial(9, 'running', bad), five, 'minimize'), true);
  // Interval 2 from step 0: checks at steps 0, 2, 4…; step 3 follows the check at 2, so no check…
  const every2 = new MedianPruner({ intervalSteps: 2 });
  assert.equal(decide(every2, trial(9, 'running', bad), five, 'minimize'), false);
  // …unless step 2 was never reported: the check postponed from step 2 happens at step 3.
  assert.equal(decide(every2, trial(9, 'running', [9, 9, null, 9]), five, 'minimize'), true);
  // Only one completed trial reported at step 3 (the others stopped at step 1).
  const sparse = [...completedAt(1, [1, 1, 1, 1]), trial(4, 'complete', [1, 1, 1, 1])];
  assert.equal(decide(new MedianPruner({ nMinTrials: 2 }), trial(9, 'running', bad), sparse, 'minimize'), false);
  assert.equal(decide(new MedianPruner({ nMinTrials: 1 }), trial(9, 'running', bad), sparse, 'minimize'), true);
});

test('median: a trial that reported only NaN is pruned', () => {
  assert.equal(decide(new MedianPruner(), trial(9, 'running', [NaN]), completedAt(0, [1, 2, 3, 4, 5]), 'minimize'), true);
});

test('successive halving: promotion at rung 0 needs the top 1/η of the competing values', () => {
  // Rungs at steps 1, 3, 9 (minResource 1, η 3). Five others recorded these values at rung 0.
  const others = [0.5, 0.2, 0.9, 0.4, 0.7].map((v, i) => trial(i, 'complete', [9, v]));
  const sh = () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
  // Six competitors (itself included): the best ⌊6/3⌋ = 2 go on, i.e. value <= 2nd smallest.
  assert.equal(decide(sh(), trial(9, 'running', [9, 0.3]), others, 'minimize'), false); // 2nd of 0.2, 0.3, 0.4…
  assert.equal(decide(sh(), trial(9, 'running', [9, 0.45]), others, 'minimize'), true); // 3rd
  // Before the first rung nothing is pruned.
  assert.equal(decide(sh(), trial(9, 'running', [99]), others, 'minimize'), false);
  // Maximize: value >= 2nd largest (0.7).
  assert.equal(decide(sh(), trial(9, 'running', [0, 0.7]), others, 'maximize'), false);
  assert.equal(decide(sh(), trial(9, 'running', [0, 0.6]), others, 'maximize'), true);
  // With fewer than η competitors, only the best so far goes on.
  const one = [trial(0, 'complete', [9, 0.5])];
  assert.equal(decide(sh(), trial(9, 'running', [9, 0.4]), one, 'minimize'), false);
  assert.equal(decide(sh(), trial(9, 'running', [9, 0.6]), one, 'minimize'), true);
});

test('successive halving: later rungs compete only with trials that reached them', () => {
  const sh = () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
  // Rung 1 is step 3. Two trials reached it (values 0.3, 0.1 at step 3); three stopped at step 1 with
  // much better values there, which must not count at rung 1.
  const others = [
    trial(0, 'complete', [1, 1, 1, 0.3]),
    trial(1, 'complete', [1, 1, 1, 0.1]),
    trial(2, 'pruned', [0, 0.01]),
    trial(3, 'pruned', [0, 0.01]),
    trial(4, 'pruned', [0, 0.01]),
  ];
  // Competing at rung 1: 0.3, 0.1 and its own → 3 // 3 = 1 → must be the best.
  assert.equal(decide(sh(), trial(9, 'running', [1, 0.001, 1, 0.05]), others, 'minimize'), false);
  assert.equal(decide(sh(), trial(9, 'running', [1, 0.001, 1, 0.2]), others, 'minimize'), true);
  // Step 2 lies between rungs 0 and 1: no decision.
  assert.equal(decide(sh(), trial(9, 'running', [1, 0.001, 50]), others, 'minimize'), false);
});

test('successive halving: rung steps follow minResource · η^(minEarlyStoppingRate + rung)', () => {
  const sh = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2, minEarlyStoppingRate: 1 });
  assert.deepEqual([0, 1, 2].map((r) => sh.rungStep(r)), [4, 8, 16]);
  const others = [trial(0, 'complete', [0, 0, 0, 0, 0.5])];
  const worse = [1, 1, 1, 1, 0.9];
  assert.equal(decide(sh, trial(9, 'running', worse.slice(0, 4)), others, 'minimize'), false); // step 3 < 4
  assert.equal(decide(sh, trial(9, 'running', worse), others, 'minimize'), true);
});

test('successive halving: bootstrapCount prunes until enough trials reached the rung', () => {
  const sh = () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, bootstrapCount: 2 });
  const first = [trial(0, 'complete', [0, 5])];
  // Two competitors (itself included) <= bootstrapCount 2: pruned even though it is the best.
  assert.equal(decide(sh(), trial(9, 'running', [0, 0.1]), first, 'minimize'), true);
  const two = [...first, trial(1, 'complete', [0, 6])];
  assert.equal(decide(sh(), trial(9, 'running', [0, 0.1]), two, 'minimize'), false);
});

test('successive halving: minResource auto waits for a completed trial, then uses its last step / 100', () => {
  const sh = new SuccessiveHalvingPruner();
  const running = [trial(0, 'running', [0, 0.1])];
  assert.equal(decide(sh, trial(9, 'running', [0, 5]), running, 'minimize'), false);
  assert.equal(sh.rungStep(0), undefined);
  // A trial completed at step 299: minResource ⌊299 / 100⌋ = 2, rungs at 2, 8, 32 (η 4).
  const done = [trial(0, 'complete', Array<number>(300).fill(0.1))];
  assert.equal(decide(sh, trial(9, 'running', [0, 5]), done, 'minimize'), false);
  assert.deepEqual([sh.rungStep(0), sh.rungStep(1), sh.rungStep(2)], [2, 8, 32]);
  assert.equal(decide(sh, trial(9, 'running', [0, 5, 5]), done, 'minimize'), true);
});

test('hyperband: min 1, max 27, η 3 gives 4 brackets with first rungs at 1, 3, 9, 27', () => {
  const hb = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, studyName: 'study' });
  // n = ⌊log3 27⌋ + 1 = 4; budget of bracket b with s = 3 − b: ⌈4 · 3^s / (s + 1)⌉ = 27, 12, 6, 4.
  assert.deepEqual(hb.brackets(), [
    { minResource: 1, trialBudget: 27 },
    { minResource: 3, trialBudget: 12 },
    { minResource: 9, trialBudget: 6 },
    { minResource: 27, trialBudget: 4 },
  ]);
  // Optuna 3.1's HyperbandPruner._get_bracket_id for study "study", trials 0–19.
  const optuna = [1, 0, 1, 0, 0, 1, 1, 0, 0, 3, 1, 2, 1, 1, 0, 1, 3, 0, 1, 1];
  assert.deepEqual(optuna.map((_, n) => hb.bracketOf(n)), optuna);
  // Exact powers count in integers: 243 = 3^5 gives 6 brackets.
  assert.equal(new HyperbandPruner({ maxResource: 243 }).brackets().length, 6);
  assert.equal(new HyperbandPruner({ minResource: 2, maxResource: 27 }).brackets().length, 3);
});

test('hyperband: a trial competes only with trials of its own bracket', () => {
  const hb = () => new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, studyName: 'study' });
  // Trials 1, 3, 4 are in bracket 0 (first rung at step 1); 0 and 2 in bracket 1 (first rung at step 3).
  const otherBracket = [trial(0, 'complete', [0, 0.01, 0, 0]), trial(2, 'complete', [0, 0.01, 0, 0])];
  // Trial 4 at step 1 with 0.5: bracket-1 trials are better there but do not compete.
  assert.equal(decide(hb(), trial(4, 'running', [0, 0.5]), otherBracket, 'minimize'), false);
  // A bracket mate (trial 3) with 0.4 beats it: fewer than η competitors → must be the best.
  const mate = [...otherBracket, trial(3, 'complete', [0, 0.4, 0, 0])];
  assert.equal(decide(hb(), trial(4, 'running', [0, 0.5]), mate, 'minimize'), true);
  assert.equal(decide(hb(), trial(4, 'running', [0, 0.5]), mate, 'maximize'), false);
  // Trial 0 (bracket 1) is not judged at step 1, only from step 3.
  const b1 = [trial(2, 'complete', [0, 0, 0, 0.1])];
  assert.equal(decide(hb(), trial(0, 'running', [0, 9]), b1, 'minimize'), false);
  assert.equal(decide(hb(), trial(0, 'running', [0, 9, 9, 9]), b1, 'minimize'), true);
});

test('hyperband: maxResource auto waits for a completed trial', () => {
  const hb = new HyperbandPruner({ studyName: 'study' });
  assert.equal(decide(hb, trial(1, 'running', [0, 9]), [trial(0, 'running', [0, 0.1])], 'minimize'), false);
  assert.deepEqual(hb.brackets(), []);
  // Trial 0 completed after step 8: maxResource 9 → 3 brackets, first rungs 1, 3, 9, budgets
  // ⌈3·9/3⌉, ⌈3·3/2⌉, ⌈3·1/1⌉ = 9, 5, 3; crc32("study_n") mod 17 puts trials 0 and 1 in bracket 0.
  assert.equal(decide(hb, trial(1, 'running', [0, 9]), [trial(0, 'complete', Array<number>(9).fill(0.1))], 'minimize'), true);
  assert.deepEqual(hb.brackets(), [
    { minResource: 1, trialBudget: 9 },
    { minResource: 3, trialBudget: 5 },
    { minResource: 9, trialBudget: 3 },
  ]);
  assert.deepEqual([0, 1, 2, 3].map((n) => hb.bracketOf(n)), [0, 0, 1, 2]);
});

test('createPruner builds each pruner by name and rejects unknown names and options', () => {
  assert.ok(createPruner('none') instanceof NopPruner);
  assert.equal(createPruner('none').shouldPrune(trial(0, 'running', [NaN]), 0, [], 'minimize'), false);
  assert.ok(createPruner('median', { nStartupTrials: 2 }) instanceof MedianPruner);
  assert.ok(createPruner('sh', { minResource: 1 }) instanceof SuccessiveHalvingPruner);
  assert.ok(createPruner('hyperband', { maxResource: 27 }) instanceof HyperbandPruner);
  assert.throws(() => createPruner('asha'), /unknown pruner "asha": expected one of none, median, sh, hyperband/);
  assert.throws(() => createPruner('median', { warmup: 3 }), /median pruner: unknown option "warmup" \(accepted: nStartupTrials/);
  assert.throws(() => createPruner('sh', { reductionFactor: 1 }), /sh pruner: reductionFactor must be an integer >= 2, got 1/);
  assert.throws(() => createPruner('hyperband', { minResource: 10, maxResource: 5 }), /maxResource must be an integer >= 10/);
  assert.throws(() => createPruner('sh', { bootstrapCount: 1 }), /needs an explicit minResource/);
});
