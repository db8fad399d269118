/**
 * One stored training run, end to end: data → model → train → evaluate → store → pictures.
 * Everything that decides the result (config, spec, seed, data checksum, backend, versions) is
 * recorded before training starts; each epoch is stored and checkpointed as it ends.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../data/dataset.ts';
import { deriveSeed } from '../data/random.ts';
import { initBackend, type BackendChoice, type BackendInfo } from '../engine/index.ts';
import { computeMetrics, type Metrics } from '../evaluate/metrics.ts';
import { predictProbs } from '../evaluate/predict.ts';
import { buildModel } from '../models/build.ts';
import { resolveModel } from '../models/load.ts';
import type { ModelSpec } from '../models/types.ts';
import { validateSpec } from '../models/validate.ts';
import { loadModel, saveModel } from '../store/files.ts';
import { StoreError, type EpochRecord, type RunRecord, type RunStore } from '../store/types.ts';
import { readCheckpoint, writeCheckpoint } from '../train/checkpoint.ts';
import { validateConfig, type TrainConfig } from '../train/config.ts';
import { QuietProgress, type ProgressReporter } from '../train/progress.ts';
import { seedMathRandom, train, type Examples } from '../train/trainer.ts';
import { prepareData, type PreparedData } from './examples.ts';
import { writeConfusion, writeCurves, writeMisclassified } from './pictures.ts';
import { softwareVersions } from './versions.ts';

export interface TrainRunOptions {
  store: RunStore;
  /** A new run's config; ignored when resuming (the stored config is used). */
  config?: TrainConfig;
  /** Continue this stored run from its last checkpoint. */
  resume?: number;
  dataDir?: string;
  backend?: BackendChoice;
  progress?: ProgressReporter;
  /** Also evaluate on the training split (train confusion matrix). Default true. */
  evaluateTrain?: boolean;
  /** A new run's model spec, used instead of resolving `config.model` (a search trial's model). */
  spec?: ModelSpec;
  /** Data already loaded with the config's limits (a search worker loads it once for all its trials). */
  dataset?: Dataset;
  /** Called once the run is stored, before training (a search trial links the run). */
  onStart?(run: RunRecord): Promise<void> | void;
  /** Called after each epoch is stored; throwing ends the run as failed with that error (a pruned trial). */
  onEpoch?(e: EpochRecord): Promise<void> | void;
}

export interface TrainRunResult {
  run: RunRecord;
  metrics: Record<string, Metrics>;
  files: string[];
  backend: BackendInfo;
  dataset: Dataset;
}

export const CHECKPOINT_FILE = 'checkpoint.bin';
export const MODEL_DIR = 'model';
export const BEST_MODEL_DIR = 'best-model';

/** Builds the spec's model with initial weights drawn from the run's seed. */
export function buildSeeded(spec: ModelSpec, seed: number): tfl.LayersModel {
  const restore = seedMathRandom(deriveSeed(seed, 'init'));
  try {
    return buildModel(spec);
  } finally {
    restore();
  }
}

function evaluateSplit(model: tfl.LayersModel, ex: Examples, inputShape: number[], k: number): { metrics: Metrics; probs: Float32Array } {
  const probs = predictProbs(model, ex.x, ex.count, inputShape);
  return { metrics: computeMetrics(probs, ex.y, k), probs };
}

async function startOrResume(o: TrainRunOptions) {
  if (o.resume === undefined) {
    if (!o.config) throw new Error('trainRun: a config or a run to resume is required');
    const config = validateConfig(o.config);
    return { config, spec: o.spec ? validateSpec(o.spec) : resolveModel(config.model), run: undefined };
  }
  const run = await o.store.getRun(o.resume);
  if (!run) throw new StoreError(`run ${o.resume} not found in ${o.store.root}`);
  if (run.status === 'completed') throw new StoreError(`run ${run.id} already completed; nothing to resume`);
  return { config: validateConfig(run.config as TrainConfig), spec: run.spec as ModelSpec, run };
}

