import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';
import { readdirSync } from 'node:fs';

interface MatchJson {
  model: { id: string };
  galleryVersion: string;
  calibration: { method: string; logLoss: number };
  openSet: { threshold: number };
  results: {
    file?: string;
    patient?: string;
    ranking?: { label: string; probability: number; nearest: { patient: string; similarity: number }[] }[];
    noneOfThese?: boolean;
    error: string | null;
  }[];
}

/** A small gallery of links to the shared photos: two labels of 5 photos, and controls. */
function smallGallery(root: string): string {
  const dir = join(root, 'gallery');
  const take = (from: string, label: string, n: number, offset = 0) => {
    mkdirSync(join(dir, label), { recursive: true });
    const files = readdirSync(from)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(offset, offset + n);
    for (const f of files) symlinkSync(join(from, f), join(dir, label, f));
    return files;
  };
  take(facedata('down_syndrome_kaggle', 'down_syndrome'), 'down_syndrome', 5);
  take(facedata('down_syndrome_kaggle', 'healthy_control'), 'healthy_control', 5);
  const q = take(facedata('22q11ds', '22q11ds'), '22q11ds', 5);
  // Two photos of one patient, and the printed number masked.
  writeFileSync(
    join(dir, '22q11ds', 'metadata.csv'),
    ['file,patient,mask', ...q.map((f, i) => `${f},P${Math.min(i, 3)},bottom-right`)].join('\n') + '\n',
  );
  return dir;
}

describe('facepheno gallery import and match', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let db: string;
  let gallery: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-match-cli-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
    db = join(root, 'cases.db');
    gallery = smallGallery(root);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('imports the gallery with controls and masking, naming the gallery version', () => {
    const r = runCli(
      ['gallery', 'import', '--db', db, gallery, '--controls', 'healthy_control', '--json'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      patients: number;
      controls: number;
      photos: number;
      galleryVersion: string;
    };
    expect(report).toMatchObject({ patients: 14, controls: 5, photos: 15 });
    expect(report.galleryVersion).toMatch(/:/);
  });

  it('matches photos: probabilities over the labels summing to 1, best first, with nearest cases and provenance', () => {
    const photo = facedata(
      'down_syndrome_kaggle',
      'down_syndrome',
      readdirSync(facedata('down_syndrome_kaggle', 'down_syndrome')).sort()[40] as string,
    );
    const r = runCli(['match', '--db', db, photo, join(root, 'missing.jpg'), '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as MatchJson;
    expect(out.model.id).toBeTruthy();
    expect(out.galleryVersion).toMatch(/:/);
    expect(out.calibration.method).toMatch(/calibrated/);
    expect(out.calibration.logLoss).toBeGreaterThan(0);
    const [ok, missing] = out.results;
    expect(ok?.error).toBeNull();
    const ranking = ok?.ranking ?? [];
    expect(ranking.map((l) => l.label).sort()).toEqual(['22q11ds', 'down_syndrome', 'unaffected']);
    expect(ranking.reduce((s, l) => s + l.probability, 0)).toBeCloseTo(1, 6);
    for (let i = 1; i < ranking.length; i++)
      expect(ranking[i - 1]?.probability).toBeGreaterThanOrEqual(ranking[i]?.probability ?? 1);
    expect(ranking[0]?.nearest.length).toBeGreaterThan(0);
    expect(typeof ok?.noneOfThese).toBe('boolean');
    expect(missing?.error).toMatch(/missing\.jpg/);
  });

  it('matches a stored patient by id, leaving out their own photos', () => {
    const r = runCli(['match', '--db', db, '--patient', '22q11ds/P3', '--json'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as MatchJson;
    const nearest = out.results[0]?.ranking?.flatMap((l) => l.nearest.map((n) => n.patient)) ?? [];
    expect(nearest.length).toBeGreaterThan(0);
    expect(nearest).not.toContain('22q11ds/P3');
  });

  it('refuses wrong arguments with exit code 2 and a bad metadata mask with the file and line', () => {
    expect(runCli(['match', 'x.jpg'], env).code).toBe(2);
    expect(runCli(['gallery', 'export', '--db', db, gallery], env).code).toBe(2);
    writeFileSync(join(gallery, '22q11ds', 'metadata.csv'), 'file,patient,mask\n001.jpg,P1,middle\n');
    const r = runCli(['gallery', 'import', '--db', join(root, 'other.db'), gallery], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/metadata\.csv:2: mask 'middle'/);
  });
});
