import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EarlyStopping, ReduceLROnPlateau } from '../src/train/callbacks.ts';
import { scheduledLr } from '../src/train/schedules.ts';

test('early stopping stops after `patience` epochs without improvement (Keras semantics)', () => {
  const es = new EarlyStopping({ monitor: 'val_loss', patience: 2 });
  const losses = [1.0, 0.8, 0.81, 0.79, 0.80, 0.85];
  const stops = losses.map((v, i) => es.onEpochEnd(i + 1, { loss: 0, accuracy: 0, val_loss: v }));
  assert.deepEqual(stops, [false, false, false, false, false, true]);
  assert.equal(es.state.bestEpoch, 4);
  const acc = new EarlyStopping({ monitor: 'val_accuracy', patience: 0 });
  assert.equal(acc.onEpochEnd(1, { loss: 0, accuracy: 0, val_accuracy: 0.5 }), false);
  assert.equal(acc.onEpochEnd(2, { loss: 0, accuracy: 0, val_accuracy: 0.5 }), true);
});

test('reduce-on-plateau multiplies the rate by factor after patience, then cools down', () => {
  const run = (c: ConstructorParameters<typeof ReduceLROnPlateau>[0], n: number) => {
    const r = new ReduceLROnPlateau(c);
    let lr = 1;
    return Array.from({ length: n }, () => (lr = r.onEpochEnd({ loss: 0, accuracy: 0, val_loss: 1 }, lr)));
  };
  // Worked by hand from Keras 2's ReduceLROnPlateau: epoch 1 sets best; epochs 2-3 wait -> reduce at 3;
  // a cooldown of 1 is used up at the start of epoch 4, so epoch 4-5 wait -> reduce at 5; min_lr 0.1 floors 0.0625.
  assert.deepEqual(run({ patience: 2, factor: 0.5, cooldown: 1, minLr: 0.1 }, 9), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1]);
  // cooldown 2 skips one more epoch of waiting
  assert.deepEqual(run({ patience: 2, factor: 0.5, cooldown: 2 }, 7), [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
  const r = new ReduceLROnPlateau({ monitor: 'val_loss' });
  assert.throws(() => r.onEpochEnd({ loss: 0, accuracy: 0 }, 1), /monitors 'val_loss'/);
});

test('schedules: step, cosine and one-cycle hit their defining points', () => {
  assert.equal(scheduledLr({ kind: 'step', every: 2, gamma: 0.1 }, 1, 5 * 10 - 1, 100, 10), 0.1 ** 2);
  assert.equal(scheduledLr({ kind: 'cosine' }, 1, 0, 100, 10), 1);
  assert.ok(Math.abs(scheduledLr({ kind: 'cosine' }, 1, 50, 100, 10) - 0.5) < 1e-12);
  assert.ok(scheduledLr({ kind: 'cosine', minLr: 0.1 }, 1, 100, 100, 10) - 0.1 < 1e-12);
  const oc = { kind: 'one-cycle' as const, maxLr: 1, pctStart: 0.3 };
  assert.ok(Math.abs(scheduledLr(oc, 1, 0, 100, 10) - 1 / 25) < 1e-12);
  assert.ok(Math.abs(scheduledLr(oc, 1, 30, 100, 10) - 1) < 1e-12);
  assert.ok(scheduledLr(oc, 1, 99, 100, 10) < 1e-3);
});
