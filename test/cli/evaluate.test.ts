import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelsDir } from '../store/support.js';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';

interface Iv {
  value: number;
  low: number;
  high: number;
}
interface Report {
  images: number;
  patients: number;
  auc: Record<string, Iv>;
  ece: Iv;
  brier: Iv;
  topKPerImage: Record<string, Iv>;
  topKPerLabel: Record<string, Iv>;
}

describe('facepheno evaluate', () => {
  let root: string;
  let dir: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-evaluate-cli-'));
    dir = join(root, 'photos');
    for (const label of ['down_syndrome', 'healthy_control']) {
      const from = facedata('down_syndrome_kaggle', label);
      mkdirSync(join(dir, label), { recursive: true });
      for (const f of readdirSync(from).sort().slice(0, 6)) symlinkSync(join(from, f), join(dir, label, f));
    }
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('reports raw, learnt and confound evaluations with intervals, naming model, photos and calibration', () => {
    const cache = join(root, 'cache.json');
    const args = ['evaluate', dir, '--folds', '3', '--cache', cache, '--json'];
    const r = runCli(args, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      modelId: string;
      galleryVersion: string;
      calibration: string;
      used: number;
      controls: string[];
      raw: Report;
      learnt: Report | null;
      confound: Report;
      chosen: string;
    };
    expect(out.modelId).toBeTruthy();
    expect(out.calibration).toMatch(/calibrated by/);
    expect(out.controls).toEqual(['healthy_control']);
    expect(out.used).toBeGreaterThan(8);
    for (const rep of [out.raw, out.learnt, out.confound]) {
      expect(rep?.patients).toBe(out.used);
      for (const iv of [
        rep?.auc.down_syndrome,
        rep?.ece,
        rep?.brier,
        rep?.topKPerImage.top1,
        rep?.topKPerLabel.top5,
      ]) {
        expect(iv?.low).toBeLessThanOrEqual(iv?.value ?? NaN);
        expect(iv?.high).toBeGreaterThanOrEqual(iv?.value ?? NaN);
      }
    }
    expect(['raw', 'learnt']).toContain(out.chosen);
    // The second run reads every embedding from the cache and evaluates the same photos.
    const again = JSON.parse(runCli(args, env).stdout) as typeof out;
    expect(again.galleryVersion).toBe(out.galleryVersion);
    expect(again.raw.auc).toEqual(out.raw.auc);
    // The cache holds embeddings of patients' photos: sealed, the user's alone.
    expect(readFileSync(cache).subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(statSync(cache).mode & 0o777).toBe(0o600);
  });

  it('keeps its default cache in the data directory, sealed, never in the shared temporary folder', () => {
    const data = join(root, 'data');
    const inTmp = () =>
      readdirSync(tmpdir()).filter((f) => f.startsWith('facepheno-evaluate-') && f.endsWith('.json'));
    const before = inTmp();
    const r = runCli(['evaluate', dir, '--folds', '3', '--no-learnt', '--data-dir', data, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(inTmp()).toEqual(before);
    const caches = join(data, 'caches');
    expect(statSync(caches).mode & 0o777).toBe(0o700);
    const files = readdirSync(caches);
    expect(files).toHaveLength(1);
    const file = join(caches, files[0] ?? '');
    expect(files[0]).toMatch(/^evaluate-[0-9a-f]{16}\.json$/);
    expect(readFileSync(file).subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses wrong arguments with exit code 2 and a folder without labels with exit code 1', () => {
    expect(runCli(['evaluate'], env).code).toBe(2);
    expect(runCli(['evaluate', dir, '--folds', '1'], env).code).toBe(2);
    const r = runCli(['evaluate', join(dir, 'down_syndrome')], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expected a folder per label/);
  });
});
