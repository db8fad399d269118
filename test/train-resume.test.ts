/**
 * kill -9 in the middle of training, then `--resume`: the run continues from its last epoch
 * checkpoint and ends with exactly the metrics of an uninterrupted run with the same seed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../src/store/sqlite.ts';
import { fmnist, fmnistLive, resultOf } from './helpers/cli.ts';
import { tempDir } from './helpers/data.ts';

// Dropout and batch-norm make the run depend on random masks and moving statistics too, and
// on-the-fly augmentation on random transforms of every batch; the weight average is checkpointed too.
const SPEC = `name: resume-mlp
input: flat
layers:
  - {type: dense, units: 64, activation: relu}
  - {type: batchNorm}
  - {type: dropout, rate: 0.3}
  - {type: dense, units: 10, activation: softmax}
`;

test('a run killed with SIGKILL and resumed ends exactly like an uninterrupted one', async () => {
  const dir = tempDir('fmnist-resume-');
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, SPEC);
  const args = (store: string) => ['train', '--model', spec, '--epochs', '5', '--limit-train', '3000', '--limit-test', '1000',
    '--reduce-lr', '1', '--augment', 'shift:2,flip,rotate:10,erase:0.5', '--ema', '0.9', '--store', store, '--json', '--seed', '7'];

  const whole = fmnist(args(join(dir, 'a')));
  assert.equal(whole.status, 0, whole.stderr);
  const expected = resultOf(whole.stdout);

  const storeB = join(dir, 'b');
  let killedAfter = 0;
  const killed = await fmnistLive(args(storeB), (line, kill) => {
    const ev = JSON.parse(line);
    if (ev.event === 'epoch' && ev.epoch === 2) {
      killedAfter = ev.epoch;
      kill('SIGKILL');
    }
  });
  assert.equal(killed.signal, 'SIGKILL', `the first process was not killed: ${killed.stderr}`);
  assert.equal(killedAfter, 2);

  const resumed = fmnist(['train', '--resume', '--store', storeB, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const got = resultOf(resumed.stdout);
  assert.equal(got.status, 'completed');
  for (const split of ['test', 'train', 'val']) {
    assert.equal(got.metrics[split].accuracy, expected.metrics[split].accuracy, `${split} accuracy`);
    assert.equal(got.metrics[split].loss, expected.metrics[split].loss, `${split} loss`);
  }
  const a = new SqliteStore(join(dir, 'a'));
  const b = new SqliteStore(storeB);
  const strip = (es: Awaited<ReturnType<SqliteStore['epochs']>>) => es.map(({ epoch, loss, accuracy, valLoss, valAccuracy, lr }) => ({ epoch, loss, accuracy, valLoss, valAccuracy, lr }));
  assert.deepEqual(strip(await b.epochs(got.run)), strip(await a.epochs(expected.run)));
  await a.close();
  await b.close();
});
