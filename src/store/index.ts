import { isPostgresUrl, PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { StudyStorage } from './study-types.ts';
import type { RunStore } from './types.ts';

export * from './types.ts';
export type * from './study-types.ts';

export const DEFAULT_STORE = './fmnist-runs';

/** Runs and studies: what every store implements. */
export type Store = RunStore & StudyStorage;

/**
 * Opens the store named by `--store`: a folder (SQLite inside), or a `postgres://user@host:port/db`
 * URL (connected on first use; run files in FMNIST_STORE_DIR or the user's cache, see postgres.ts).
 */
export function openStore(location = process.env.FMNIST_STORE || DEFAULT_STORE): Store {
  return isPostgresUrl(location) ? new PostgresStore(location) : new SqliteStore(location);
}
