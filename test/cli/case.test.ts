import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store/store.js';
import { runCli } from '../support/cli.js';
import { commandKey } from '../support/command-key.js';
import { facedata, repoRoot } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

const dir = mkdtempSync(join(tmpdir(), 'facepheno-case-cli-'));
const db = join(dir, 'cases.db');
let models: { dir: string; cleanup: () => void };
beforeAll(async () => {
  models = await testModelsDir();
});
afterAll(() => {
  models.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const json = <T>(stdout: string): T => JSON.parse(stdout) as T;

describe('facepheno case', () => {
  it('creates cases and lists them with a filter and counts', () => {
    expect(
      runCli(['case', 'create', '--db', db, '--id', 'FP-001', '--sex', 'female', '--birth-year', '2017'])
        .code,
    ).toBe(0);
    const r = runCli(['case', 'create', '--db', db, '--id', 'FP-002']);
    expect(r).toMatchObject({ code: 0, stdout: 'created case FP-002\n' });
    const list = runCli(['case', 'list', '--db', db, '--json']);
    expect(list.code).toBe(0);
    const doc = json<{
      total: number;
      rows: { pseudonym: string; sex: string; birthYear: number | null; photos: number }[];
    }>(list.stdout);
    expect(doc.total).toBe(2);
    expect(doc.rows.map((x) => [x.pseudonym, x.sex, x.birthYear, x.photos])).toEqual([
      ['FP-001', 'female', 2017, 0],
      ['FP-002', 'unknown', null, 0],
    ]);
    const filtered = runCli(['case', 'list', '--db', db, '--filter', '002']);
    expect(filtered.stdout.split('\n')[0]).toBe("1 case matching '002'");
  });

  it('refuses wrong arguments with exit 2 and failures with exit 1 and a one-line reason', () => {
    expect(runCli(['case', 'create', '--db', db]).code).toBe(2);
    expect(runCli(['case', 'create', '--db', db, '--id', 'X', '--sex', 'f']).code).toBe(2);
    expect(runCli(['case', 'create', '--db', db, '--id', 'X', '--birth-year', '17']).code).toBe(2);
    expect(runCli(['case', 'frobnicate', '--db', db]).code).toBe(2);
    expect(runCli(['case', 'list', '--db', db, '--colour']).code).toBe(2);
    const dup = runCli(['case', 'create', '--db', db, '--id', 'fp-001']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe("facepheno case: a patient with id 'fp-001' already exists\n");
    const missing = runCli(['case', 'show', '--db', db, '--id', 'NOPE']);
    expect(missing).toMatchObject({ code: 1, stderr: "facepheno case: no patient with id 'NOPE'\n" });
  });

  it('adds a real photo through the face pipeline and shows the stored face', () => {
    const photo = facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg');
    const env = { FACEPHENO_MODELS_DIR: models.dir };
    const r = runCli(['case', 'add-photo', '--db', db, '--id', 'FP-001', photo, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const added = json<{ photos: { faceFound: boolean; faces: number }[] }>(r.stdout);
    expect(added.photos).toMatchObject([{ faceFound: true }]);
    const again = runCli(['case', 'add-photo', '--db', db, '--id', 'FP-001', photo], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("this photo is already in case 'FP-001'");

    const show = runCli(['case', 'show', '--db', db, '--id', 'FP-001', '--json']);
    const view = json<{
      photos: { sha256: string; path: string; faces: { isPrimary: boolean; embeddingModels: string[] }[] }[];
    }>(show.stdout);
    expect(view.photos).toHaveLength(1);
    const stored = view.photos[0];
    // Stored sealed: the file is not the photo, the store unseals it to the photo's own bytes.
    expect(
      readFileSync(stored?.path ?? '')
        .subarray(0, 6)
        .toString(),
    ).toBe('FPSEAL');
    const store = Store.open(db, commandKey(db));
    try {
      expect(store.files.read(stored?.sha256 ?? '')).toEqual(readFileSync(photo));
    } finally {
      store.close();
    }
    const primary = stored?.faces.find((f) => f.isPrimary);
    expect(primary?.embeddingModels.length).toBeGreaterThan(0);
    const text = runCli(['case', 'show', '--db', db, '--id', 'FP-001']);
    expect(text.stdout).toMatch(/photos: 1\n {4}#\d+ .*chip\.jpg 200x200, 1 face\(s\); primary face/);
  });

  it('exports a Phenopacket and imports it back as a new store case', () => {
    const packet = join(repoRoot, 'test', 'fixtures', 'phenopacket', 'kabuki.json');
    const imported = runCli(['case', 'import', '--db', db, '--phenopacket', packet]);
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.stdout).toContain('created case KAB-017');
    const out = join(dir, 'kab.json');
    expect(runCli(['case', 'export', '--db', db, '--id', 'KAB-017', '--phenopacket', out]).code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      subject: { id: string };
      phenotypicFeatures: unknown[];
    };
    expect(doc.subject.id).toBe('KAB-017');
    expect(doc.phenotypicFeatures).toHaveLength(3);
    const other = join(dir, 'other.db');
    expect(runCli(['case', 'import', '--db', other, '--phenopacket', out]).code).toBe(0);
    const shown = json<{ diagnoses: unknown[]; terms: unknown[] }>(
      runCli(['case', 'show', '--db', other, '--id', 'KAB-017', '--json']).stdout,
    );
    expect([shown.diagnoses.length, shown.terms.length]).toEqual([3, 3]);
  });

  it('uses the data directory when no --db is given', () => {
    const dataDir = join(dir, 'data');
    expect(runCli(['case', 'create', '--id', 'D-1'], { FACEPHENO_DATA_DIR: dataDir }).code).toBe(0);
    const list = runCli(['case', 'list', '--data-dir', dataDir, '--json']);
    expect(json<{ total: number }>(list.stdout).total).toBe(1);
    expect(readFileSync(join(dataDir, 'facepheno.db')).length).toBeGreaterThan(0);
  });
});
