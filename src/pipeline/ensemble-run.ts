/**
 * Ensembles of stored runs: each member's stored final model (never a model chosen by its test
 * score) predicts the test split it was trained with, optionally under test-time augmentation, and
 * the predictions are combined by hard and soft voting. `trainEnsemble` first trains the members,
 * each a normal stored run with its own seed. The result is stored under STORE/ensembles/<id>/.
 */
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import { initBackend, type BackendChoice } from '../engine/index.ts';
import { ensembleMetrics, EnsembleError } from '../evaluate/ensemble.ts';
import type { Metrics } from '../evaluate/metrics.ts';
import { predictProbs } from '../evaluate/predict.ts';
import { describeTta, ttaProbs, type TtaView } from '../evaluate/tta.ts';
import type { ModelSpec } from '../models/types.ts';
import { confusionHeatmap } from '../report/index.ts';
import { loadModel, newStampedDir, writeFileAtomic } from '../store/files.ts';
import type { RunRecord, RunStore } from '../store/types.ts';
import type { TrainConfig } from '../train/config.ts';
import { QuietProgress, type ProgressReporter } from '../train/progress.ts';
import { loadTrainingData, requireRun } from './evaluate-run.ts';
import { prepareData } from './examples.ts';
import { MODEL_DIR, trainRun } from './train-run.ts';

export const ENSEMBLES_DIR = 'ensembles';

export interface EnsembleMember {
  run: number;
  model: string;
  seed: number;
  /** Test accuracy and loss of the member alone. */
  accuracy: number;
  loss: number;
  /** The same with test-time augmentation. */
  ttaAccuracy?: number;
  ttaLoss?: number;
}

/** Members' accuracy (mean, sample std) and the two votes, without or with TTA. */
export interface VoteSummary {
  accuracy: { mean: number; std: number };
  hard: Metrics;
  soft: Metrics;
}

export interface EnsembleResult {
  /** The folder name under STORE/ensembles/ (a UTC timestamp). */
  id: string;
  createdAt: string;
  members: EnsembleMember[];
  classNames: string[];
  dataChecksum: string;
  testCount: number;
  plain: VoteSummary;
  /** With test-time augmentation: its views besides the identity, and the votes over TTA probabilities. */
  tta?: VoteSummary & { views: TtaView[]; description: string };
  /** The result JSON and the soft vote's confusion heatmap(s). */
  files: string[];
}

export interface EnsembleOptions {
  store: RunStore;
  runs: number[];
  dataDir?: string;
  backend?: BackendChoice;
  /** Test-time augmentation views besides the identity; none or empty: no TTA. */
  tta?: TtaView[];
  /** The data when already loaded (trainEnsemble's); must match the runs' checksum. */
  dataset?: Dataset;
}

async function checkedMembers(store: RunStore, ids: number[]): Promise<RunRecord[]> {
  if (ids.length < 2) throw new EnsembleError(`an ensemble needs at least 2 runs, got ${ids.length}`);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new EnsembleError(`run ${dup} is listed twice`);
  const runs: RunRecord[] = [];
  for (const id of ids) {
    const r = await requireRun(store, id);
    if (r.status !== 'completed') throw new EnsembleError(`run ${id} is ${r.status}; only completed runs have a final model`);
    runs.push(r);
  }
  const first = runs[0].provenance;
  for (const r of runs.slice(1)) {
    const p = r.provenance;
    if (p.dataChecksum !== first.dataChecksum) {
      throw new EnsembleError(`runs ${runs[0].id} and ${r.id} were trained on different data (sha256 ${first.dataChecksum.slice(0, 12)}… vs ` +
        `${p.dataChecksum.slice(0, 12)}…: other files or --limit-train/--limit-test); ensemble members must share their data`);
    }
    if (p.classNames.join('\n') !== first.classNames.join('\n')) {
      throw new EnsembleError(`runs ${runs[0].id} and ${r.id} have different class names (${first.classNames.join(', ')} vs ${p.classNames.join(', ')})`);
    }
  }
  return runs;
}

