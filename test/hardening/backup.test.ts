import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhotoFiles, photoSealKey } from '../../src/main/store/photo-files.js';
import { photosDirFor, Store } from '../../src/main/store/store.js';
import { runCli } from '../support/cli.js';
import { commandKey, keyOfFile } from '../support/command-key.js';
import { userKeyFileFor } from '../../src/main/store/user-keys.js';
import { facedata, repoRoot } from '../support/paths.js';
import { tempDir, testModelsDir } from '../store/support.js';
import { logicalDump, photoFileNames } from './support.js';

const work = tempDir('facepheno-backup-');
const db = join(work.dir, 'live', 'cases.db');
const backup = join(work.dir, 'backup');
const fixture = (...p: string[]) => join(repoRoot, 'test', 'fixtures', ...p);
let models: { dir: string; cleanup: () => void };

beforeAll(async () => {
  models = await testModelsDir();
  const env = { FACEPHENO_MODELS_DIR: models.dir };
  const store = Store.open(db, { ...commandKey(db), osUser: 'backup-test' });
  store.hpo.load(fixture('hpo', 'hp.obo'));
  store.close();
  const steps = [
    ['case', 'import', '--db', db, '--phenopacket', fixture('phenopacket', 'kabuki.json')],
    ['case', 'create', '--db', db, '--id', 'BK-2'],
    [
      'case',
      'add-photo',
      '--db',
      db,
      '--id',
      'KAB-017',
      facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg'),
    ],
    [
      'case',
      'add-photo',
      '--db',
      db,
      '--id',
      'BK-2',
      facedata('children_controls', '10_0_0_20170110220530650.jpg.chip.jpg'),
    ],
    ['vcf', 'import', '--db', db, '--patient', 'KAB-017', fixture('genomics', 'trio.vep.vcf.gz')],
  ];
  for (const s of steps) {
    const r = runCli(s, env);
    expect(r.code, r.stderr).toBe(0);
  }
}, 180_000);

afterAll(() => {
  models?.cleanup();
  work.remove();
});

/** Every photo file's name and (unsealed: each sealing draws its own nonce) bytes. */
function photoBytes(dbFile: string): Record<string, string> {
  const files = new PhotoFiles(photosDirFor(dbFile), photoSealKey(keyOfFile(dbFile)));
  return Object.fromEntries(photoFileNames(dbFile).map((f) => [f, files.read(f).toString('hex')]));
}

describe('facepheno backup and restore', () => {
  it('backs up the database and photos, and restores them into an empty folder exactly', () => {
    const b = runCli(['backup', '--db', db, backup, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const manifest = JSON.parse(b.stdout) as { photos: { sha256: string }[]; database: { sha256: string } };
    expect(manifest.photos).toHaveLength(2);
    expect(readdirSync(backup).sort()).toEqual(['facepheno.db', 'manifest.json', 'photos']);

    const restored = join(work.dir, 'empty', 'restored.db');
    const r = runCli(['restore', backup, '--db', restored]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`to ${restored}: 2 photo file(s)`);
    const dump = logicalDump(restored);
    expect(dump.rows).toBeGreaterThan(20);
    expect(dump).toEqual(logicalDump(db));
    expect(photoBytes(restored)).toEqual(photoBytes(db));
    const store = Store.open(restored, commandKey(restored));
    try {
      expect(store.checkConsistency()).toEqual({
        integrity: 'ok',
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
      expect(store.openCase('KAB-017').terms.map((t) => t.termId)).toContain('HP:0000508');
    } finally {
      store.close();
    }
  });

  it('refuses to overwrite: an existing backup folder, an existing database', () => {
    const again = runCli(['backup', '--db', db, backup]);
    expect(again).toMatchObject({
      code: 1,
      stderr: `facepheno backup: ${backup}: the backup folder already exists: name a new one\n`,
    });
    const before = logicalDump(db);
    const over = runCli(['restore', backup, '--db', db]);
    expect(over).toMatchObject({ code: 1 });
    expect(over.stderr).toBe(
      `facepheno restore: ${db}: already exists: restore never overwrites; name a new database file\n`,
    );
    expect(logicalDump(db)).toEqual(before);
    expect(runCli(['backup', '--db', join(work.dir, 'nope.db'), join(work.dir, 'b2')]).code).toBe(1);
    expect(existsSync(join(work.dir, 'nope.db'))).toBe(false);
    expect(runCli(['backup', backup]).code).toBe(2);
    expect(runCli(['restore', '--db', join(work.dir, 'x.db')]).code).toBe(2);
  });

  it('refuses a damaged backup and leaves nothing behind', () => {
    const copy = join(work.dir, 'damaged');
    expect(runCli(['backup', '--db', db, copy]).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as {
      photos: { sha256: string }[];
    };
    const sha = manifest.photos[0]?.sha256 ?? '';
    const photo = new PhotoFiles(join(copy, 'photos')).path(sha);
    const bytes = readFileSync(photo);
    const mid = bytes.length >> 1;
    bytes.writeUInt8((bytes[mid] ?? 0) ^ 0xff, mid);
    writeFileSync(photo, bytes);
    const target = join(work.dir, 'from-damaged', 'cases.db');
    const r = runCli(['restore', copy, '--db', target]);
    expect(r.code).toBe(1);
    // The photos are sealed: a flipped byte fails the seal's tag before any sha256 is compared.
    expect(r.stderr).toBe(
      `facepheno restore: ${photo}: a sealed file is damaged or was sealed with another key: refused\n`,
    );
    expect(readdirSync(join(work.dir, 'from-damaged'))).toEqual([]);
    expect(existsSync(userKeyFileFor(target))).toBe(false);

    writeFileSync(join(copy, 'manifest.json'), '{"format": "something else"}');
    const m = runCli(['restore', copy, '--db', target]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`${join(copy, 'manifest.json')}: not a FacePheno backup manifest`);
    expect(readdirSync(join(work.dir, 'from-damaged'))).toEqual([]);
  });
});
