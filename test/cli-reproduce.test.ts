/**
 * `fmnist reproduce`: the headline configurations follow the seed reports, runs are stored, ours is
 * compared on the report's split, and a mean-and-vote headline trains its members and votes them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HEADLINES } from '../src/pipeline/headlines.ts';
import { headlineConfig, selectHeadlines } from '../src/pipeline/reproduce.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { fmnist } from './helpers/cli.ts';
import { realSlice, tempDir } from './helpers/data.ts';

const headline = (seed: string, key: string) => HEADLINES.find((h) => h.seed === seed && h.key === key)!;

test('headline configurations: the zoo model\'s stated settings plus what the report adds', () => {
  const mlp = headlineConfig(headline('001', 'mlp'), {});
  assert.deepEqual([mlp.optimizer, mlp.batchSize, mlp.epochs, mlp.validation], [{ name: 'sgd', learningRate: 0.1 }, 32, 13, { kind: 'first', count: 5000 }]);
  const aug = headlineConfig(headline('003', 'cnn-aug'), {});
  assert.deepEqual([aug.epochs, aug.batchSize, aug.augment?.classes, aug.augment?.copies, aug.earlyStopping?.patience], [100, 32, [2, 6], 1, 10]);
  assert.equal(headlineConfig(headline('002', 'vgg16'), { full: true }).epochs, 50);
  assert.equal(headlineConfig(headline('002', 'vgg16'), {}).epochs, 12);
  const v5 = headlineConfig(headline('004', 'v5'), { epochs: 7, seed: 3 });
  assert.deepEqual(v5.earlyStopping, { monitor: 'val_loss', patience: 7, restoreBestWeights: true }, 'keeps the best validation loss over the whole run');
  assert.deepEqual([v5.augment, v5.seed], [{ widthShift: 3, heightShift: 3, flip: 0.5 }, 3]);
  assert.throws(() => selectHeadlines(['009']), /unknown seed report '009'; expected one of 000, 001, 002, 003, 004/);
  assert.throws(() => selectHeadlines(['003'], ['cnn', 'mlp']), /--only mlp: no such headline in seed 003; expected one of cnn, cnn-aug/);
});

test('fmnist reproduce trains and stores the runs, compares on the report\'s split and votes members', () => {
  const data = realSlice(6000, 300);
  const store = join(tempDir('fmnist-reproduce-'), 'store');
  const r = fmnist(['reproduce', '1', '--only', 'mlp', '--epochs', '2', '--data-dir', data, '--store', store, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(result.event, 'result');
  const [mlp] = result.results;
  assert.deepEqual([mlp.seed, mlp.key, mlp.split, mlp.theirs, mlp.epochs, mlp.theirEpochs, mlp.shortened], ['001', 'mlp', 'val', 0.9013, 2, 13, true]);
  assert.ok(mlp.ours > 0.5 && mlp.ours <= 1, `ours ${mlp.ours}`);
  assert.ok(Math.abs(mlp.difference - (mlp.ours - 0.9013)) < 1e-12);
  assert.ok(existsSync(result.file));
  assert.deepEqual(JSON.parse(readFileSync(result.file, 'utf8')).results, result.results);

  const v = fmnist(['reproduce', '004', '--epochs', '1', '--members', '2', '--limit-train', '400', '--limit-test', '100', '--data-dir', data, '--store', store]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^ ?004 +v5, 5 runs and their vote +test +94\.22% +\d+\.\d\d% +-?\d+\.\d\d +1 \(theirs 100\) +\S+ +2,3$/m);
  assert.match(v.stdout, /^ +vote of 2 \(hard; soft \d+\.\d\d%\) +test +94\.86% +\d+\.\d\d%/m);

  const runs = new SqliteStore(store);
  return runs.listRuns().then(async (list) => {
    assert.deepEqual(list.map((x) => [x.id, x.model, x.status]), [[1, 'seed001-mlp', 'completed'], [2, 'seed004-v5', 'completed'], [3, 'seed004-v5', 'completed']]);
    await runs.close();
  });
});

test('fmnist reproduce --list prints the plan without training; bad input is a one-line error', () => {
  const list = fmnist(['reproduce', '--list']);
  assert.equal(list.status, 0, list.stderr);
  for (const h of HEADLINES) assert.match(list.stdout, new RegExp(`^ ?${h.seed} +${h.key} +${h.model} `, 'm'));
  assert.match(list.stdout, /deep-cnn-bn +seed002-deep-cnn-bn +93\.10% test +12 \(theirs 50\)/);
  const bad = fmnist(['reproduce', '5']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, "error: unknown seed report '005'; expected one of 000, 001, 002, 003, 004 (or all)\n");
  const members = fmnist(['reproduce', '4', '--members', '1', '--list']);
  assert.equal(members.status, 1);
  assert.match(members.stderr, /--members: a vote needs at least 2 runs, got 1/);
});
