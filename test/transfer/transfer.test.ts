import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { openTransferSource, transferCases, type TransferReport } from '../../src/main/store/transfer.js';
import { logicalDump, photoFileNames } from '../hardening/support.js';
import { runCli } from '../support/cli.js';
import { model } from '../support/synthetic-store.js';
import { countCases, dumpCases, dumpStoreAudit } from './dump.js';
import { buildSource } from './source.js';

let dir: string;
let source: string;
let pseudonyms: string[];
let sourceState: { dump: ReturnType<typeof logicalDump>; sha256: string; photos: string[] };
let n = 0;

const fileSha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const newTarget = () => join(dir, `target-${++n}.db`);

function readOnly<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function migrate(target: string): TransferReport {
  const src = openTransferSource(source);
  try {
    const store = Store.open(target, { osUser: 'department-admin' });
    try {
      return transferCases(src, store);
    } finally {
      store.close();
    }
  } finally {
    src.close();
  }
}

/** A target already in use: cases of its own (one sharing the source's photo), and a syndrome. */
async function usedTarget(file: string, extra: (s: Store) => void = () => {}): Promise<void> {
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c89678' } })
    .jpeg()
    .toBuffer();
  const s = Store.open(file, { osUser: 'department-admin' });
  try {
    for (const id of ['D-1', 'D-2', 'D-3']) s.patients.create({ pseudonym: id });
    const analysis = {
      file: 'd.jpg',
      width: 32,
      height: 32,
      faces: [
        {
          box: { x: 4, y: 4, width: 24, height: 24 },
          score: 0.97,
          points5: [
            [10, 12],
            [22, 12],
            [16, 17],
            [11, 23],
            [21, 23],
          ] as [number, number][],
          mesh: null,
          quality: { interocularPx: 12, yaw: 0, pitch: 0, roll: 0, blur: 100, exposure: 0.5, flags: [] },
          embeddings: { [model.id]: new Float32Array(model.dim).fill(Math.SQRT1_2 / 2) },
        },
      ],
      primary: 0,
      aligned: null,
    };
    s.addPhotos('D-2', [{ file: 'd.jpg', bytes: jpeg, sha256: sha256Hex(jpeg), analysis }], {
      provider: 'cpu',
      embeddingModels: [model],
    });
    s.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950', genes: ['PTPN11'] });
    extra(s);
  } finally {
    s.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'facepheno-transfer-'));
  source = join(dir, 'workstation.db');
  pseudonyms = await buildSource(source);
  sourceState = { dump: logicalDump(source), sha256: fileSha(source), photos: photoFileNames(source) };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** After every move, refused or not: the source is exactly as it was. */
function expectSourceUnchanged(): void {
  expect(logicalDump(source)).toEqual(sourceState.dump);
  expect(fileSha(source)).toBe(sourceState.sha256);
  expect(photoFileNames(source)).toEqual(sourceState.photos);
}

