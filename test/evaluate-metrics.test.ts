import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationReport } from '../src/evaluate/format.ts';
import { computeMetrics, mostConfused, topKAccuracy } from '../src/evaluate/metrics.ts';

// 3 classes, 6 examples. Hand-worked:
// labels    0 0 1 1 2 2
// predicted 0 1 1 1 0 2
// confusion [[1,1,0],[0,2,0],[1,0,1]]
// class 0: TP 1, predicted 2 -> P 0.5, support 2 -> R 0.5, F1 0.5
// class 1: TP 2, predicted 3 -> P 2/3, R 1, F1 0.8
// class 2: TP 1, predicted 1 -> P 1, R 0.5, F1 2/3
const probs = Float32Array.from([
  0.7, 0.2, 0.1,
  0.3, 0.6, 0.1,
  0.1, 0.8, 0.1,
  0.2, 0.5, 0.3,
  0.5, 0.1, 0.4,
  0.1, 0.1, 0.8,
]);
const labels = [0, 0, 1, 1, 2, 2];

test('accuracy, confusion, per-class and averaged precision/recall/F1 match hand computation', () => {
  const m = computeMetrics(probs, labels, 3);
  assert.deepEqual(m.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  assert.equal(m.accuracy, 4 / 6);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  const expected = [[0.5, 0.5, 0.5, 2], [2 / 3, 1, 0.8, 2], [1, 0.5, 2 / 3, 2]];
  m.perClass.forEach((c, i) => {
    close(c.precision, expected[i][0]); close(c.recall, expected[i][1]); close(c.f1, expected[i][2]);
    assert.equal(c.support, expected[i][3]);
  });
  close(m.macro.precision, (0.5 + 2 / 3 + 1) / 3);
  close(m.macro.recall, (0.5 + 1 + 0.5) / 3);
  close(m.macro.f1, (0.5 + 0.8 + 2 / 3) / 3);
  close(m.weighted.f1, (0.5 + 0.8 + 2 / 3) / 3); // equal supports: weighted = macro
  // loss: mean of -ln p(true) = -(ln .7 + ln .3 + ln .8 + ln .5 + ln .4 + ln .8) / 6 (float32 inputs: 1e-6)
  const loss = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.5) + Math.log(0.4) + Math.log(0.8)) / 6;
  assert.ok(Math.abs(m.loss - loss) < 1e-6, `loss ${m.loss} != ${loss}`);
});

test('weighted average uses supports; undefined precision counts as 0', () => {
  // class 2 never predicted and class 1 has 3 of 4 examples
  const p = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0]);
  const m = computeMetrics(p, [0, 1, 1, 1, 2], 3);
  assert.equal(m.perClass[2].precision, 0);
  assert.equal(m.perClass[2].f1, 0);
  // P: [0.5, 1, 0], R: [1, 1, 0], supports [1, 3, 1]
  assert.ok(Math.abs(m.weighted.precision - (0.5 * 1 + 1 * 3 + 0) / 5) < 1e-12);
  assert.ok(Math.abs(m.weighted.recall - (1 + 3) / 5) < 1e-12);
});

test('top-k accuracy counts the true class among the k largest', () => {
  assert.equal(topKAccuracy(probs, labels, 3, 1), 4 / 6);
  // example 1: true 0 has p .3, second largest -> in top 2; example 4: true 2 has .4, second -> in top 2
  assert.equal(topKAccuracy(probs, labels, 3, 2), 1);
});

test('most confused pairs are the largest off-diagonal cells', () => {
  assert.deepEqual(mostConfused([[5, 3, 0], [1, 5, 7], [0, 2, 5]], 2), [
    { trueClass: 1, predicted: 2, count: 7 }, { trueClass: 0, predicted: 1, count: 3 },
  ]);
});

test('classification report has sklearn layout and values', () => {
  const text = classificationReport(computeMetrics(probs, labels, 3), ['a', 'b', 'c']);
  const lines = text.split('\n');
  assert.match(lines[0], /precision\s+recall\s+f1-score\s+support$/);
  assert.match(lines[3], /^\s+b\s+0\.67\s+1\.00\s+0\.80\s+2$/);
  assert.match(lines[6], /^\s+accuracy\s+0\.67\s+6$/);
  assert.match(lines[7], /^\s+macro avg\s+0\.72\s+0\.67\s+0\.66\s+6$/);
});
