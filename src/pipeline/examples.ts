/** From a loaded dataset to the float examples a model spec takes, with the validation split. */
import type { Dataset, Split } from '../data/dataset.ts';
import { fitNormalization, normalize, splitIndices, subset, type Normalization } from '../data/preprocess.ts';
import type { ModelSpec } from '../models/types.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Examples } from '../train/trainer.ts';

export function inputShapeOf(spec: ModelSpec, ds: Pick<Dataset, 'rows' | 'cols'>): number[] {
  return spec.input === 'flat' ? [ds.rows * ds.cols] : [ds.rows, ds.cols, 1];
}

export function toExamples(split: Split, norm: Normalization): Examples {
  return { x: normalize(split.images, norm), y: split.labels, count: split.count };
}

export interface PreparedData {
  train: Examples;
  val?: Examples;
  test: Examples;
  /** Indices of the test split's examples, for pictures of test images. */
  testSplit: Split;
  norm: Normalization;
  inputShape: number[];
}

/** Splits off validation data, fits the scaling on the training part only, and scales every split. */
export function prepareData(ds: Dataset, spec: ModelSpec, config: TrainConfig): PreparedData {
  const size = ds.rows * ds.cols;
  const { train, val } = splitIndices(ds.train.labels, config.validation, config.seed);
  const trainSplit = val.length ? subset(ds.train, train, size) : ds.train;
  const norm = fitNormalization(trainSplit.images, config.scaling);
  return {
    train: toExamples(trainSplit, norm),
    ...(val.length ? { val: toExamples(subset(ds.train, val, size), norm) } : {}),
    test: toExamples(ds.test, norm),
    testSplit: ds.test,
    norm,
    inputShape: inputShapeOf(spec, ds),
  };
}