describe('migrate SQLite -> SQLite', () => {
  it('moves every case with its photos, faces, diagnoses, terms, variants and audit trail', () => {
    const target = newTarget();
    const report = migrate(target);

    const expected = readOnly(source, (db) => countCases(db, pseudonyms));
    expect(expected).toMatchObject({
      patients: 14,
      photos: 14,
      photoFiles: 2,
      faces: 15,
      embeddings: 14,
      terms: 2,
    });
    expect(expected.variants).toBeGreaterThan(0);
    expect(expected.variantAnnotations).toBeGreaterThan(0);
    // The report's counts are what the target holds, counted here independently.
    const held = readOnly(target, (db) => countCases(db, pseudonyms));
    expect(held).toEqual(expected);
    expect(report.counts).toMatchObject({ ...held, photoFilesWritten: 2, syndromes: 2 });
    expect(readOnly(target, (db) => dumpCases(db, pseudonyms))).toEqual(
      readOnly(source, (db) => dumpCases(db, pseudonyms)),
    );
    expect(photoFileNames(target)).toEqual(sourceState.photos);

    // The audit log: the source's entries as they were, one entry per moved case and one for the move.
    const sourceAudit = readOnly(
      source,
      (db) => db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number,
    );
    expect(report.counts.auditRows).toBe(sourceAudit + pseudonyms.length + 1);
    expect(readOnly(target, (db) => dumpStoreAudit(db))).toEqual(
      readOnly(source, (db) => dumpStoreAudit(db)),
    );
    const store = Store.open(target);
    try {
      expect(store.audit.forPatient('P1').at(-1)).toMatchObject({
        action: 'patient.migrate',
        osUser: 'department-admin',
        details: { from: source, sourceStoreId: report.sourceStoreId },
      });
      const [move] = store.audit.recent(1);
      expect(move).toMatchObject({ action: 'store.migrate', patient: null, details: { from: source } });
      expect((move?.details as { counts: unknown }).counts).toEqual({
        ...report.counts,
        auditRows: sourceAudit,
      });
      expect(store.checkConsistency()).toEqual({
        integrity: 'ok',
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
    } finally {
      store.close();
    }
    expect(report.notMoved).toMatchObject({ gene_catalogue: 1 });
    expect(report.notMoved.gene_syndromes).toBeGreaterThan(0);
    expectSourceUnchanged();
  });

  it('gives the moved rows new ids beside the cases the target already holds', async () => {
    const target = newTarget();
    await usedTarget(target);
    const before = readOnly(target, (db) => dumpCases(db, ['D-1', 'D-2', 'D-3']));
    const report = migrate(target);

    expect(readOnly(target, (db) => dumpCases(db, pseudonyms))).toEqual(
      readOnly(source, (db) => dumpCases(db, pseudonyms)),
    );
    expect(readOnly(target, (db) => dumpCases(db, ['D-1', 'D-2', 'D-3']))).toEqual(before);
    const idOf = (file: string, table: string, where: string, arg: string) =>
      readOnly(file, (db) => db.prepare(`SELECT id FROM ${table} WHERE ${where}`).pluck().get(arg));
    expect(idOf(target, 'patients', 'pseudonym = ?', 'Kabuki-0')).not.toBe(
      idOf(source, 'patients', 'pseudonym = ?', 'Kabuki-0'),
    );
    expect(idOf(target, 'syndromes', 'name = ?', 'Kabuki syndrome')).not.toBe(
      idOf(source, 'syndromes', 'name = ?', 'Kabuki syndrome'),
    );
    // The synthetic gallery's photo was already there (case D-2): only the other one is new.
    expect(report.counts).toMatchObject({ photoFiles: 2, photoFilesWritten: 1, patients: pseudonyms.length });
    // Noonan syndrome merged with the target's entry: its gene kept, none duplicated.
    const noonan = readOnly(target, (db) =>
      db
        .prepare(
          "SELECT gene FROM syndrome_genes g JOIN syndromes s ON s.id = g.syndrome_id WHERE s.name = 'Noonan syndrome'",
        )
        .pluck()
        .all(),
    );
    expect(noonan).toEqual(['PTPN11']);
    expectSourceUnchanged();
  });

  it('refuses a target that holds a case of the same pseudonym, naming it, and writes nothing', async () => {
    const target = newTarget();
    await usedTarget(target, (s) => s.patients.create({ pseudonym: 'kabuki-3' }));
    const before = { dump: logicalDump(target), photos: photoFileNames(target) };
    expect(() => migrate(target)).toThrow(
      /already holds a case with the same id .*'Kabuki-3'; nothing was moved/,
    );
    expect(logicalDump(target)).toEqual(before.dump);
    expect(photoFileNames(target)).toEqual(before.photos);
    expectSourceUnchanged();
  });

  it('undoes a move that fails after its photo files were copied: rows and new files both gone', async () => {
    const target = newTarget();
    // The catalogue contradicts the source's: merged after the files are copied, so the move fails then.
    await usedTarget(target, (s) => s.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:300867' }));
    const before = { dump: logicalDump(target), photos: photoFileNames(target) };
    expect(before.photos).toHaveLength(1);
    expect(() => migrate(target)).toThrow(
      /syndrome 'Kabuki syndrome' has OMIM id OMIM:300867, not OMIM:147920/,
    );
    expect(logicalDump(target)).toEqual(before.dump);
    expect(photoFileNames(target)).toEqual(before.photos);
    expectSourceUnchanged();
  });
});

describe('facepheno migrate', () => {
  it('prints the counts it read back from the target as one JSON document', () => {
    const target = newTarget();
    const r = runCli(['migrate', '--from', source, '--to', target, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TransferReport;
    expect(report).toMatchObject({
      from: source,
      to: target,
      counts: readOnly(target, (db) => countCases(db, pseudonyms)),
    });
    const text = runCli(['migrate', '--from', source, '--to', newTarget()]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^moved 14 case\(s\) from .*workstation\.db to .*target-\d+\.db:\n {2}14 photo\(s\) in 2 photo file\(s\)/,
    );
    expectSourceUnchanged();
  });

  it('exits 2 on wrong arguments and 1 with one line naming a missing source or a clash', async () => {
    for (const args of [
      ['--to', newTarget()],
      ['--from', source],
      ['--from', source, '--to', source],
      ['--from', source, '--to', newTarget(), 'extra'],
      ['--from', 'postgres://h/db', '--to', newTarget()],
      ['--from', source, '--to', newTarget(), '--bogus'],
    ]) {
      const r = runCli(['migrate', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^facepheno migrate: .*\(see facepheno migrate --help\)\n$/);
    }
    const missing = join(dir, 'nowhere.db');
    const r = runCli(['migrate', '--from', missing, '--to', newTarget()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`facepheno migrate: ${missing}: no such case database\n`);

    const target = newTarget();
    await usedTarget(target, (s) => s.patients.create({ pseudonym: 'P1' }));
    const clash = runCli(['migrate', '--from', source, '--to', target]);
    expect(clash.code).toBe(1);
    expect(clash.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/: already holds a case with the same id as .*: 'P1'/),
    ]);
    expectSourceUnchanged();
  });
});
