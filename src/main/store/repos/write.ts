import type { Db } from '../db.js';

/**
 * Runs a repository write in a transaction of its own (taking the write lock at the start), or as part
 * of the caller's when one is open, so that a change and its audit entry are never half-written.
 */
export function write<T>(db: Db, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn).immediate();
}
