/** Class groupings, the derived datasets, the combined probabilities, and `fmnist hierarchy` end to end. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { classGrouping, coarseDataset, groupDataset } from '../src/data/class-groups.ts';
import type { Dataset } from '../src/data/dataset.ts';
import { combineHierarchy } from '../src/evaluate/hierarchy.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { fmnist } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

test('grouping T-shirt, Pullover and Shirt: ten classes become eight, the group keeps its order', () => {
  const g = classGrouping(10, [6, 0, 2]);
  assert.deepEqual(g.coarseOf, [0, 1, 0, 2, 3, 4, 0, 5, 6, 7]);
  assert.equal(g.mergedClass, 0);
  assert.deepEqual(g.group, [0, 2, 6]);
  assert.throws(() => classGrouping(10, [3]), /at least 2 classes/);
  assert.throws(() => classGrouping(10, [2, 2]), /listed twice/);
  assert.throws(() => classGrouping(10, [2, 10]), /class 10 is not one of the dataset's classes 0\.\.9/);
  assert.throws(() => classGrouping(3, [0, 1, 2]), /nothing to tell apart/);
});

test('derived datasets: merged labels and names; the group alone, relabelled', () => {
  const labels = Uint8Array.from([0, 1, 2, 3, 6, 9, 2]);
  const images = Uint8Array.from({ length: labels.length * 4 }, (_, i) => i);
  const ds: Dataset = {
    name: 'toy', dir: '/x', classNames: NAMES, rows: 2, cols: 2, checksum: 'abc',
    train: { count: labels.length, images, labels }, test: { count: labels.length, images, labels },
  };
  const g = classGrouping(10, [0, 2, 6]);
  const coarse = coarseDataset(ds, g);
  assert.deepEqual([...coarse.train.labels], [0, 1, 0, 2, 0, 7, 0]);
  assert.deepEqual(coarse.classNames, ['T-shirt/top | Pullover | Shirt', 'Trouser', 'Dress', 'Coat', 'Sandal', 'Sneaker', 'Bag', 'Ankle boot']);
  assert.notEqual(coarse.checksum, ds.checksum);
  const only = groupDataset(ds, g);
  assert.deepEqual([...only.train.labels], [0, 1, 2, 1]);
  assert.deepEqual(only.classNames, ['T-shirt/top', 'Pullover', 'Shirt']);
  // The images of examples 0, 2, 4 and 6, in order.
  assert.deepEqual([...only.train.images], [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]);
});

test('combined probabilities: P(group) times the specialist for members, the coarse model for the rest', () => {
  const g = classGrouping(4, [1, 3]); // coarse classes: 0, {1,3}, 2
  const coarse = Float32Array.from([0.2, 0.5, 0.3, /* */ 0.1, 0.1, 0.8]);
  const specialist = Float32Array.from([0.4, 0.6, /* */ 0.9, 0.1]);
  const p = combineHierarchy(coarse, specialist, g, 2);
  const want = [0.2, 0.5 * 0.4, 0.3, 0.5 * 0.6, /* */ 0.1, 0.1 * 0.9, 0.8, 0.1 * 0.1];
  p.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-7, `p[${i}] = ${x}, expected ${want[i]}`));
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(p.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-6, 'rows sum to 1');
});

test('fmnist hierarchy trains the coarse, specialist and flat runs and compares them on the full test set', () => {
  const data = realSlice(3000, 500);
  const store = join(tempDir('fmnist-hierarchy-'), 'store');
  const r = fmnist(['hierarchy', '--model', 'mlp', '--epochs', '2', '--data-dir', data, '--store', store, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(res.event, 'result');
  assert.deepEqual(res.group, { classes: [0, 2, 6], names: ['0', '2', '6'] }); // a slice without classes.txt has numbered classes
  assert.deepEqual(res.runs, { coarse: 1, specialist: 2, flat: 3 });
  assert.equal(res.testCount, 500);
  for (const k of ['flat', 'hierarchical']) assert.ok(res[k].accuracy > 0.6 && res[k].groupAccuracy > 0.3, `${k}: ${JSON.stringify(res[k])}`);
  assert.ok(res.specialistAccuracy > 0.5 && res.coarseAccuracy > res.hierarchical.accuracy, 'the merged problem is the easier one');

  const s = new SqliteStore(store);
  return s.listRuns().then(async (runs) => {
    assert.deepEqual(runs.map((x) => [(x.spec as { name: string; classes?: number }).name, (x.spec as { classes?: number }).classes ?? 10, x.provenance.classNames.length]),
      [['mlp-coarse', 8, 8], ['mlp-specialist', 3, 3], ['mlp', 10, 10]]);
    await s.close();
    // Comparing with the stored flat run instead of training it again gives the same flat score.
    const again = fmnist(['hierarchy', '--model', 'mlp', '--epochs', '2', '--data-dir', data, '--store', store, '--flat-run', '3', '--json']);
    assert.equal(again.status, 0, again.stderr);
    const res2 = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(res2.runs, { coarse: 4, specialist: 5, flat: 3 });
    assert.deepEqual(res2.flat, res.flat);
    assert.deepEqual(res2.hierarchical, res.hierarchical, 'same seed and data: the same coarse and specialist models');
  });
});
