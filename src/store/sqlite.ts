/** The embedded run store: one SQLite database (WAL, so several processes can share it) plus run folders. */
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
`;

interface RunRow {
  id: number; name: string; model: string; status: string; created_at: string; updated_at: string;
  config: string; spec: string; provenance: string; params: number; metrics: string;
  epochs_done: number; wall_ms: number; error: string | null;
}

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id, name: r.name, model: r.model, status: r.status as RunRecord['status'],
    createdAt: r.created_at, updatedAt: r.updated_at,
    config: JSON.parse(r.config), spec: JSON.parse(r.spec), provenance: JSON.parse(r.provenance),
    params: r.params, metrics: JSON.parse(r.metrics), epochsDone: r.epochs_done, wallMs: r.wall_ms,
    ...(r.error ? { error: r.error } : {}),
  };
}

export class SqliteStore implements RunStore {
  readonly root: string;
  private db: Database.Database;

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
    const cols: Record<string, unknown> = {
      status: patch.status,
      metrics: patch.metrics && JSON.stringify(patch.metrics),
      epochs_done: patch.epochsDone,
      wall_ms: patch.wallMs,
      error: patch.error,
      provenance: patch.provenance && JSON.stringify(patch.provenance),
    };
    const set = Object.entries(cols).filter(([, v]) => v !== undefined);
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
    const rows = this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(id) as Record<string, number | null>[];
    return rows.map((r) => ({
      epoch: r.epoch!, loss: r.loss!, accuracy: r.accuracy!,
      ...(r.val_loss !== null ? { valLoss: r.val_loss! } : {}),
      ...(r.val_accuracy !== null ? { valAccuracy: r.val_accuracy! } : {}),
      lr: r.lr!, wallMs: r.wall_ms!, cpuMs: r.cpu_ms!, imagesPerSec: r.images_per_sec!,
    }));
  }

  async deleteRun(id: number): Promise<void> {
    const res = this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    if (res.changes === 0) throw new StoreError(`run ${id} not found in ${this.root}`);
    rmSync(this.runDir(id), { recursive: true, force: true });
  }

  runDir(id: number): string {
    return join(this.root, 'runs', String(id));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
