/**
 * The command's side of a case's life: photos and a VCF deleted by the numbers `case show` prints, the case
 * solved with a diagnosis and added to the gallery only when asked, the case deleted (only with --yes), the
 * audit log listing who removed what.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store/store.js';
import { runCli } from '../support/cli.js';
import { commandKey } from '../support/command-key.js';
import { facedata, repoRoot } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

const dir = mkdtempSync(join(tmpdir(), 'facepheno-case-life-cli-'));
const db = join(dir, 'cases.db');
let models: { dir: string; cleanup: () => void };
beforeAll(async () => {
  models = await testModelsDir();
});
afterAll(() => {
  models.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const fixture = (...p: string[]) => join(repoRoot, 'test', 'fixtures', ...p);
const json = <T>(stdout: string): T => JSON.parse(stdout) as T;
type Shown = {
  patient: { kind: string; solvedAt: string | null };
  photos: { id: number; sha256: string }[];
  vcfImports: { id: number; fileName: string; variants: number }[];
};
const show = (id: string) => json<Shown>(runCli(['case', 'show', '--db', db, '--id', id, '--json']).stdout);

/** The photo files of the store, by name. */
function photoFiles(): string[] {
  const store = Store.open(db, commandKey(db));
  try {
    return store.files.list().sort();
  } finally {
    store.close();
  }
}

describe('facepheno case: a case’s life', () => {
  it('deletes a photo and a VCF import, solves the case and adds it to the gallery, then deletes it', () => {
    const env = { FACEPHENO_MODELS_DIR: models.dir };
    const photos = ['10_0_0_20170110220503946.jpg.chip.jpg', '10_0_0_20170110220530650.jpg.chip.jpg'].map(
      (f) => facedata('children_controls', f),
    );
    expect(runCli(['case', 'create', '--db', db, '--id', 'LIFE-1', '--sex', 'female']).code).toBe(0);
    // The phenopacket brings Kabuki syndrome 1 (OMIM:147920) into the catalogue.
    expect(
      runCli(['case', 'import', '--db', db, '--phenopacket', fixture('phenopacket', 'kabuki.json')]).code,
    ).toBe(0);
    expect(runCli(['case', 'add-photo', '--db', db, '--id', 'LIFE-1', ...photos], env).code).toBe(0);
    expect(
      runCli(['vcf', 'import', '--db', db, '--patient', 'LIFE-1', fixture('genomics', 'trio.vep.vcf')]).code,
    ).toBe(0);
    const before = show('LIFE-1');
    expect(before.photos).toHaveLength(2);
    expect(before.vcfImports).toMatchObject([{ fileName: 'trio.vep.vcf' }]);
    expect(photoFiles()).toHaveLength(2);
    const text = runCli(['case', 'show', '--db', db, '--id', 'LIFE-1']).stdout;
    expect(text).toMatch(
      new RegExp(`VCF imports: 1\\n {4}#${before.vcfImports[0]?.id} trio\\.vep\\.vcf sample PROBAND_01`),
    );

    const [first, second] = before.photos;
    const gone = runCli(['case', 'delete-photo', '--db', db, '--id', 'LIFE-1', '--photo', `#${first?.id}`]);
    expect(gone).toMatchObject({
      code: 0,
      stdout: `deleted photo ${first?.id} (${photos[0]?.split('/').at(-1)}) of case LIFE-1\n`,
    });
    expect(show('LIFE-1').photos.map((p) => p.id)).toEqual([second?.id]);
    expect(photoFiles()).toEqual([second?.sha256]);
    const wrong = runCli([
      'case',
      'delete-photo',
      '--db',
      db,
      '--id',
      'KAB-017',
      '--photo',
      String(second?.id),
    ]);
    expect(wrong).toMatchObject({
      code: 1,
      stderr: `facepheno case: case 'KAB-017' has no photo ${second?.id}\n`,
    });

    const vcf = before.vcfImports[0];
    const dropped = runCli(['case', 'delete-vcf', '--db', db, '--id', 'LIFE-1', '--vcf', String(vcf?.id)]);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toBe(
      `deleted VCF import ${vcf?.id} (trio.vep.vcf, sample PROBAND_01, ${vcf?.variants} variants) of case LIFE-1\n`,
    );
    expect(show('LIFE-1').vcfImports).toEqual([]);

    const early = runCli(['case', 'add-to-gallery', '--db', db, '--id', 'LIFE-1']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/'LIFE-1' is not solved: mark it solved with its diagnosis/);
    const solved = runCli([
      'case',
      'solve',
      '--db',
      db,
      '--id',
      'LIFE-1',
      '--syndrome',
      'OMIM:147920',
      '--gene',
      'KMT2D',
    ]);
    expect(solved.code).toBe(0);
    expect(show('LIFE-1').patient).toMatchObject({ kind: 'clinic', solvedAt: expect.any(String) as string });
    const clinic = () =>
      json<{ rows: { pseudonym: string }[] }>(
        runCli(['case', 'list', '--db', db, '--kind', 'clinic', '--json']).stdout,
      ).rows.map((r) => r.pseudonym);
    expect(clinic()).toEqual(['KAB-017', 'LIFE-1']);
    expect(runCli(['case', 'add-to-gallery', '--db', db, '--id', 'LIFE-1']).code).toBe(0);
    expect(show('LIFE-1').patient.kind).toBe('reference');
    expect(clinic()).toEqual(['KAB-017']);
    expect(runCli(['case', 'create', '--db', db, '--id', 'CTRL-1', '--control']).code).toBe(0);
    expect(clinic()).toEqual(['KAB-017']);
    const reference = json<{ rows: { pseudonym: string }[] }>(
      runCli(['case', 'list', '--db', db, '--kind', 'reference', '--json']).stdout,
    ).rows.map((r) => r.pseudonym);
    expect(reference).toEqual(['CTRL-1', 'LIFE-1']);

    const unconfirmed = runCli(['case', 'delete', '--db', db, '--id', 'LIFE-1']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/confirm with --yes/);
    const deleted = runCli(['case', 'delete', '--db', db, '--id', 'LIFE-1', '--yes']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'deleted case LIFE-1: 1 photo, 0 VCF imports\n' });
    expect(runCli(['case', 'show', '--db', db, '--id', 'LIFE-1']).code).toBe(1);
    expect(photoFiles()).toEqual([]);

    const log = json<{ action: string; patient: string | null; osUser: string }[]>(
      runCli(['audit', 'list', '--db', db, '--patient', 'LIFE-1', '--json']).stdout,
    );
    expect(log.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'photo.delete',
        'vcf.delete',
        'case.solve',
        'case.to_gallery',
        'patient.delete',
      ]),
    );
    expect(runCli(['audit', 'verify', '--db', db]).code).toBe(0);
  });
});
