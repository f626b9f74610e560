import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { backupStore, restoreStore } from '../../src/main/store/backup.js';
import { openDatabaseFile } from '../../src/main/store/encryption.js';
import { Store } from '../../src/main/store/store.js';
import { logicalDump } from '../hardening/support.js';
import { tempDir } from '../store/support.js';
import { clearText, patient, recordPatient, startsAsPlainSqlite } from './support.js';

const key = 'correct horse battery staple';
const noKey =
  'cannot open the case database: it is encrypted (give its key with --key-file FILE or FACEPHENO_DB_KEY) ' +
  'or not a FacePheno database';
let work: ReturnType<typeof tempDir>;
afterEach(() => work.remove());

/** A store in a new temporary folder holding the test patient, still open. */
function storeWithPatient(opts: { key?: string } = {}): { store: Store; file: string } {
  work = tempDir('facepheno-enc-');
  const file = join(work.dir, 'cases.db');
  const store = Store.open(file, { osUser: 'enc-test', ...opts });
  recordPatient(store);
  return { store, file };
}

/** What SQLite without the key makes of the file. */
function plainOpenError(file: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return undefined;
  } catch (err) {
    return err;
  } finally {
    db.close();
  }
}

describe('an encrypted case database', () => {
  it('holds none of the patient in clear, in the database or its WAL, open or closed', () => {
    const { store, file } = storeWithPatient({ key });
    // Open, the new rows are in the WAL: it must be encrypted too.
    expect(readFileSync(`${file}-wal`).length).toBeGreaterThan(0);
    expect(clearText(file)).toEqual([]);
    store.close();
    expect(clearText(file)).toEqual([]);
    expect(startsAsPlainSqlite(file)).toBe(false);
  });

  it('cannot be read without the key, nor with a wrong one, and opens with it', () => {
    const { store, file } = storeWithPatient({ key });
    store.close();
    expect(plainOpenError(file)).toMatchObject({ code: 'SQLITE_NOTADB' });
    expect(() => Store.open(file)).toThrow(UserError);
    expect(() => Store.open(file)).toThrow(`${file}: cannot open the case database`);
    expect(() => openDatabaseFile(file, { readonly: true })).toThrow(`${file}: ${noKey}`);
    const before = readFileSync(file);
    for (const wrong of ['correct horse battery stapl', 'x', key.toUpperCase()])
      expect(() => Store.open(file, { key: wrong })).toThrow(
        new UserError('wrong key or not a FacePheno database', { file }),
      );
    expect(readFileSync(file).equals(before)).toBe(true);

    const again = Store.open(file, { key });
    try {
      // No unencrypted temporary file: SQLite's temporary storage is in memory (2).
      expect(again.db.pragma('temp_store', { simple: true })).toBe(2);
      expect(again.patients.get(patient.pseudonym).notes).toBe(patient.notes);
      expect(again.openCase(patient.pseudonym).terms.map((t) => t.label)).toEqual([patient.term.label]);
    } finally {
      again.close();
    }
  });

  it('takes a raw 256-bit key in SQLCipher form, which no passphrase spelt the same way opens', () => {
    const raw = `x'${'3c'.repeat(32)}'`;
    const { store, file } = storeWithPatient({ key: raw });
    store.close();
    expect(clearText(file)).toEqual([]);
    expect(() => Store.open(file, { key: '3c'.repeat(32) })).toThrow(/wrong key/);
    Store.open(file, { key: raw }).close();
  });

  it('refuses a key for an unencrypted database, naming it', () => {
    const { store, file } = storeWithPatient();
    store.close();
    expect(() => Store.open(file, { key })).toThrow(
      new UserError(
        'this database is not encrypted: convert it with `facepheno encrypt --db FILE`, or open it without a key (--no-encryption)',
        { file },
      ),
    );
    expect(() => Store.open(file, { key: '' })).toThrow(new UserError('the database key is empty', { file }));
  });

  it('is backed up encrypted with the same key, and restored only with it', async () => {
    const { store, file } = storeWithPatient({ key });
    store.close();
    const backup = join(work.dir, 'backup');
    await expect(backupStore(file, backup)).rejects.toThrow(file);
    expect(existsSync(backup)).toBe(false);

    const manifest = await backupStore(file, backup, { key });
    expect(manifest.database.encrypted).toBe(true);
    const copy = join(backup, 'facepheno.db');
    expect(clearText(copy)).toEqual([]);
    expect(plainOpenError(copy)).toMatchObject({ code: 'SQLITE_NOTADB' });

    const restored = join(work.dir, 'restored', 'cases.db');
    expect(() => restoreStore(backup, restored)).toThrow(`${copy}: ${noKey}`);
    expect(() => restoreStore(backup, restored, { key: 'wrong' })).toThrow(
      `${copy}: wrong key or not a FacePheno database`,
    );
    expect(existsSync(restored)).toBe(false);
    restoreStore(backup, restored, { key });
    expect(clearText(restored)).toEqual([]);
    const back = Store.open(restored, { key });
    try {
      expect(back.patients.get(patient.pseudonym).notes).toBe(patient.notes);
    } finally {
      back.close();
    }
  });
});

describe('an unencrypted case database', () => {
  it('works as before: plain SQLite, which holds the patient in clear (the check above would see it)', async () => {
    const { store, file } = storeWithPatient();
    expect(clearText(file).length).toBeGreaterThan(0);
    store.close();
    expect(startsAsPlainSqlite(file)).toBe(true);
    expect(clearText(file)).toHaveLength(3);
    expect(plainOpenError(file)).toBeUndefined();

    const backup = join(work.dir, 'backup');
    expect((await backupStore(file, backup)).database.encrypted).toBe(false);
    expect(startsAsPlainSqlite(join(backup, 'facepheno.db'))).toBe(true);
    const restored = join(work.dir, 'restored.db');
    restoreStore(backup, restored);
    expect(logicalDump(restored)).toEqual(logicalDump(file));
  });
});
