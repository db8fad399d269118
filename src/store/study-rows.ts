/** Study and trial rows as both stores (SQLite, PostgreSQL) hold them, and their records. */
import type { Direction, Params, TrialState } from '../tune/types.ts';
import type { StoredTrial, StudyRecord } from './study-types.ts';
import { StoreError } from './types.ts';

export interface StudyRow {
  id: number; name: string; direction: string; definition: string; created_at: string | Date;
}

export interface TrialRow {
  id: number; study_id: number; number: number; state: string; params: string; value: number | null;
  run_id: number | null; worker: string | null; heartbeat_at: string | Date | null; started_at: string | Date | null;
  finished_at: string | Date | null; error: string | null; retried_as: number | null;
}

export interface ValueRow { trial_id: number; step: number; value: number | null }

const iso = (t: string | Date): string => (typeof t === 'string' ? t : t.toISOString());

export function toStudy(r: StudyRow): StudyRecord {
  return { id: r.id, name: r.name, direction: r.direction as Direction, definition: JSON.parse(r.definition), createdAt: iso(r.created_at) };
}

/** `values`: the trial's intermediate values; SQLite keeps NaN as NULL, read back as NaN. */
export function toTrial(r: TrialRow, values: readonly ValueRow[] = []): StoredTrial {
  const t: StoredTrial = {
    id: r.id, studyId: r.study_id, number: r.number, state: r.state as TrialState,
    params: JSON.parse(r.params) as Params,
    intermediate: new Map(values.map((v) => [v.step, v.value ?? NaN])),
  };
  if (r.value !== null) t.value = r.value;
  if (r.run_id !== null) t.runId = r.run_id;
  if (r.worker !== null) t.worker = r.worker;
  if (r.heartbeat_at !== null) t.heartbeatAt = iso(r.heartbeat_at);
  if (r.started_at !== null) t.startedAt = iso(r.started_at);
  if (r.finished_at !== null) t.finishedAt = iso(r.finished_at);
  if (r.error !== null) t.error = r.error;
  if (r.retried_as !== null) t.retriedAs = r.retried_as;
  return t;
}

/** Groups value rows by trial and attaches them, keeping the trials' order. */
export function withValues(rows: readonly TrialRow[], values: readonly ValueRow[]): StoredTrial[] {
  const byTrial = new Map<number, ValueRow[]>();
  for (const v of values) {
    const list = byTrial.get(v.trial_id);
    if (list) list.push(v);
    else byTrial.set(v.trial_id, [v]);
  }
  return rows.map((r) => toTrial(r, byTrial.get(r.id)));
}

const DIRECTIONS: readonly string[] = ['minimize', 'maximize'];
const FINAL_STATES: readonly string[] = ['complete', 'pruned', 'failed'];

export function checkDirection(direction: string): void {
  if (!DIRECTIONS.includes(direction)) throw new StoreError(`study direction must be minimize or maximize, got ${JSON.stringify(direction)}`);
}

export function checkFinalState(state: string): void {
  if (!FINAL_STATES.includes(state)) throw new StoreError(`a trial finishes as complete, pruned or failed, not ${JSON.stringify(state)}`);
}

/** Why a trial was failed when its worker's heartbeat went stale. */
export function staleReason(worker: string | null, staleMs: number): string {
  return `worker ${worker ?? '?'} stopped (no heartbeat for over ${staleMs} ms)`;
}

/** The error of a trial failed and re-queued. */
export function requeuedError(reason: string, copyNumber: number): string {
  return `${reason}; re-queued as trial ${copyNumber}`;
}

export function notRunning(id: number, number: number, state: string): StoreError {
  return new StoreError(`trial ${number} (id ${id}) is ${state}, not running: cannot finish it`);
}
