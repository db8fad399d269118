/**
 * A hierarchical classifier, seed 004's idea: the classes most often confused with each other
 * (T-shirt/top, Pullover, Shirt) are merged for a coarse model, and a specialist trained on those
 * classes alone tells them apart. Both are normal stored runs (on derived datasets), and so is the
 * flat model of the same architecture and training it is compared with, unless a stored flat run
 * is given. The comparison is on the full test set; the result is stored under STORE/hierarchies/.
 */
import { join } from 'node:path';
import { classGrouping, coarseDataset, groupDataset, type ClassGrouping } from '../data/class-groups.ts';
import { loadDataset, type Dataset } from '../data/dataset.ts';
import { normalize } from '../data/preprocess.ts';
import { initBackend, type BackendChoice } from '../engine/index.ts';
import { combineHierarchy } from '../evaluate/hierarchy.ts';
import { argmaxRows, computeMetrics, type Metrics } from '../evaluate/metrics.ts';
import { predictProbs } from '../evaluate/predict.ts';
import { resolveModel } from '../models/load.ts';
import type { LayerSpec, ModelSpec } from '../models/types.ts';
import { confusionHeatmap } from '../report/index.ts';
import { loadModel, newStampedDir, writeFileAtomic } from '../store/files.ts';
import type { RunRecord, RunStore } from '../store/types.ts';
import type { TrainConfig } from '../train/config.ts';
import { QuietProgress, type ProgressReporter } from '../train/progress.ts';
import { requireRun } from './evaluate-run.ts';
import { prepareData } from './examples.ts';
import { MODEL_DIR, trainRun } from './train-run.ts';

export const HIERARCHIES_DIR = 'hierarchies';
/** T-shirt/top, Pullover, Shirt: the pairs among them are Fashion-MNIST's most confused. */
export const DEFAULT_GROUP = [0, 2, 6];

export interface HierarchyOptions {
  store: RunStore;
  /** The training config of all three models (its model names the architecture). */
  config: TrainConfig;
  group?: number[];
  /** A stored run to compare with instead of training the flat model. */
  flatRun?: number;
  dataDir?: string;
  backend?: BackendChoice;
  progress?: ProgressReporter;
}

/** Accuracy overall and on the group's test images, for one way of classifying. */
export interface HierarchyScore {
  accuracy: number;
  loss: number;
  /** Accuracy on the test images whose true class is in the group. */
  groupAccuracy: number;
}

export interface HierarchyResult {
  id: string;
  group: { classes: number[]; names: string[] };
  runs: { coarse: number; specialist: number; flat: number };
  flat: HierarchyScore;
  hierarchical: HierarchyScore;
  /** The coarse model alone on the merged problem, and the specialist alone on the group's images. */
  coarseAccuracy: number;
  specialistAccuracy: number;
  testCount: number;
  files: string[];
}

/** The spec with its output layer resized to `classes` units. */
export function withClasses(spec: ModelSpec, classes: number, suffix: string): ModelSpec {
  const layers = structuredClone(spec.layers) as LayerSpec[];
  const last = layers[layers.length - 1];
  if (last.type !== 'dense') throw new Error(`model ${spec.name}: a hierarchy needs a model ending in a dense output layer, not ${last.type}`);
  last.units = classes;
  return { ...structuredClone(spec), name: `${spec.name}-${suffix}`, classes, layers };
}

function score(m: Metrics, group: number[]): HierarchyScore {
  let inGroup = 0;
  let right = 0;
  for (const c of group) {
    inGroup += m.confusion[c].reduce((a, b) => a + b, 0);
    right += m.confusion[c][c];
  }
  return { accuracy: m.accuracy, loss: m.loss, groupAccuracy: inGroup ? right / inGroup : NaN };
}

/** The specialist alone on the test images of the group's classes (its probabilities for all test images). */
function groupAccuracy(probs: Float32Array, labels: Uint8Array, group: number[]): number {
  const predicted = argmaxRows(probs, group.length);
  let n = 0;
  let right = 0;
  labels.forEach((y, i) => {
    const j = group.indexOf(y);
    if (j < 0) return;
    n++;
    if (predicted[i] === j) right++;
  });
  return right / n;
}

