import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/main/store/db.js';
import { addPack } from '../../src/main/store/gallery-pack.js';
import { PhotoFiles, sha256Hex } from '../../src/main/store/photo-files.js';
import { photosDirFor, Store } from '../../src/main/store/store.js';
import { openTransferSource, transferCases, type TransferReport } from '../../src/main/store/transfer.js';
import { logicalDump, photoFileNames } from '../hardening/support.js';
import { runCli } from '../support/cli.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';
import { model } from '../support/synthetic-store.js';
import { countCases, dumpCases, dumpDatabase, dumpPacks, dumpStoreAudit } from './dump.js';
import { buildSource, otherCentrePack } from './source.js';

let dir: string;
let source: string;
let pseudonyms: string[];
let pack: string;
let sourceState: { dump: ReturnType<typeof logicalDump>; sha256: string; photos: string[] };
let n = 0;

const fileSha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const newFile = () => join(dir, `target-${++n}.db`);

type Backend = 'sqlite' | 'postgres';

/** A target store: a new SQLite file, or a new schema on the test PostgreSQL server with a photo folder. */
interface Target {
  to: string;
  photosDir: string;
  open(): Store;
}

const dropSchemas: (() => void)[] = [];

function newTarget(backend: Backend): Target {
  if (backend === 'sqlite') {
    const to = newFile();
    return { to, photosDir: photosDirFor(to), open: () => Store.open(to, { osUser: 'department-admin' }) };
  }
  const schema = freshSchema();
  dropSchemas.push(schema.drop);
  const photosDir = join(dir, `department-photos-${++n}`);
  return {
    to: schema.url,
    photosDir,
    open: () => Store.open(schema.url, { osUser: 'department-admin', photosDir }),
  };
}

function withStore<T>(t: Target, fn: (s: Store) => T): T {
  const s = t.open();
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

/** The target's every row and photo file; the files listed before a Store.open could sweep any. */
function targetState(t: Target) {
  const photos = new PhotoFiles(t.photosDir).list().sort();
  return { photos, rows: withStore(t, (s) => dumpDatabase(s.db)) };
}

function readOnly<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function migrate(target: Target): TransferReport {
  const src = openTransferSource(source);
  try {
    return withStore(target, (store) => transferCases(src, store));
  } finally {
    src.close();
  }
}

/** A target already in use: cases of its own (one sharing the source's photo), and a syndrome. */
async function usedTarget(t: Target, extra: (s: Store) => void = () => {}): Promise<void> {
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c89678' } })
    .jpeg()
    .toBuffer();
  const s = t.open();
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
  pack = await otherCentrePack(dir);
  pseudonyms = await buildSource(source, pack);
  sourceState = { dump: logicalDump(source), sha256: fileSha(source), photos: photoFileNames(source) };
});

afterAll(() => {
  for (const drop of dropSchemas) drop();
  rmSync(dir, { recursive: true, force: true });
});

/** After every move, refused or not: the source is exactly as it was. */
function expectSourceUnchanged(): void {
  expect(logicalDump(source)).toEqual(sourceState.dump);
  expect(fileSha(source)).toBe(sourceState.sha256);
  expect(photoFileNames(source)).toEqual(sourceState.photos);
}

function eachBackend(body: (backend: Backend) => void): void {
  describe('migrate SQLite -> SQLite', () => body('sqlite'));
  describe.skipIf(postgresSkip !== false)(
    `migrate SQLite -> PostgreSQL${postgresSkip === false ? '' : ` (skipped: ${postgresSkip})`}`,
    () => body('postgres'),
  );
}

