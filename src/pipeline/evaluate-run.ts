/** Re-evaluating a stored run's saved model on a split of the data it was trained with. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../data/dataset.ts';
import { initBackend, type BackendChoice } from '../engine/index.ts';
import { computeMetrics, type Metrics } from '../evaluate/metrics.ts';
import { predictProbs } from '../evaluate/predict.ts';
import { ttaProbs, type TtaView } from '../evaluate/tta.ts';
import type { ModelSpec } from '../models/types.ts';
import { loadModel } from '../store/files.ts';
import { StoreError, type RunRecord, type RunStore } from '../store/types.ts';
import type { TrainConfig } from '../train/config.ts';
import { prepareData } from './examples.ts';
import { MODEL_DIR } from './train-run.ts';

export type SplitName = 'test' | 'train' | 'val';

export async function requireRun(store: RunStore, id: number): Promise<RunRecord> {
  const run = await store.getRun(id);
  if (!run) throw new StoreError(`run ${id} not found in ${store.root}`);
  return run;
}

/**
 * The data a run was trained on, with its limits: from `dataDir`, else from where the run found it
 * (if it is still there), else the usual lookup; an error names `who` when the checksum differs.
 */
export function loadTrainingData(run: RunRecord, dataDir: string | undefined, who: string): Dataset {
  const config = run.config as TrainConfig;
  const dir = dataDir ?? (existsSync(run.provenance.dataDir) ? run.provenance.dataDir : undefined);
  const dataset = loadDataset({ dataDir: dir, limitTrain: config.limitTrain, limitTest: config.limitTest });
  if (dataset.checksum !== run.provenance.dataChecksum) {
    throw new StoreError(`${who} trained on data with sha256 ${run.provenance.dataChecksum.slice(0, 12)}…, but ${dataset.dir} ` +
      `(with the same limits) has ${dataset.checksum.slice(0, 12)}…; pass --data-dir with the data used in training`);
  }
  return dataset;
}

/** With `tta`, each image's probabilities are averaged over it and those views (test-time augmentation). */
export async function evaluateRun(store: RunStore, id: number, split: SplitName, opts: { dataDir?: string; backend?: BackendChoice; tta?: TtaView[] } = {}):
  Promise<{ run: RunRecord; metrics: Metrics; dataset: Dataset }> {
  const run = await requireRun(store, id);
  if (run.status !== 'completed') throw new StoreError(`run ${id} is ${run.status}; only completed runs have a final model`);
  await initBackend(opts.backend);
  const config = run.config as TrainConfig;
  const dataset = loadTrainingData(run, opts.dataDir, `run ${id} was`);
  const data = prepareData(dataset, run.spec as ModelSpec, config);
  const ex = split === 'test' ? data.test : split === 'train' ? data.train : data.val;
  if (!ex) throw new StoreError(`run ${id} has no validation split`);
  const model = await loadModel(join(store.runDir(id), MODEL_DIR));
  try {
    const predict = (x: Float32Array, count: number) => predictProbs(model, x, count, data.inputShape);
    const probs = ttaProbs(predict, ex.x, ex.count, { rows: dataset.rows, cols: dataset.cols, norm: data.norm }, opts.tta ?? []);
    return { run, metrics: computeMetrics(probs, ex.y, dataset.classNames.length), dataset };
  } finally {
    model.dispose();
  }
}
