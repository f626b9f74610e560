/**
 * `facepheno gallery import` of a gallery CSV through the compiled command, on real 22q11.2DS photos (the
 * paper's number printed bottom right): without a mask column the photos are analysed as they are; with
 * one, each is masked as the folder form's metadata.csv masks it, and gives the folder form's embeddings.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { maxDifference, storedEmbeddings } from '../support/gallery-embeddings.js';
import { facedata } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

describe('facepheno gallery import of a gallery CSV', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let photos: string[];

  /** A CSV of the photos, one patient each ('22q11ds/P1'...), as the folder form names them. */
  const csv = (name: string, mask: string | null) => {
    const file = join(root, name);
    const rows = photos.map((p, i) => `22q11ds/P${i + 1},${p},22q11ds${mask === null ? '' : `,${mask}`}`);
    writeFileSync(file, [`patient,photo,syndrome${mask === null ? '' : ',mask'}`, ...rows].join('\n') + '\n');
    return file;
  };
  const imported = (source: string, db: string) => {
    const r = runCli(['gallery', 'import', '--db', join(root, db), source, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ patients: 3, photos: 3, syndromes: ['22q11ds'] });
    return storedEmbeddings(join(root, db), models.dir);
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-gallery-csv-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
    const from = facedata('22q11ds', '22q11ds');
    const folder = join(root, 'gallery', '22q11ds');
    mkdirSync(folder, { recursive: true });
    photos = readdirSync(from)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 3)
      .map((f) => {
        symlinkSync(join(from, f), join(folder, f));
        return join(folder, f);
      });
    writeFileSync(
      join(folder, 'metadata.csv'),
      ['file,patient,mask', ...photos.map((p, i) => `${basename(p)},P${i + 1},bottom-right`)].join('\n') +
        '\n',
    );
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('imports a CSV without a mask column and one with it, masked as the folder form masks', () => {
    const plain = imported(csv('plain.csv', null), 'plain.db');
    const masked = imported(csv('masked.csv', 'bottom-right'), 'masked.db');
    const folder = imported(join(root, 'gallery'), 'folder.db');
    expect([...masked.keys()].sort()).toEqual([...folder.keys()].sort());
    expect([...plain.keys()].sort()).toEqual([...folder.keys()].sort());
    expect(masked.size).toBeGreaterThanOrEqual(3);
    for (const key of masked.keys()) {
      expect(maxDifference(key, masked, folder), key).toBeLessThan(1e-5);
      expect(maxDifference(key, masked, plain), key).toBeGreaterThan(1e-4);
    }
  }, 300_000);
});
