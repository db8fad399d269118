/** Run and epoch rows as both stores (SQLite, PostgreSQL) hold them, and their records. */
import type { EpochRecord, RunPatch, RunRecord } from './types.ts';

export interface RunRow {
  id: number; name: string; model: string; status: string; created_at: string; updated_at: string;
  config: string; spec: string; provenance: string; params: number; metrics: string;
  epochs_done: number; wall_ms: number; error: string | null;
}

export interface EpochRow {
  epoch: number; loss: number; accuracy: number; val_loss: number | null; val_accuracy: number | null;
  lr: number; wall_ms: number; cpu_ms: number; images_per_sec: number;
}

export function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id, name: r.name, model: r.model, status: r.status as RunRecord['status'],
    createdAt: r.created_at, updatedAt: r.updated_at,
    config: JSON.parse(r.config), spec: JSON.parse(r.spec), provenance: JSON.parse(r.provenance),
    params: r.params, metrics: JSON.parse(r.metrics), epochsDone: r.epochs_done, wallMs: r.wall_ms,
    ...(r.error ? { error: r.error } : {}),
  };
}

export function toEpoch(r: EpochRow): EpochRecord {
  return {
    epoch: r.epoch, loss: r.loss, accuracy: r.accuracy,
    ...(r.val_loss !== null ? { valLoss: r.val_loss } : {}),
    ...(r.val_accuracy !== null ? { valAccuracy: r.val_accuracy } : {}),
    lr: r.lr, wallMs: r.wall_ms, cpuMs: r.cpu_ms, imagesPerSec: r.images_per_sec,
  };
}

/** The columns a RunPatch sets, as column → value (undefined ones left out). */
export function patchColumns(patch: RunPatch): [string, unknown][] {
  const cols: Record<string, unknown> = {
    status: patch.status,
    metrics: patch.metrics && JSON.stringify(patch.metrics),
    epochs_done: patch.epochsDone,
    wall_ms: patch.wallMs,
    error: patch.error,
    provenance: patch.provenance && JSON.stringify(patch.provenance),
  };
  return Object.entries(cols).filter(([, v]) => v !== undefined);
}