/** A stored run's final model predicting the full test set, scaled as that run was trained. */
async function predictTest(store: RunStore, run: RunRecord, trainedOn: Dataset, full: Dataset): Promise<Float32Array> {
  const data = prepareData(trainedOn, run.spec as ModelSpec, run.config as TrainConfig);
  const model = await loadModel(join(store.runDir(run.id), MODEL_DIR));
  try {
    return predictProbs(model, normalize(full.test.images, data.norm), full.test.count, data.inputShape);
  } finally {
    model.dispose();
  }
}

export async function trainHierarchy(o: HierarchyOptions): Promise<HierarchyResult> {
  const progress = o.progress ?? new QuietProgress();
  await initBackend(o.backend);
  const spec = resolveModel(o.config.model);
  const full = loadDataset({ dataDir: o.dataDir, limitTrain: o.config.limitTrain, limitTest: o.config.limitTest });
  const g: ClassGrouping = classGrouping(full.classNames.length, o.group ?? DEFAULT_GROUP);
  const coarseData = coarseDataset(full, g);
  const groupData = groupDataset(full, g);

  const train = async (what: string, s: ModelSpec, dataset: Dataset) => {
    progress.message(`${what}: ${s.name}, ${dataset.classNames.length} classes, ${dataset.train.count} training images`);
    const r = await trainRun({ store: o.store, config: { ...o.config }, spec: s, dataset, backend: o.backend, progress, evaluateTrain: false });
    if (r.run.status !== 'completed') throw new Error(`run ${r.run.id} (${what}) ${r.run.status}; resume it with fmnist train --resume ${r.run.id}`);
    return r.run;
  };
  const coarse = await train('coarse model', withClasses(spec, coarseData.classNames.length, 'coarse'), coarseData);
  const specialist = await train('specialist', withClasses(spec, g.group.length, 'specialist'), groupData);
  let flat: RunRecord;
  if (o.flatRun !== undefined) {
    flat = await requireRun(o.store, o.flatRun);
    if (flat.status !== 'completed') throw new Error(`run ${flat.id} is ${flat.status}; the flat model must be a completed run`);
    if (flat.provenance.dataChecksum !== full.checksum) {
      throw new Error(`run ${flat.id} was trained on other data (sha256 ${flat.provenance.dataChecksum.slice(0, 12)}…); compare on the same data and limits`);
    }
  } else {
    flat = await train('flat model', spec, full);
  }

  const labels = full.test.labels;
  const pCoarse = await predictTest(o.store, coarse, coarseData, full);
  const pSpecialist = await predictTest(o.store, specialist, groupData, full);
  const pFlat = await predictTest(o.store, flat, full, full);
  const k = full.classNames.length;
  const hierarchical = computeMetrics(combineHierarchy(pCoarse, pSpecialist, g, full.test.count), labels, k);

  const { id, dir } = newStampedDir(join(o.store.root, HIERARCHIES_DIR));
  const heatmap = join(dir, 'confusion-hierarchical.png');
  confusionHeatmap(hierarchical.confusion, full.classNames, { title: 'Hierarchical classifier (test)' }).writePNG(heatmap);
  const result: HierarchyResult = {
    id, group: { classes: g.group, names: g.group.map((c) => full.classNames[c]) },
    runs: { coarse: coarse.id, specialist: specialist.id, flat: flat.id },
    flat: score(computeMetrics(pFlat, labels, k), g.group), hierarchical: score(hierarchical, g.group),
    coarseAccuracy: computeMetrics(pCoarse, coarseData.test.labels, coarseData.classNames.length).accuracy,
    specialistAccuracy: groupAccuracy(pSpecialist, labels, g.group), testCount: labels.length, files: [],
  };
  const json = join(dir, 'hierarchy.json');
  result.files = [json, heatmap];
  writeFileAtomic(json, JSON.stringify(result, null, 1) + '\n', 'hierarchy');
  return result;
}
