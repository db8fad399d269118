/**
 * Model selection never looks at the test set: a run whose test split is replaced by other images
 * and labels trains exactly as the real one does — the same per-epoch history, the same epoch
 * chosen as best by validation, the same early stop and learning-rate reductions, the same final
 * weights and validation metrics — and only its test metrics differ. Anything that read the test
 * split before the final evaluation (early stopping, checkpoints, schedules) would change the run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset, type Dataset } from '../src/data/dataset.ts';
import { mulberry32 } from '../src/data/random.ts';
import { trainRun } from '../src/pipeline/train-run.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { defaultConfig, type TrainConfig } from '../src/train/config.ts';
import { loadModel } from '../src/store/files.ts';
import { realSlice, tempDir } from './helpers/data.ts';

/** The same dataset with its test images replaced by noise and its labels by other classes. */
function scrambledTest(ds: Dataset): Dataset {
  const random = mulberry32(99);
  const images = Uint8Array.from(ds.test.images, () => Math.floor(random() * 256));
  const labels = Uint8Array.from(ds.test.labels, (y) => (y + 1 + Math.floor(random() * 9)) % 10);
  return { ...ds, test: { count: ds.test.count, images, labels }, checksum: `${ds.checksum}-scrambled` };
}

test('training, early stopping and best-model checkpoints never read the test split', async () => {
  const real = loadDataset({ dataDir: realSlice(2000, 500) });
  const config: TrainConfig = {
    ...defaultConfig('mlp'),
    epochs: 6,
    batchSize: 64,
    seed: 3,
    optimizer: { name: 'adam', learningRate: 0.003 },
    earlyStopping: { patience: 2, restoreBestWeights: true },
    reduceLROnPlateau: { patience: 1, factor: 0.5 },
    augment: { widthShift: 2, heightShift: 2, flip: 0.5 },
  };
  const runOn = async (dataset: Dataset, name: string) => {
    const store = new SqliteStore(join(tempDir('fmnist-testsplit-'), name));
    const result = await trainRun({ store, config: structuredClone(config), dataset, evaluateTrain: false });
    const history = (await store.epochs(result.run.id)).map(({ epoch, loss, accuracy, valLoss, valAccuracy, lr }) => ({ epoch, loss, accuracy, valLoss, valAccuracy, lr }));
    const model = await loadModel(join(store.runDir(result.run.id), 'best-model'));
    const bestWeights = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    await store.close();
    return { result, history, bestWeights };
  };

  const a = await runOn(real, 'real');
  const b = await runOn(scrambledTest(real), 'scrambled');
  assert.ok(a.history.length >= 2, 'the run trained');
  assert.deepEqual(b.history, a.history, 'per-epoch history (loss, accuracy, validation, learning rate)');
  assert.deepEqual(b.bestWeights, a.bestWeights, 'the best-by-validation checkpoint');
  assert.deepEqual(b.result.metrics.val, a.result.metrics.val, 'final validation metrics');
  // The test split does matter for what is reported after training: the check above is not vacuous.
  assert.ok(a.result.metrics.test.accuracy > 0.7, `real test accuracy ${a.result.metrics.test.accuracy}`);
  assert.ok(b.result.metrics.test.accuracy < 0.3, `scrambled test accuracy ${b.result.metrics.test.accuracy}`);
});
