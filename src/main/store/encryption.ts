import type { Db } from './db.js';
import { UserError } from '../errors.js';

/**
 * Unlocks (or, for a new file, encrypts) a database with a SQLCipher-compatible key. Must run before any
 * other statement. Refuses when the SQLite build has no cipher support, so a key is never silently ignored.
 */
export function unlockDatabase(db: Db, key: string, file: string): void {
  if (key.length === 0) throw new UserError('the database key is empty', { file });
  const ciphers = db.pragma('cipher', { simple: true }) as unknown;
  if (typeof ciphers !== 'string')
    throw new UserError('this build of SQLite cannot encrypt: the database key cannot be applied', { file });
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma(`key = '${key.replaceAll("'", "''")}'`);
}
