/**
 * The objective of a study on the real data: one stored training run per trial. The trial's
 * parameters set the run's config and model (study-file.ts); after every epoch the study's metric
 * is reported, so a pruner can stop the run; the trial is linked to its run as soon as the run is
 * stored. The data is loaded once per worker process and shared by all its trials.
 */
import { loadDataset, type Dataset } from '../data/dataset.ts';
import type { BackendChoice } from '../engine/index.ts';
import { trainRun } from '../pipeline/train-run.ts';
import type { EpochRecord, RunRecord, RunStore } from '../store/types.ts';
import type { TrainConfig } from '../train/config.ts';
import { trialSetup, type ObjectiveConfig, type StudyMetric } from './study-file.ts';
import type { Params } from './types.ts';
import type { Objective, TrialHandle } from './worker.ts';

export interface StudyObjectiveOptions {
  store: RunStore;
  setup: ObjectiveConfig;
  dataDir?: string;
  backend?: BackendChoice;
  /** After each epoch's metric is reported (progress display). */
  onEpoch?(trial: TrialHandle, e: EpochRecord, value: number): void;
  /**
   * When a run stops before its end because the process was signalled (Ctrl-C): the trial must not
   * count as finished. Without it the trial fails with an error.
   */
  onInterrupted?(trial: TrialHandle, run: RunRecord): Promise<never>;
}

/** The study's metric in an epoch record; undefined when the run has no validation data. */
export function epochMetric(e: EpochRecord, metric: StudyMetric): number | undefined {
  return metric === 'val_accuracy' ? e.valAccuracy : e.valLoss;
}

/** The trial's value from its epochs' metric: the last one, or the best in the study's direction. */
export function selectValue(values: readonly number[], setup: Pick<ObjectiveConfig, 'objective' | 'metric'>): number {
  if (values.length === 0) throw new Error('the run reported no epochs');
  if (setup.objective === 'last') return values[values.length - 1];
  return setup.metric === 'val_loss' ? Math.min(...values) : Math.max(...values);
}

export function studyObjective(o: StudyObjectiveOptions): Objective {
  let dataset: Dataset | undefined;
  const data = (c: TrainConfig): Dataset =>
    (dataset ??= loadDataset({ dataDir: o.dataDir, limitTrain: c.limitTrain, limitTest: c.limitTest }));

  return async (params: Params, trial: TrialHandle): Promise<number> => {
    const { config, spec } = trialSetup(o.setup, params);
    const values: number[] = [];
    const r = await trainRun({
      store: o.store, config, spec, dataset: data(config), dataDir: o.dataDir, backend: o.backend, evaluateTrain: false,
      onStart: (run) => trial.setRun(run.id),
      onEpoch: async (e) => {
        const v = epochMetric(e, o.setup.metric);
        if (v === undefined) throw new Error(`epoch ${e.epoch} has no ${o.setup.metric}: the run has no validation data`);
        values.push(v);
        o.onEpoch?.(trial, e, v);
        await trial.report(e.epoch, v, e.epoch === config.epochs); // throws TrialPruned when the pruner stops the trial
        // Let a pending Ctrl-C be seen before the trainer's end-of-epoch stop check: short epochs
        // may end before the trainer's own periodic pause.
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    });
    if (r.run.status !== 'completed') {
      if (o.onInterrupted) return o.onInterrupted(trial, r.run);
      throw new Error(`run ${r.run.id} stopped after epoch ${r.run.epochsDone} (interrupted)`);
    }
    return selectValue(values, o.setup);
  };
}