export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const progress = o.progress ?? new QuietProgress();
  const backend = await initBackend(o.backend);
  progress.message(`backend: ${backend.name} (${backend.detail})`);
  const { config, spec, run: resumed } = await startOrResume(o);
  const dataset = o.dataset ?? loadDataset({ dataDir: o.dataDir, limitTrain: config.limitTrain, limitTest: config.limitTest });
  if (resumed && resumed.provenance.dataChecksum !== dataset.checksum) {
    throw new StoreError(`run ${resumed.id} was trained on data with checksum ${resumed.provenance.dataChecksum.slice(0, 12)}…, ` +
      `but ${dataset.dir} has ${dataset.checksum.slice(0, 12)}…; resume with the same data`);
  }
  const data: PreparedData = prepareData(dataset, spec, config);
  const k = dataset.classNames.length;
  const model = buildSeeded(spec, config.seed);
  try {
    const provenance = {
      seed: config.seed, dataChecksum: dataset.checksum, dataDir: dataset.dir, classNames: dataset.classNames, backend: backend.name,
      backendDetail: backend.detail, versions: { ...backend.versions, ...softwareVersions() }, host: hostname(),
    };
    const run = resumed ?? await o.store.createRun({
      name: `${spec.name}-s${config.seed}`, model: config.model, config, spec, provenance, params: model.countParams(),
    });
    if (resumed) await o.store.updateRun(run.id, { status: 'running', provenance });
    await o.onStart?.(run);
    const dir = o.store.runDir(run.id);
    const checkpointPath = join(dir, CHECKPOINT_FILE);
    const checkpoint = resumed ? readCheckpoint(checkpointPath) : undefined;
    if (resumed && !checkpoint) progress.message(`run ${run.id} has no checkpoint yet: starting it from epoch 1`);
    let resumeBestWeights: tf.Tensor[] | undefined;
    if (checkpoint && existsSync(join(dir, BEST_MODEL_DIR))) {
      const best = await loadModel(join(dir, BEST_MODEL_DIR));
      resumeBestWeights = best.getWeights().map((w) => w.clone());
      best.dispose();
    }
    progress.start({
      runId: run.id, model: spec.name, params: model.countParams(), backend: backend.name,
      trainCount: data.train.count, valCount: data.val?.count ?? 0, epochs: config.epochs,
    });

    let signalled = false;
    const onSignal = () => { signalled = true; };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let result;
    try {
      const image = { rows: dataset.rows, cols: dataset.cols, norm: data.norm };
      result = await train(model, config, { train: data.train, val: data.val, inputShape: data.inputShape, numClasses: k, image }, {
        progress,
        resume: checkpoint,
        resumeBestWeights,
        onEpoch: async (e) => {
          await o.store.recordEpoch(run.id, e);
          await o.store.updateRun(run.id, { epochsDone: e.epoch });
          await o.onEpoch?.(e);
        },
        onCheckpoint: (c) => writeCheckpoint(checkpointPath, c),
        onBest: (m) => saveModel(m, join(dir, BEST_MODEL_DIR)),
        shouldStop: () => signalled,
      });
    } catch (err) {
      await o.store.updateRun(run.id, { status: 'failed', error: (err as Error).message });
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const history = await o.store.epochs(run.id);
    const wallMs = history.reduce((a, e) => a + e.wallMs, 0);
    if (result.interrupted) {
      await o.store.updateRun(run.id, { status: 'stopped', wallMs });
      return { run: (await o.store.getRun(run.id))!, metrics: {}, files: [], backend, dataset };
    }

    await saveModel(model, join(dir, MODEL_DIR));
    const test = evaluateSplit(model, data.test, data.inputShape, k);
    const metrics: Record<string, Metrics> = { test: test.metrics };
    if (data.val) metrics.val = evaluateSplit(model, data.val, data.inputShape, k).metrics;
    if (o.evaluateTrain ?? true) metrics.train = evaluateSplit(model, data.train, data.inputShape, k).metrics;
    const files = [
      join(dir, MODEL_DIR, 'model.json'),
      writeCurves(dir, history, `${spec.name}, seed ${config.seed}`),
      ...Object.entries(metrics).map(([split, m]) => writeConfusion(dir, split, m, dataset.classNames)),
      writeMisclassified(dir, data.testSplit, test.probs, dataset.classNames),
    ];
    await o.store.updateRun(run.id, { status: 'completed', metrics, wallMs, epochsDone: history.length });
    rmSync(checkpointPath, { force: true });
    return { run: (await o.store.getRun(run.id))!, metrics, files, backend, dataset };
  } finally {
    model.dispose();
  }
}
