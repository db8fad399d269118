/**
 * The study objective on a small slice of the real data: a trial links its run, reports its metric
 * each epoch, stops when pruned (without leaking tensors), and reuses the data across trials.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { openStore } from '../src/store/index.ts';
import { selectValue, studyObjective } from '../src/tune/objective.ts';
import { parseStudy } from '../src/tune/study-file.ts';
import { TrialPruned, type TrialHandle } from '../src/tune/worker.ts';
import type { Params } from '../src/tune/types.ts';
import { realSlice, tempDir } from './helpers/data.ts';

const data = realSlice(400, 100);
const root = tempDir('fmnist-objective-');
after(() => {
  rmSync(data, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const { objectiveConfig } = parseStudy({
  metric: 'val_loss',
  base: {
    model: { input: 'flat', layers: [{ type: 'dense', units: '$units', activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }] },
    epochs: 4, batchSize: 50, val: 0.25,
  },
  params: { units: [16, 32], lr: [0.01] },
}, 'test');

/** A trial handle that records what the objective tells it, and prunes at `pruneAt` if given. */
function handle(params: Params, pruneAt?: number) {
  const reported: [number, number][] = [];
  const runs: number[] = [];
  const h: TrialHandle = {
    id: 1, number: 0, params,
    async report(step, value) {
      reported.push([step, value]);
      if (step === pruneAt) throw new TrialPruned(`trial 0 pruned at step ${step}`);
    },
    async setRun(id) { runs.push(id); },
  };
  return { h, reported, runs };
}

test('selectValue: the last epoch, or the best one in the metric\'s direction', () => {
  assert.equal(selectValue([0.5, 0.3, 0.4], { objective: 'last', metric: 'val_loss' }), 0.4);
  assert.equal(selectValue([0.5, 0.3, 0.4], { objective: 'best', metric: 'val_loss' }), 0.3);
  assert.equal(selectValue([0.5, 0.7, 0.6], { objective: 'best', metric: 'val_accuracy' }), 0.7);
  assert.throws(() => selectValue([], { objective: 'last', metric: 'val_loss' }), /reported no epochs/);
});

test('a trial: its run is linked, every epoch reported, the value is the last val_loss; pruning stops training', async () => {
  const store = openStore(`${root}/store`);
  try {
    const objective = studyObjective({ store, setup: objectiveConfig, dataDir: data });
    const full = handle({ units: 16, lr: 0.01 });
    const value = await objective(full.h.params, full.h);
    assert.equal(full.runs.length, 1);
    const run = (await store.getRun(full.runs[0]))!;
    assert.equal(run.status, 'completed');
    const epochs = await store.epochs(run.id);
    assert.deepEqual(full.reported, epochs.map((e) => [e.epoch, e.valLoss]));
    assert.equal(full.reported.length, 4);
    assert.equal(value, epochs[3].valLoss);

    // The data was loaded once: the next trials train without the folder.
    rmSync(data, { recursive: true, force: true });
    const before = tf.memory().numTensors;
    const pruned = handle({ units: 32, lr: 0.01 }, 2);
    await assert.rejects(objective(pruned.h.params, pruned.h), TrialPruned);
    assert.equal(tf.memory().numTensors, before, 'a pruned run leaves no tensors behind (model and optimizer state freed)');
    const prunedRun = (await store.getRun(pruned.runs[0]))!;
    assert.equal(prunedRun.status, 'failed');
    assert.equal(prunedRun.error, 'trial 0 pruned at step 2');
    assert.equal(prunedRun.epochsDone, 2, 'training stopped after the epoch the pruner saw');
    assert.equal((prunedRun.spec as { layers: { units: number }[] }).layers[0].units, 32);
  } finally {
    await store.close();
  }
});
