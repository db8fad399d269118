import { SqliteStore } from './sqlite.ts';
import type { RunStore } from './types.ts';

export * from './types.ts';

export const DEFAULT_STORE = './fmnist-runs';

/** Opens the store named by `--store`: a folder (SQLite inside). */
export function openStore(location = process.env.FMNIST_STORE || DEFAULT_STORE): RunStore {
  return new SqliteStore(location);
}
