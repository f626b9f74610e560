import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { openDatabaseFile } from '../../src/main/store/encryption.js';
import { keyOfFile } from '../support/command-key.js';
import { PhotoFiles } from '../../src/main/store/photo-files.js';
import { photosDirFor } from '../../src/main/store/store.js';

/**
 * A checksum of the database's logical content: every table's rows, in a fixed order (by every column),
 * blobs by their bytes. Equal before and after means nothing was written, whatever the file's pages say;
 * `besidesAudit`: nothing but audit entries.
 */
export function logicalDump(
  file: string,
  opts: { besidesAudit?: boolean } = {},
): { sha256: string; rows: number } {
  const db = openDatabaseFile(file, { readonly: true, key: keyOfFile(file) });
  // The audit log's entries and its head: what a read (which must leave an entry) writes.
  const skipped = (t: string, c: string) =>
    opts.besidesAudit === true && (t === 'audit_log' || (t === 'store_meta' && c.startsWith('audit_')));
  try {
    const hash = createHash('sha256');
    let rows = 0;
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    for (const t of tables) {
      const cols = (db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string }[])
        .filter((c) => !skipped(t, c.name))
        .map((c) => `"${c.name}"`);
      if (cols.length === 0) continue;
      hash.update(`table ${t} (${cols.join(',')})\n`);
      for (const row of db
        .prepare(`SELECT ${cols.join(', ')} FROM "${t}" ORDER BY ${cols.join(', ')}`)
        .raw()
        .iterate()) {
        rows++;
        hash.update(
          JSON.stringify(row, (_k, v: unknown) =>
            Buffer.isBuffer(v) ? `blob:${v.toString('hex')}` : typeof v === 'bigint' ? v.toString() : v,
          ) + '\n',
        );
      }
    }
    return { sha256: hash.digest('hex'), rows };
  } finally {
    db.close();
  }
}

/** The photo files beside a database, by name (the sha256 of their bytes). */
export function photoFileNames(dbFile: string): string[] {
  const dir = photosDirFor(dbFile);
  if (!existsSync(dir)) return [];
  return new PhotoFiles(dir).list().sort();
}
