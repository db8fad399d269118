/**
 * `fmnist reproduce`: trains the configurations behind a seed report's headline numbers and sets
 * ours beside theirs. Each headline is a normal stored run (or, for a mean of N runs and their
 * vote, a stored ensemble); the comparison is written to STORE/reproductions/ as JSON.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.ts';
import type { BackendChoice } from '../engine/index.ts';
import { resolveModel } from '../models/load.ts';
import { writeFileAtomic } from '../store/files.ts';
import type { RunStore } from '../store/types.ts';
import type { TrainConfig } from '../train/config.ts';
import { QuietProgress, type ProgressReporter } from '../train/progress.ts';
import { configForModel } from '../train/spec-defaults.ts';
import { trainEnsemble } from './ensemble-run.ts';
import { HEADLINES, type Headline, type SeedId } from './headlines.ts';
import { trainRun } from './train-run.ts';

export const REPRODUCTIONS_DIR = 'reproductions';

export interface ReproduceOptions {
  store: RunStore;
  /** Run the reports' own epochs instead of the shorter CPU schedules. */
  full?: boolean;
  /** Epochs for every headline (quick checks); overrides `full`. */
  epochs?: number;
  /** Runs per mean-and-vote headline instead of the report's count (at least 2). */
  members?: number;
  seed?: number;
  limitTrain?: number;
  limitTest?: number;
  dataDir?: string;
  backend?: BackendChoice;
  progress?: ProgressReporter;
}

/** A headline as the report gives it, and ours. */
export interface Reproduction extends Pick<Headline, 'seed' | 'key' | 'label' | 'model' | 'split' | 'theirs' | 'theirsVote' | 'note'> {
  ours: number;
  /** Hard vote of our runs (the reports voted by majority); the soft vote beside it. */
  oursVote?: number;
  oursSoftVote?: number;
  /** Ours − theirs, in accuracy (0.01 = one point). */
  difference: number;
  runs: number[];
  epochs: number;
  theirEpochs: number;
  /** A shorter schedule than the report's, or other epochs asked for. */
  shortened: boolean;
  wallMs: number;
}

/** The training config of a headline: the zoo model's stated settings, then what the report's text adds. */
export function headlineConfig(h: Headline, o: Pick<ReproduceOptions, 'full' | 'epochs' | 'seed' | 'limitTrain' | 'limitTest'>): TrainConfig {
  const c = configForModel(h.model, resolveModel(h.model));
  c.epochs = o.epochs ?? (o.full ? h.epochs : h.cpuEpochs ?? h.epochs);
  if (h.config?.validation) c.validation = h.config.validation;
  if (h.config?.augment) c.augment = structuredClone(h.config.augment);
  if (h.config?.earlyStopping) c.earlyStopping = { ...h.config.earlyStopping };
  if (h.keepBestByValLoss) c.earlyStopping = { monitor: 'val_loss', patience: c.epochs, restoreBestWeights: true };
  if (o.seed !== undefined) c.seed = o.seed;
  if (o.limitTrain !== undefined) c.limitTrain = o.limitTrain;
  if (o.limitTest !== undefined) c.limitTest = o.limitTest;
  return c;
}

/** Trains one headline's configuration (one run, or its members and their vote). */
export async function reproduceHeadline(h: Headline, o: ReproduceOptions, dataset?: Dataset): Promise<{ result: Reproduction; dataset?: Dataset }> {
  const progress = o.progress ?? new QuietProgress();
  const config = headlineConfig(h, o);
  const started = performance.now();
  const base = {
    seed: h.seed, key: h.key, label: h.label, model: h.model, split: h.split, theirs: h.theirs, theirsVote: h.theirsVote,
    epochs: config.epochs, theirEpochs: h.epochs, shortened: config.epochs !== h.epochs, note: h.note,
  };
  progress.message(`seed ${h.seed} ${h.key}: ${h.label}, ${config.epochs} epochs${config.epochs !== h.epochs ? ` (the report: ${h.epochs})` : ''}`);
  if (h.members) {
    const members = o.members ?? h.members;
    const e = await trainEnsemble({ store: o.store, config, members, dataDir: o.dataDir, backend: o.backend, progress, evaluateTrain: false });
    const result: Reproduction = {
      ...base, ours: e.plain.accuracy.mean, oursVote: e.plain.hard.accuracy, oursSoftVote: e.plain.soft.accuracy,
      difference: e.plain.accuracy.mean - h.theirs, runs: e.members.map((m) => m.run), wallMs: performance.now() - started,
    };
    return { result, dataset }; // the ensemble loads its own data
  }
  const r = await trainRun({ store: o.store, config, dataDir: o.dataDir, backend: o.backend, progress, evaluateTrain: false, dataset });
  if (r.run.status !== 'completed') throw new Error(`run ${r.run.id} ${r.run.status}; finish it with fmnist train --resume ${r.run.id}`);
  const m = r.metrics[h.split];
  if (!m) throw new Error(`${h.seed} ${h.key}: the run has no ${h.split} metrics (validation split none?)`);
  const result: Reproduction = { ...base, ours: m.accuracy, difference: m.accuracy - h.theirs, runs: [r.run.id], wallMs: performance.now() - started };
  return { result, dataset: r.dataset };
}

/**
 * Runs the given headlines in order, calling `onResult` after each, and stores the comparison.
 * Data is loaded once and shared while the headlines use the same limits.
 */
export async function reproduce(headlines: readonly Headline[], o: ReproduceOptions, onResult?: (r: Reproduction) => void): Promise<{ results: Reproduction[]; file: string }> {
  const results: Reproduction[] = [];
  let dataset: Dataset | undefined;
  for (const h of headlines) {
    const done = await reproduceHeadline(h, o, dataset);
    dataset = done.dataset;
    results.push(done.result);
    onResult?.(done.result);
  }
  const dir = join(o.store.root, REPRODUCTIONS_DIR);
  mkdirSync(dir, { recursive: true });
  const seeds = [...new Set(headlines.map((h) => h.seed))].join('-');
  const file = join(dir, `${seeds}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileAtomic(file, JSON.stringify({ createdAt: new Date().toISOString(), options: { full: o.full ?? false, epochs: o.epochs, members: o.members }, results }, null, 1) + '\n', 'reproduce');
  return { results, file };
}

/** Headlines by seed (and optionally key); unknown names are errors listing what exists. */
export function selectHeadlines(seeds: string[], only?: string[]): Headline[] {
  const known = [...new Set(HEADLINES.map((h) => h.seed))];
  for (const s of seeds) {
    if (!known.includes(s as SeedId)) throw new ReproduceError(`unknown seed report '${s}'; expected one of ${known.join(', ')} (or all)`);
  }
  const picked = HEADLINES.filter((h) => seeds.includes(h.seed));
  if (!only) return picked;
  for (const k of only) {
    if (!picked.some((h) => h.key === k)) {
      throw new ReproduceError(`--only ${k}: no such headline in seed ${seeds.join(', ')}; expected one of ${picked.map((h) => h.key).join(', ')}`);
    }
  }
  return picked.filter((h) => only.includes(h.key));
}

export class ReproduceError extends Error {
  override name = 'ReproduceError';
}
