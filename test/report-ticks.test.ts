import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTick, niceStep, niceTicks } from '../src/report/ticks.ts';

test('nice steps are 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceStep(1, 5), 0.2);
  assert.equal(niceStep(0.68, 5), 0.2);
  assert.equal(niceStep(29, 6), 5);
  assert.equal(niceStep(700, 5), 200);
  assert.equal(niceStep(0.03, 6), 0.005);
  assert.equal(niceStep(9, 1), 10);
});

test('ticks widen the range outwards to whole steps', () => {
  assert.deepEqual(niceTicks(0, 1, 5), { min: 0, max: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1], decimals: 1 });
  assert.deepEqual(niceTicks(0.23, 0.91, 5).values, [0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.2, 1.15, 5).values, [0.2, 0.4, 0.6, 0.8, 1, 1.2]);
  assert.deepEqual(niceTicks(-3, 7, 5).values, [-4, -2, 0, 2, 4, 6, 8]);
  // span 0.0322 / 5 = 0.00644 rounds up to a step of 0.01
  assert.deepEqual(niceTicks(0.8512, 0.8834, 5), { min: 0.85, max: 0.89, step: 0.01, values: [0.85, 0.86, 0.87, 0.88, 0.89], decimals: 2 });
});

test('integer ticks never step by less than one', () => {
  assert.deepEqual(niceTicks(1, 30, 6, true).values, [0, 5, 10, 15, 20, 25, 30]);
  assert.deepEqual(niceTicks(1, 3, 6, true).values, [1, 2, 3]);
  assert.deepEqual(niceTicks(4, 4, 6, true).values, [3, 4, 5]);
});

test('a constant series still gets a range around it', () => {
  const t = niceTicks(0.5, 0.5, 5);
  assert.ok(t.min < 0.5 && t.max > 0.5, JSON.stringify(t));
  const z = niceTicks(0, 0, 5);
  assert.ok(z.min < 0 && z.max > 0);
});

test('bad ranges are rejected', () => {
  assert.throws(() => niceTicks(NaN, 1), /range must be finite, got \[NaN, 1\]/);
  assert.throws(() => niceTicks(2, 1), /range \[2, 1\] is reversed/);
});

test('tick labels have fixed decimals and no negative zero', () => {
  assert.equal(formatTick(0.2, 1), '0.2');
  assert.equal(formatTick(1, 2), '1.00');
  assert.equal(formatTick(-0.0001, 2), '0.00');
  assert.equal(formatTick(-0, 0), '0');
  assert.equal(formatTick(-2.5, 1), '-2.5');
});
