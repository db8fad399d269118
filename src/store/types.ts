/**
 * The run store: every training run with its config, provenance, history, metrics and model files.
 * `RunStore` is the interface; SQLite is the embedded implementation, and a PostgreSQL one (for
 * search workers on several machines) implements the same methods, which is why they are async.
 */
import type { Metrics } from '../evaluate/metrics.ts';

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped';

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  wallMs: number;
  cpuMs: number;
  imagesPerSec: number;
}

/** What a run records about where it ran and on what, for reproducibility. */
export interface Provenance {
  seed: number;
  dataChecksum: string;
  dataDir: string;
  classNames: string[];
  backend: string;
  backendDetail: string;
  versions: Record<string, string>;
  host: string;
}

export interface RunRecord {
  id: number;
  name: string;
  model: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  /** The full resolved training config (TrainConfig). */
  config: unknown;
  /** The resolved model spec (ModelSpec). */
  spec: unknown;
  provenance: Provenance;
  params: number;
  /** Final metrics per split evaluated (e.g. test, train, val). */
  metrics: Record<string, Metrics>;
  epochsDone: number;
  wallMs: number;
  error?: string;
}

export interface NewRun {
  name: string;
  model: string;
  config: unknown;
  spec: unknown;
  provenance: Provenance;
  params: number;
}

export type RunPatch = Partial<Pick<RunRecord, 'status' | 'metrics' | 'epochsDone' | 'wallMs' | 'error' | 'provenance'>>;

export interface RunStore {
  /** The store's folder: the database (for SQLite) and runs/<id>/ with each run's files. */
  readonly root: string;
  createRun(run: NewRun): Promise<RunRecord>;
  updateRun(id: number, patch: RunPatch): Promise<void>;
  /** Inserts or replaces one epoch (a resumed run may write an epoch again). */
  recordEpoch(id: number, e: EpochRecord): Promise<void>;
  getRun(id: number): Promise<RunRecord | undefined>;
  listRuns(): Promise<RunRecord[]>;
  epochs(id: number): Promise<EpochRecord[]>;
  /** Removes the run's rows and its files. */
  deleteRun(id: number): Promise<void>;
  runDir(id: number): string;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}
