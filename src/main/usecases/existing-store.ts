import { existsSync } from 'node:fs';
import type { StoreConfig } from '../store/config.js';
import { isPostgresUrl } from '../store/postgres/target.js';

/**
 * Whether the store a configuration names is there to open, for work on cases that must exist: opening a
 * missing SQLite file would create an empty database. Whether a postgres:// database exists only
 * connecting tells, so a URL counts as there.
 */
export function storeExists(config: StoreConfig): boolean {
  return isPostgresUrl(config.target) || existsSync(config.target);
}
