import { accessSync, constants } from 'node:fs';
import { UserError } from '../errors.js';

/**
 * The error codes that mean no room on the disk, the system's and SQLite's. Opening a WAL database
 * grows its wal-index (the -shm file) by writing a byte into each new page: on a full disk that write
 * fails as SQLITE_IOERR_SHMSIZE (its only other cause, fstat failing on an open file, does not happen).
 * A write to the database or its WAL that finds the disk full (ENOSPC) is SQLITE_FULL;
 * SQLITE_IOERR_WRITE is any other failure (an exceeded quota among them, which SQLite does not tell
 * apart from a failing disk) and stays an I/O error.
 */
const noSpace = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE']);

/** Why a write to the data directory failed, for the failures the user (not the program) must fix. */
function reason(code: string): string | undefined {
  if (noSpace.has(code)) return 'the disk is full';
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return 'the data folder is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'no permission to write here';
  return undefined;
}

/**
 * A write that failed because the disk is full, read-only or not ours becomes a UserError naming the
 * file or folder (`place`); any other error is returned as it is.
 */
export function storageError(err: unknown, place: string): unknown {
  if (err instanceof UserError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const why = typeof code === 'string' ? reason(code) : undefined;
  return why === undefined
    ? err
    : new UserError(`${why}: nothing was saved (${code})`, { file: place, cause: err });
}

/**
 * The reason a folder cannot be written to (read-only, not ours), as a UserError naming it, or undefined:
 * SQLite reports a database in such a folder only as one it cannot open.
 */
export function unwritableFolder(dir: string): UserError | undefined {
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const e = storageError(err, dir);
    return e instanceof UserError ? e : undefined;
  }
}