eachBackend((backend) => {
  it('moves every case with its photos, faces, diagnoses, terms, variants, packs and audit trail', () => {
    const target = newTarget(backend);
    const report = migrate(target);

    const expected = readOnly(source, (db) => countCases(db, pseudonyms));
    expect(expected).toMatchObject({
      patients: 15,
      controlSources: 1,
      photos: 15,
      photoFiles: 2,
      faces: 17,
      embeddings: 15,
      terms: 2,
    });
    expect(expected.variants).toBeGreaterThan(0);
    expect(expected.variantAnnotations).toBeGreaterThan(0);
    // The report's counts are what the target holds, counted here independently.
    const held = withStore(target, ({ db }) => countCases(db, pseudonyms));
    expect(held).toEqual(expected);
    expect(report.counts).toMatchObject({
      ...held,
      photoFilesWritten: 2,
      syndromes: 2,
      galleryPacks: 1,
      packMembers: 12,
      packEmbeddings: 12,
    });
    expect(report.packsAlreadyThere).toBe(0);
    expect(withStore(target, ({ db }) => dumpCases(db, pseudonyms))).toEqual(
      readOnly(source, (db) => dumpCases(db, pseudonyms)),
    );
    expect(withStore(target, ({ db }) => dumpPacks(db))).toEqual(readOnly(source, (db) => dumpPacks(db)));
    expect(
      withStore(target, (s) => s.galleryEmbeddings(model.id).filter((g) => g.centre === 'Centre B')),
    ).toHaveLength(12);
    expect(new PhotoFiles(target.photosDir).list().sort()).toEqual(sourceState.photos);

    // The audit log: the source's entries as they were, one entry per moved case and one for the move.
    const sourceAudit = readOnly(
      source,
      (db) => db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number,
    );
    expect(report.counts.auditRows).toBe(sourceAudit + pseudonyms.length + 1);
    expect(withStore(target, ({ db }) => dumpStoreAudit(db))).toEqual(
      readOnly(source, (db) => dumpStoreAudit(db)),
    );
    withStore(target, (store) => {
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
      expect(store.checkConsistency()).toMatchObject({
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
    });
    expect(report.notMoved).toMatchObject({ gene_catalogue: 1 });
    expect(report.notMoved.gene_syndromes).toBeGreaterThan(0);
    expectSourceUnchanged();
  });

  it('gives the moved rows new ids beside the cases the target already holds', async () => {
    const target = newTarget(backend);
    // The target has merged the same centre's pack already: it is not copied again.
    await usedTarget(target, (s) => addPack(s, pack, [model]));
    const before = withStore(target, ({ db }) => ({
      cases: dumpCases(db, ['D-1', 'D-2', 'D-3']),
      packs: dumpPacks(db),
    }));
    const report = migrate(target);

    expect(withStore(target, ({ db }) => dumpCases(db, pseudonyms))).toEqual(
      readOnly(source, (db) => dumpCases(db, pseudonyms)),
    );
    expect(
      withStore(target, ({ db }) => ({ cases: dumpCases(db, ['D-1', 'D-2', 'D-3']), packs: dumpPacks(db) })),
    ).toEqual(before);
    // The moved entries joined the target's own audit chain, after its own entries.
    expect(withStore(target, (s) => s.audit.verify())).toMatchObject({ ok: true, unchained: 0 });
    const idOf = (db: Db | Database.Database, table: string, name: string) =>
      Number(
        db
          .prepare(`SELECT id FROM ${table} WHERE ${table === 'patients' ? 'pseudonym' : 'name'} = ?`)
          .pluck()
          .get(name),
      );
    for (const [table, name] of [
      ['patients', 'Kabuki-0'],
      ['syndromes', 'Kabuki syndrome'],
    ] as const)
      expect(withStore(target, ({ db }) => idOf(db, table, name))).not.toBe(
        readOnly(source, (db) => idOf(db, table, name)),
      );
    // The synthetic gallery's photo was already there (case D-2): only the other one is new.
    expect(report.counts).toMatchObject({
      photoFiles: 2,
      photoFilesWritten: 1,
      patients: pseudonyms.length,
      galleryPacks: 0,
      packMembers: 0,
    });
    expect(report.packsAlreadyThere).toBe(1);
    // Noonan syndrome merged with the target's entry: its gene kept, none duplicated.
    const noonan = withStore(target, ({ db }) =>
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
    const target = newTarget(backend);
    await usedTarget(target, (s) => s.patients.create({ pseudonym: 'kabuki-3' }));
    const before = targetState(target);
    expect(() => migrate(target)).toThrow(
      /already holds a case with the same id .*'Kabuki-3'; nothing was moved/,
    );
    expect(targetState(target)).toEqual(before);
    expectSourceUnchanged();
  });

  it('undoes a move that fails after its photo files were copied: rows and new files both gone', async () => {
    const target = newTarget(backend);
    // The catalogue contradicts the source's: merged after the files are copied, so the move fails then.
    await usedTarget(target, (s) => s.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:300867' }));
    const before = targetState(target);
    expect(before.photos).toHaveLength(1);
    expect(() => migrate(target)).toThrow(
      /syndrome 'Kabuki syndrome' has OMIM id OMIM:300867, not OMIM:147920/,
    );
    expect(targetState(target)).toEqual(before);
    expectSourceUnchanged();
  });
});

/** What --no-encryption prints for each SQLite database it opens unencrypted. */
const plainNotice = (db: string) => `facepheno: --no-encryption: ${db} and its photos are kept unencrypted`;

// The workstation database here is an unencrypted one made before encryption was the default: the
// command opens it (and a file target) only with --no-encryption, which it says on stderr.
describe('facepheno migrate', () => {
  it('prints the counts it read back from the target as one JSON document', () => {
    const target = newFile();
    const r = runCli(['migrate', '--from', source, '--to', target, '--json', '--no-encryption']);
    expect(r.stderr).toBe(`${plainNotice(source)}\n${plainNotice(target)}\n`);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TransferReport;
    expect(report).toMatchObject({
      from: source,
      to: target,
      counts: readOnly(target, (db) => countCases(db, pseudonyms)),
    });
    const text = runCli(['migrate', '--from', source, '--to', newFile(), '--no-encryption']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^moved 15 case\(s\) from .*workstation\.db to .*target-\d+\.db:\n {2}15 photo\(s\) in 2 photo file\(s\)/,
    );
    expectSourceUnchanged();
  });

  it('exits 2 on wrong arguments and 1 with one line naming a missing source or a clash', async () => {
    for (const args of [
      ['--to', newFile()],
      ['--from', source],
      ['--from', source, '--to', source],
      ['--from', source, '--to', newFile(), 'extra'],
      ['--from', 'postgres://h/db', '--to', newFile()],
      ['--from', source, '--to', newFile(), '--bogus'],
    ]) {
      const r = runCli(['migrate', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^facepheno migrate: .*\(see facepheno migrate --help\)\n$/);
    }
    const missing = join(dir, 'nowhere.db');
    const r = runCli(['migrate', '--from', missing, '--to', newFile()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`facepheno migrate: ${missing}: no such case database\n`);

    const target = newTarget('sqlite');
    await usedTarget(target, (s) => s.patients.create({ pseudonym: 'P1' }));
    const clash = runCli(['migrate', '--from', source, '--to', target.to, '--no-encryption']);
    expect(clash.code).toBe(1);
    expect(clash.stderr.trim().split('\n')).toEqual([
      plainNotice(source),
      plainNotice(target.to),
      expect.stringMatching(/: already holds a case with the same id as .*: 'P1'/),
    ]);
    expectSourceUnchanged();
  });

  it.skipIf(postgresSkip !== false)(
    `moves the cases into PostgreSQL, its photos into --to-photos${postgresSkip === false ? '' : ` (skipped: ${postgresSkip})`}`,
    () => {
      const target = newTarget('postgres');
      const r = runCli([
        'migrate',
        '--from',
        source,
        '--to',
        target.to,
        '--to-photos',
        target.photosDir,
        '--json',
        '--no-encryption',
      ]);
      expect(r.stderr).toBe(`${plainNotice(source)}\n`);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as TransferReport;
      expect(report.to).toBe(target.to);
      expect(report.counts).toMatchObject(withStore(target, ({ db }) => countCases(db, pseudonyms)));
      expect(new PhotoFiles(target.photosDir).list().sort()).toEqual(sourceState.photos);
      // Without a photo folder a PostgreSQL target is refused before anything is written.
      const bare = newTarget('postgres');
      const refused = runCli(['migrate', '--from', source, '--to', bare.to, '--no-encryption'], {
        FACEPHENO_PHOTOS_DIR: '',
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/FACEPHENO_PHOTOS_DIR/);
      expectSourceUnchanged();
    },
  );
});