/** Evaluates stored runs as an ensemble on their test split and stores the result. */
export async function evaluateEnsemble(o: EnsembleOptions): Promise<EnsembleResult> {
  const runs = await checkedMembers(o.store, o.runs);
  await initBackend(o.backend);
  const prov = runs[0].provenance;
  // The members share their data (checkedMembers), so the first one's stands for all.
  const dataset = o.dataset ?? loadTrainingData(runs[0], o.dataDir, `runs ${runs.map((r) => r.id).join(', ')} were`);
  const k = prov.classNames.length;
  const views = o.tta ?? [];
  const plain: Float32Array[] = [];
  const withTta: Float32Array[] = [];
  for (const r of runs) {
    // Each member scales the test images as it was trained (its own fitted normalization).
    const data = prepareData(dataset, r.spec as ModelSpec, r.config as TrainConfig);
    const model = await loadModel(join(o.store.runDir(r.id), MODEL_DIR));
    try {
      const predict = (x: Float32Array, count: number) => predictProbs(model, x, count, data.inputShape);
      plain.push(predict(data.test.x, data.test.count));
      if (views.length) {
        withTta.push(ttaProbs(predict, data.test.x, data.test.count, { rows: dataset.rows, cols: dataset.cols, norm: data.norm }, views));
      }
    } finally {
      model.dispose();
    }
  }
  const labels = dataset.test.labels;
  const p = ensembleMetrics(plain, labels, k);
  const t = views.length ? ensembleMetrics(withTta, labels, k) : undefined;
  const members: EnsembleMember[] = runs.map((r, i) => ({
    run: r.id, model: r.model, seed: r.provenance.seed, accuracy: p.members[i].accuracy, loss: p.members[i].loss,
    ...(t ? { ttaAccuracy: t.members[i].accuracy, ttaLoss: t.members[i].loss } : {}),
  }));

  const { id, dir } = newStampedDir(join(o.store.root, ENSEMBLES_DIR));
  const files: string[] = [];
  const heatmap = (m: Metrics, name: string, title: string) => {
    const path = join(dir, name);
    confusionHeatmap(m.confusion, prov.classNames, { title }).writePNG(path);
    files.push(path);
  };
  heatmap(p.soft, 'confusion-soft-vote.png', `Soft vote of ${runs.length} runs (test)`);
  if (t) heatmap(t.soft, 'confusion-soft-vote-tta.png', `Soft vote of ${runs.length} runs with TTA (test)`);
  const result: EnsembleResult = {
    id, createdAt: new Date().toISOString(), members, classNames: prov.classNames, dataChecksum: prov.dataChecksum, testCount: labels.length,
    plain: { accuracy: p.accuracy, hard: p.hard, soft: p.soft },
    ...(t ? { tta: { views, description: describeTta(views), accuracy: t.accuracy, hard: t.hard, soft: t.soft } } : {}),
    files,
  };
  const jsonPath = join(dir, 'ensemble.json');
  files.unshift(jsonPath);
  writeFileAtomic(jsonPath, JSON.stringify(result, null, 1) + '\n', 'ensemble');
  return result;
}

export interface TrainEnsembleOptions extends Omit<EnsembleOptions, 'runs' | 'dataset'> {
  /** Every member's config; member i trains with seed baseSeed + i. */
  config: TrainConfig;
  members: number;
  /** Default: the config's seed. */
  baseSeed?: number;
  progress?: ProgressReporter;
  evaluateTrain?: boolean;
  /** Called as each member's run completes. */
  onMember?(run: RunRecord, index: number): void;
}

/** Trains `members` runs of one config with seeds baseSeed, baseSeed + 1, …, then evaluates them as an ensemble. */
export async function trainEnsemble(o: TrainEnsembleOptions): Promise<EnsembleResult> {
  if (!(Number.isInteger(o.members) && o.members >= 2)) throw new EnsembleError(`--members: an ensemble needs at least 2 members, got ${o.members}`);
  const base = o.baseSeed ?? o.config.seed;
  const progress = o.progress ?? new QuietProgress();
  const ids: number[] = [];
  let dataset: Dataset | undefined;
  for (let i = 0; i < o.members; i++) {
    progress.message(`member ${i + 1}/${o.members}: seed ${base + i}`);
    const r = await trainRun({
      store: o.store, config: { ...o.config, seed: base + i }, dataDir: o.dataDir, backend: o.backend, progress,
      evaluateTrain: o.evaluateTrain, dataset,
    });
    dataset = r.dataset; // load once, reuse for every member and the evaluation
    if (r.run.status !== 'completed') {
      throw new EnsembleError(`run ${r.run.id} (member ${i + 1}) ${r.run.status}; the ensemble is incomplete: finish it with ` +
        `fmnist train --resume ${r.run.id}, train the rest, then fmnist ensemble --runs ${[...ids, r.run.id].join(',')},…`);
    }
    ids.push(r.run.id);
    o.onMember?.(r.run, i);
  }
  return evaluateEnsemble({ store: o.store, runs: ids, dataDir: o.dataDir, backend: o.backend, tta: o.tta, dataset });
}
