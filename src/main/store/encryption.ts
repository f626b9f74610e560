import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Db } from './db.js';
import { UserError } from '../errors.js';

/** SQLite's own first 16 bytes: a file that starts with them is not encrypted. */
const plainHeader = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether the file starts as an unencrypted SQLite database does. */
export function startsPlain(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(plainHeader.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(plainHeader);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** SQLite cannot read page 1: no key, a wrong key, or not a database at all. */
function unreadable(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_NOTADB';
}

/**
 * Unlocks (or, for a new file, encrypts) a database with a SQLCipher-compatible key, and checks that the key
 * opens it, so that a wrong key is one clear message here rather than "file is not a database" later. Must
 * run before any other statement. Without a key it only checks that the file can be read unencrypted.
 * Refuses a key where the SQLite build has no cipher support, so a key is never silently ignored.
 *
 * A key of the form x'<64 hex digits>' is a raw 256-bit key (SQLCipher's convention: no key derivation);
 * any other is a passphrase, stretched by SQLCipher's PBKDF2 on every open.
 */
export function unlockDatabase(db: Db, key: string | undefined, file: string): void {
  if (key !== undefined) {
    if (key.length === 0) throw new UserError('the database key is empty', { file });
    const ciphers = db.pragma('cipher', { simple: true }) as unknown;
    if (typeof ciphers !== 'string')
      throw new UserError('this build of SQLite cannot encrypt: the database key cannot be applied', {
        file,
      });
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma(`key = '${key.replaceAll("'", "''")}'`);
    // SQLite's temporary files (large sorts, statement journals) are not encrypted: keep them in memory.
    db.pragma('temp_store = MEMORY');
  }
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (err) {
    if (!unreadable(err)) throw err;
    if (key === undefined)
      throw new UserError(
        'cannot open the case database: it is encrypted (give its key with --key-file FILE or ' +
          'FACEPHENO_DB_KEY) or not a FacePheno database',
        { file, cause: err },
      );
    if (startsPlain(file))
      throw new UserError(
        'this database is not encrypted: convert it with `facepheno encrypt --db FILE`, or open it ' +
          'without a key (--no-encryption)',
        { file, cause: err },
      );
    throw new UserError('wrong key or not a FacePheno database', { file, cause: err });
  }
}

/**
 * Opens an existing SQLite database file besides the store's own connection (a backup's copy, a second
 * writer), unlocked with `key` like the store itself (none: a plain database).
 */
export function openDatabaseFile(
  file: string,
  opts: { readonly?: boolean; timeoutMs?: number; key?: string } = {},
): Database.Database {
  const db = new Database(file, {
    readonly: opts.readonly ?? false,
    fileMustExist: true,
    timeout: opts.timeoutMs ?? 10_000,
  });
  try {
    unlockDatabase(db, opts.key, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A passphrase kept in a file (never on the command line, where `ps` shows it): the file's text, less
 * one final line ending, so that `echo secret > key` works.
 */
export function readKeyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the key file: ${(err as Error).message}`, { file, cause: err });
  }
  const key = text.replace(/\r?\n$/, '');
  if (key.length === 0) throw new UserError('the key file is empty', { file });
  if (key.includes('\0')) throw new UserError('the key file holds a NUL byte: not a passphrase', { file });
  return key;
}
