import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-file.js';
import { storageError } from './storage-errors.js';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const shaName = /^[0-9a-f]{64}$/;

/**
 * Photo files named by the sha256 of their bytes, in two-character fan-out folders: one file per distinct
 * photo however many rows name it. The store writes a file before the row that names it, and sweeps
 * files that no row names when it opens.
 */
export class PhotoFiles {
  constructor(readonly dir: string) {}

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
      if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
      const fan = join(this.dir, sha256.slice(0, 2));
      if (!existsSync(fan)) mkdirSync(fan);
      writeFileDurably(target, bytes);
    } catch (err) {
      throw storageError(err, this.dir);
    }
    return sha256;
  }

  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
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
