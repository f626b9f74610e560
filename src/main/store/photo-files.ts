import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  deriveSealKey,
  makePrivateDir,
  readSealedFile,
  sealPurposes,
  writeSealedFile,
  type SealKey,
} from '../sealed-file.js';
import { UserError } from '../errors.js';
import { storageError } from './storage-errors.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const shaName = /^[0-9a-f]{64}$/;

/** The key photo files are sealed with, derived from the database key (none: unsealed). */
export function photoSealKey(databaseKey: string | undefined): SealKey | undefined {
  return databaseKey === undefined ? undefined : deriveSealKey(databaseKey, sealPurposes.photos);
}

/**
 * Photo files named by the sha256 of their bytes, in two-character fan-out folders: one file per distinct
 * photo however many rows name it. The store writes a file before the row that names it, and sweeps
 * files that no row names when it opens. Each file is sealed with the photo key derived from the database
 * key (none: a database opened with --no-encryption), and only the user may read it (0600, folders 0700).
 */
export class PhotoFiles {
  constructor(
    readonly dir: string,
    private readonly key?: SealKey,
  ) {}

  path(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** Writes the bytes durably (temporary file, fsync, rename) unless the same content is already there. */
  put(bytes: Uint8Array, sha256 = sha256Hex(bytes)): string {
    const target = this.path(sha256);
    if (existsSync(target)) return sha256;
    try {
      // The fan-out folder without `recursive`: a recursive mkdir on a read-only disk reports ENOENT, not EROFS.
      if (!existsSync(this.dir)) makePrivateDir(this.dir);
      const fan = join(this.dir, sha256.slice(0, 2));
      if (!existsSync(fan)) mkdirSync(fan, { mode: 0o700 });
      writeSealedFile(target, bytes, this.key);
    } catch (err) {
      throw storageError(err, this.dir);
    }
    return sha256;
  }

  /**
   * The photo's bytes, unsealed and checked against its name: a damaged or tampered file is refused
   * naming it, never handed on. `what` names the file in messages (a backed-up photo, the source's).
   */
  read(sha256: string, what = 'a photo file'): Buffer {
    const bytes = this.unsealed(sha256, what);
    const got = sha256Hex(bytes);
    if (got !== sha256)
      throw new UserError(`${what} is damaged: its sha256 is ${got}, not ${sha256}`, {
        file: this.path(sha256),
      });
    return bytes;
  }

  /** The file's content, unsealed (the seal's tag checked) but not yet checked against its name. */
  unsealed(sha256: string, what = 'a photo file'): Buffer {
    const file = this.path(sha256);
    try {
      return readSealedFile(file, this.key);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${what} is missing or unreadable: ${(err as Error).message}`, {
        file,
        cause: err,
      });
    }
  }

  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
  }

  /**
   * Sets the photo's file aside (renamed beside itself) for a deletion whose transaction has not committed
   * yet: no reader finds it under its name any more, and `restore` puts it back if the deletion fails.
   * Returns the set-aside path, or null when there was no file. The sweep removes a set-aside file left
   * by a crash, as its name is not a sha256.
   */
  setAside(sha256: string): string | null {
    const file = this.path(sha256);
    if (!existsSync(file)) return null;
    const aside = `${file}.removed-${randomBytes(6).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      throw storageError(err, this.dir);
    }
    return aside;
  }

  /** Puts a set-aside file back under its name, unless a writer has stored the same photo there since. */
  restore(aside: string, sha256: string): void {
    const file = this.path(sha256);
    if (existsSync(file)) rmSync(aside, { force: true });
    else renameSync(aside, file);
  }

  discard(aside: string): void {
    rmSync(aside, { force: true });
  }

  /** Deletes every file (and leftover temporary file) whose name is not in `keep`; returns how many. */
  sweep(keep: ReadonlySet<string>): number {
    if (!existsSync(this.dir)) return 0;
    let removed = 0;
    for (const fan of readdirSync(this.dir, { withFileTypes: true })) {
      if (!fan.isDirectory()) continue;
      const sub = join(this.dir, fan.name);
      for (const f of readdirSync(sub)) {
        if (shaName.test(f) && keep.has(f)) continue;
        rmSync(join(sub, f), { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  /** Every photo file present, by sha256. */
  list(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(this.dir, d.name)));
  }
}
