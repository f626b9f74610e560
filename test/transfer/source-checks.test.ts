import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Migration } from '../../src/main/store/migrate.js';
import * as migrations from '../../src/main/store/migrations/index.js';
import { PhotoFiles } from '../../src/main/store/photo-files.js';
import { photosDirFor, Store } from '../../src/main/store/store.js';
import { openTransferSource, transferCases, type TransferReport } from '../../src/main/store/transfer.js';
import { logicalDump } from '../hardening/support.js';
import { fillSyntheticStore } from '../support/synthetic-store.js';

let dir: string;
let n = 0;
const file = (name: string) => join(dir, `${name}-${++n}.db`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'facepheno-transfer-source-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function moveInto(target: string, source: ReturnType<typeof openTransferSource>): TransferReport {
  const store = Store.open(target);
  try {
    return transferCases(source, store);
  } finally {
    store.close();
    source.close();
  }
}

/** A database brought up to `list` only, by the real runner: what an older (or newer) FacePheno left. */
function databaseWith(list: Migration[], fill: (db: Database.Database) => void = () => {}): string {
  const f = file('source');
  const db = new Database(f);
  try {
    migrate(db, f, list, 'test');
    fill(db);
  } finally {
    db.close();
  }
  return f;
}

describe('migrate reads its source as it is, or refuses it whole', () => {
  it('moves from an older schema (before genomics and matching): the missing tables hold nothing', () => {
    const now = new Date().toISOString();
    const source = databaseWith([migrations.m0001], (db) =>
      db.exec(`INSERT INTO patients (id, pseudonym, sex, created_at, updated_at) VALUES (7, 'OLD-1', 'female', '${now}', '${now}');
        INSERT INTO syndromes (id, name, omim) VALUES (3, 'Kabuki syndrome', 'OMIM:147920');
        INSERT INTO diagnoses (patient_id, syndrome_id, status, recorded_at) VALUES (7, 3, 'confirmed', '${now}');`),
    );
    const before = logicalDump(source);
    const report = moveInto(file('target'), openTransferSource(source));
    expect(report.counts).toMatchObject({
      patients: 1,
      diagnoses: 1,
      syndromes: 1,
      vcfImports: 0,
      galleryPacks: 0,
    });
    // Never migrated, never written.
    expect(logicalDump(source)).toEqual(before);
    const db = new Database(source, { readonly: true });
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(1);
    db.close();
  });

  it('refuses a source written by a newer FacePheno, naming its migration', () => {
    const future: Migration = {
      version: 99,
      name: 'future',
      sql: 'CREATE TABLE future_things (x INTEGER) STRICT;',
    };
    const source = databaseWith([...Object.values(migrations), future]);
    expect(() => openTransferSource(source)).toThrow(
      `${source}: written by a newer FacePheno (test): it has schema migration 99 (future)`,
    );
  });

  it('refuses a source holding rows in a table it does not know how to move, writing nothing', async () => {
    const source = file('source');
    await fillSyntheticStore(source);
    const db = new Database(source);
    db.exec("CREATE TABLE local_notes (note TEXT); INSERT INTO local_notes VALUES ('kept here')");
    db.close();
    const target = file('target');
    Store.open(target).close();
    const before = logicalDump(target);
    expect(() => moveInto(target, openTransferSource(source))).toThrow(
      `${source}: holds records that migrate cannot move yet (table local_notes); nothing was moved`,
    );
    expect(logicalDump(target)).toEqual(before);
  });

  it('refuses a source whose photo file is damaged, naming it, leaving the target as it was', async () => {
    const source = file('source');
    await fillSyntheticStore(source);
    const photos = new PhotoFiles(photosDirFor(source));
    const [sha = ''] = photos.list();
    writeFileSync(photos.path(sha), 'not the photo');
    const target = file('target');
    Store.open(target).close();
    const before = logicalDump(target);
    expect(() => moveInto(target, openTransferSource(source))).toThrow(
      `${photos.path(sha)}: a photo file of the source is damaged: its bytes do not match its sha256 name`,
    );
    expect(logicalDump(target)).toEqual(before);
    expect(new PhotoFiles(photosDirFor(target)).list()).toEqual([]);
  });

  it('reads an encrypted source with its key, and names the file without it', () => {
    const key = 'workstation passphrase';
    const source = file('encrypted');
    const s = Store.open(source, { key });
    s.patients.create({ pseudonym: 'ENC-1' });
    s.close();
    expect(() => openTransferSource(source)).toThrow(`${source}: cannot read the case database`);
    const report = moveInto(file('target'), openTransferSource(source, { key }));
    expect(report.counts.patients).toBe(1);
  });
});
