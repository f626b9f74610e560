import type Database from 'better-sqlite3';
import { dialectOf, type Db } from '../db.js';
import type { PostgresDb } from '../postgres/database.js';
import { storageError } from '../storage-errors.js';

/**
 * Runs a repository write in a transaction of its own (taking the write lock at the start), or as part
 * of the caller's when one is open, so that a change and its audit entry are never half-written. A
 * write the disk refuses (full, read-only) is a UserError naming the database, as Store.transaction
 * reports it, so that no caller has to wrap a repository's write to say why it failed.
 */
export function write<T>(db: Db, fn: () => T): T {
  try {
    return db.inTransaction ? fn() : db.transaction(fn).immediate();
  } catch (err) {
    throw storageError(err, databaseName(db));
  }
}

/** The database as messages name it (Store.file): the SQLite file, or the URL without its password. */
function databaseName(db: Db): string {
  return dialectOf(db) === 'postgres' ? (db as PostgresDb).target.display : (db as Database.Database).name;
}
