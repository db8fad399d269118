/**
 * The embedded run store: one SQLite database (WAL, so several processes can share it) plus run
 * folders. Studies live in the same database; every step that numbers, claims or re-queues trials
 * is a `BEGIN IMMEDIATE` transaction, which takes the database's write lock before reading, so
 * worker processes sharing the file never hand out one number or one trial twice.
 */
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Direction, Params, TrialState } from '../tune/types.ts';
import { patchColumns, toEpoch, toRecord, type EpochRow, type RunRow } from './run-rows.ts';
import {
  checkDirection, checkFinalState, notRunning, requeuedError, staleReason, toStudy, toTrial, withValues,
  type StudyRow, type TrialRow, type ValueRow,
} from './study-rows.ts';
import type { StoredTrial, StudyRecord, StudyStorage } from './study-types.ts';
import { StoreError, type EpochRecord, type NewRun, type RunPatch, type RunRecord, type RunStore } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  config TEXT NOT NULL,
  spec TEXT NOT NULL,
  provenance TEXT NOT NULL,
  params INTEGER NOT NULL,
  metrics TEXT NOT NULL DEFAULT '{}',
  epochs_done INTEGER NOT NULL DEFAULT 0,
  wall_ms REAL NOT NULL DEFAULT 0,
  error TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  loss REAL NOT NULL,
  accuracy REAL NOT NULL,
  val_loss REAL,
  val_accuracy REAL,
  lr REAL NOT NULL,
  wall_ms REAL NOT NULL,
  cpu_ms REAL NOT NULL,
  images_per_sec REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  direction TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  state TEXT NOT NULL,
  params TEXT NOT NULL,
  value REAL,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  worker TEXT,
  heartbeat_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  error TEXT,
  retried_as INTEGER,
  UNIQUE (study_id, number)
);
CREATE INDEX IF NOT EXISTS trials_by_state ON trials (study_id, state);
CREATE TABLE IF NOT EXISTS trial_values (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (trial_id, step)
);
`;

export class SqliteStore implements RunStore, StudyStorage {
  readonly root: string;
  private db: Database.Database;

  get location(): string {
    return this.root;
  }

  constructor(root: string) {
    this.root = resolve(root);
    try {
      mkdirSync(join(this.root, 'runs'), { recursive: true });
      this.db = new Database(join(this.root, 'fmnist.db'));
    } catch (err) {
      throw new StoreError(`store ${this.root}: cannot open (${(err as Error).message})`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const now = new Date().toISOString();
    const info = this.db.prepare(
      `INSERT INTO runs (name, model, status, created_at, updated_at, config, spec, provenance, params)
       VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
    ).run(run.name, run.model, now, now, JSON.stringify(run.config), JSON.stringify(run.spec),
      JSON.stringify(run.provenance), run.params);
    const id = Number(info.lastInsertRowid);
    mkdirSync(this.runDir(id), { recursive: true });
    return (await this.getRun(id))!;
  }

  async updateRun(id: number, patch: RunPatch): Promise<void> {
    const set = patchColumns(patch);
    const sql = `UPDATE runs SET ${[...set.map(([k]) => `${k} = ?`), 'updated_at = ?'].join(', ')} WHERE id = ?`;
    const res = this.db.prepare(sql).run(...set.map(([, v]) => v), new Date().toISOString(), id);
    if (res.changes === 0) throw new StoreError(`run ${id} not found in ${this.root}`);
  }

  async recordEpoch(id: number, e: EpochRecord): Promise<void> {
    this.db.prepare(
      `INSERT OR REPLACE INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, lr, wall_ms, cpu_ms, images_per_sec)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, e.epoch, e.loss, e.accuracy, e.valLoss ?? null, e.valAccuracy ?? null, e.lr, e.wallMs, e.cpuMs, e.imagesPerSec);
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRecord(row);
  }

  async listRuns(): Promise<RunRecord[]> {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[]).map(toRecord);
  }

  async epochs(id: number): Promise<EpochRecord[]> {
    return (this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(id) as EpochRow[]).map(toEpoch);
  }

  async deleteRun(id: number): Promise<void> {
    const res = this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    if (res.changes === 0) throw new StoreError(`run ${id} not found in ${this.root}`);
    rmSync(this.runDir(id), { recursive: true, force: true });
  }

  runDir(id: number): string {
    return join(this.root, 'runs', String(id));
  }

  // ---- studies ----

  async createStudy(name: string, direction: Direction, definition: unknown): Promise<StudyRecord> {
    checkDirection(direction);
    this.db.prepare('INSERT OR IGNORE INTO studies (name, direction, definition, created_at) VALUES (?, ?, ?, ?)')
      .run(name, direction, JSON.stringify(definition ?? null), new Date().toISOString());
    return (await this.getStudy(name))!;
  }

  async getStudy(name: string): Promise<StudyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as StudyRow | undefined;
    return row && toStudy(row);
  }

  async listStudies(): Promise<StudyRecord[]> {
    return (this.db.prepare('SELECT * FROM studies ORDER BY id').all() as StudyRow[]).map(toStudy);
  }

  async claimWaitingTrial(studyId: number, worker: string): Promise<StoredTrial | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT id FROM trials WHERE study_id = ? AND state = 'waiting' ORDER BY number LIMIT 1`)
        .get(studyId) as { id: number } | undefined;
      if (!row) return undefined;
      const now = new Date().toISOString();
      this.db.prepare(`UPDATE trials SET state = 'running', worker = ?, heartbeat_at = ?, started_at = ? WHERE id = ?`)
        .run(worker, now, now, row.id);
      return this.trial(row.id);
    }).immediate();
  }

  async createTrial(studyId: number, params: Params, state: 'running' | 'waiting', worker?: string): Promise<StoredTrial> {
    if (state !== 'running' && state !== 'waiting') throw new StoreError(`a new trial is running or waiting, not ${JSON.stringify(state)}`);
    return this.db.transaction(() => this.insertTrial(studyId, params, state, worker)).immediate();
  }

  async reserveTrial(studyId: number, worker: string, budget: number): Promise<StoredTrial | undefined> {
    return this.db.transaction(() => {
      const { n } = this.db.prepare(
        `SELECT COUNT(*) AS n FROM trials WHERE study_id = ? AND NOT (state = 'failed' AND retried_as IS NOT NULL)`,
      ).get(studyId) as { n: number };
      return n < budget ? this.insertTrial(studyId, {}, 'running', worker) : undefined;
    }).immediate();
  }

  async setTrialParams(trialId: number, params: Params): Promise<void> {
    this.updateTrial(trialId, 'params = ?', JSON.stringify(params));
  }

  async setTrialRun(trialId: number, runId: number): Promise<void> {
    this.updateTrial(trialId, 'run_id = ?', runId);
  }

  async reportIntermediate(trialId: number, step: number, value: number): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO trial_values (trial_id, step, value) VALUES (?, ?, ?)').run(trialId, step, value);
  }

  async heartbeat(trialId: number): Promise<void> {
    this.db.prepare(`UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running'`).run(new Date().toISOString(), trialId);
  }

  async finishTrial(trialId: number, state: Exclude<TrialState, 'waiting' | 'running'>, value?: number, error?: string): Promise<void> {
    checkFinalState(state);
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT number, state FROM trials WHERE id = ?').get(trialId) as { number: number; state: string } | undefined;
      if (!row) throw new StoreError(`trial id ${trialId} not found in ${this.root}`);
      if (row.state !== 'running') throw notRunning(trialId, row.number, row.state);
      this.db.prepare('UPDATE trials SET state = ?, value = ?, error = ?, finished_at = ? WHERE id = ?')
        .run(state, value ?? null, error ?? null, new Date().toISOString(), trialId);
    }).immediate();
  }

  async listTrials(studyId: number): Promise<StoredTrial[]> {
    // One read transaction, so trials and values come from the same snapshot.
    return this.db.transaction(() => withValues(
      this.db.prepare('SELECT * FROM trials WHERE study_id = ? ORDER BY number').all(studyId) as TrialRow[],
      this.db.prepare(`SELECT v.trial_id, v.step, v.value FROM trial_values v JOIN trials t ON t.id = v.trial_id
                       WHERE t.study_id = ? ORDER BY v.trial_id, v.step`).all(studyId) as ValueRow[],
    ))();
  }

  async failStaleTrials(studyId: number, staleMs: number): Promise<StoredTrial[]> {
    return this.db.transaction(() => {
      const cutoff = new Date(Date.now() - staleMs).toISOString();
      const stale = this.db.prepare(
        `SELECT * FROM trials WHERE study_id = ? AND state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ?) ORDER BY number`,
      ).all(studyId, cutoff) as TrialRow[];
      return stale.map((r) => this.requeue(r, staleReason(r.worker, staleMs)));
    }).immediate();
  }

  async requeueTrial(trialId: number, reason: string): Promise<StoredTrial | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT * FROM trials WHERE id = ? AND state = 'running'`).get(trialId) as TrialRow | undefined;
      return row && this.requeue(row, reason);
    }).immediate();
  }

  /** Fails a running trial and queues its waiting copy; call inside an immediate transaction. */
  private requeue(r: TrialRow, reason: string): StoredTrial {
    const copy = this.insertTrial(r.study_id, JSON.parse(r.params) as Params, 'waiting');
    this.db.prepare(`UPDATE trials SET state = 'failed', error = ?, finished_at = ?, retried_as = ? WHERE id = ?`)
      .run(requeuedError(reason, copy.number), new Date().toISOString(), copy.number, r.id);
    return this.trial(r.id)!;
  }

  /** Appends a trial with the next number; call inside an immediate transaction. */
  private insertTrial(studyId: number, params: Params, state: 'running' | 'waiting', worker?: string): StoredTrial {
    if (!this.db.prepare('SELECT 1 FROM studies WHERE id = ?').get(studyId)) throw new StoreError(`study id ${studyId} not found in ${this.root}`);
    const { next } = this.db.prepare('SELECT COALESCE(MAX(number) + 1, 0) AS next FROM trials WHERE study_id = ?').get(studyId) as { next: number };
    const now = state === 'running' ? new Date().toISOString() : null;
    const info = this.db.prepare(
      `INSERT INTO trials (study_id, number, state, params, worker, heartbeat_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(studyId, next, state, JSON.stringify(params), state === 'running' ? worker ?? null : null, now, now);
    return this.trial(Number(info.lastInsertRowid))!;
  }

  private trial(id: number): StoredTrial | undefined {
    const row = this.db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as TrialRow | undefined;
    return row && toTrial(row, this.db.prepare('SELECT trial_id, step, value FROM trial_values WHERE trial_id = ? ORDER BY step').all(id) as ValueRow[]);
  }

  private updateTrial(trialId: number, set: string, value: unknown): void {
    const res = this.db.prepare(`UPDATE trials SET ${set} WHERE id = ?`).run(value, trialId);
    if (res.changes === 0) throw new StoreError(`trial id ${trialId} not found in ${this.root}`);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
