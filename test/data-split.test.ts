import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitNormalization, normalize, parseValidationSplit, splitIndices } from '../src/data/preprocess.ts';

const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);

test('stratified split takes the same share of every class, seeded', () => {
  const a = splitIndices(labels, { kind: 'stratified', fraction: 0.2 }, 1);
  assert.equal(a.val.length, 200);
  assert.equal(a.train.length, 800);
  const perClass = new Array(10).fill(0);
  for (const i of a.val) perClass[labels[i]]++;
  assert.deepEqual(perClass, new Array(10).fill(20));
  assert.deepEqual(splitIndices(labels, { kind: 'stratified', fraction: 0.2 }, 1).val, a.val);
  assert.notDeepEqual(splitIndices(labels, { kind: 'stratified', fraction: 0.2 }, 2).val, a.val);
  const all = new Set([...a.train, ...a.val]);
  assert.equal(all.size, 1000);
  const pc = splitIndices(labels, { kind: 'stratified', perClass: 7 }, 3);
  assert.equal(pc.val.length, 70);
});

test('first:N and none splits', () => {
  const f = splitIndices(labels, { kind: 'first', count: 50 }, 0);
  assert.deepEqual([...f.val], Array.from({ length: 50 }, (_, i) => i));
  assert.equal(f.train[0], 50);
  assert.equal(splitIndices(labels, { kind: 'none' }, 0).val.length, 0);
});

test('split syntax errors say what is accepted', () => {
  assert.deepEqual(parseValidationSplit('0.1'), { kind: 'stratified', fraction: 0.1 });
  assert.deepEqual(parseValidationSplit('first:5000'), { kind: 'first', count: 5000 });
  assert.deepEqual(parseValidationSplit('per-class:4800'), { kind: 'stratified', perClass: 4800 });
  assert.throws(() => parseValidationSplit('1.5'), {
    message: "--val: '1.5' is not a validation split; expected a fraction in (0,1) (stratified), per-class:N, first:N, or none",
  });
  assert.throws(() => splitIndices(labels, { kind: 'first', count: 1000 }, 0), /leaves no training data/);
});

test('scaling: unit is x/255, standardize has zero mean and unit std on the fitted data', () => {
  const bytes = Uint8Array.from([0, 51, 255, 102]);
  assert.deepEqual([...normalize(bytes, fitNormalization(bytes, 'unit'))].map((v) => +v.toFixed(6)), [0, 0.2, 1, 0.4]);
  const s = normalize(bytes, fitNormalization(bytes, 'standardize'));
  const mean = s.reduce((a, b) => a + b, 0) / 4;
  const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(std - 1) < 1e-5, `mean ${mean} std ${std}`);
});
