import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cliPath, facedata, repoRoot } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

interface MatchJson {
  galleryVersion: string;
  results: { file?: string; ranking?: { label: string; probability: number }[]; error: string | null }[];
}

const photosOf = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => join(dir, f));

/** The command run in a child process, with when its first result and its exit came (ms from the start). */
function runTimed(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string; firstResultMs: number; exitMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let firstResultMs = -1;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (firstResultMs < 0 && stdout.includes('"file"')) firstResultMs = performance.now() - started;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, firstResultMs, exitMs: performance.now() - started }),
    );
  });
}

describe('facepheno match of a couple of hundred photos in one run', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let db: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-match-many-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
    db = join(root, 'cases.db');
    const gallery = join(root, 'gallery');
    for (const [from, label] of [
      [facedata('down_syndrome_kaggle', 'down_syndrome'), 'down_syndrome'],
      [facedata('down_syndrome_kaggle', 'healthy_control'), 'healthy_control'],
    ] as const) {
      mkdirSync(join(gallery, label), { recursive: true });
      for (const f of photosOf(from).slice(0, 6))
        symlinkSync(f, join(gallery, label, f.split('/').pop() as string));
    }
    expect(runCli(['gallery', 'import', '--db', db, gallery], env).code).toBe(0);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('matches 200 photos named one by one and a folder, every result in argument order, written as it comes', async () => {
    // 200 arguments past the count (240) at which the command used to crash, and a folder of 15.
    const files = photosOf(facedata('children_controls')).slice(0, 200);
    const folder = facedata('22q11ds', '22q11ds_alt');
    const inFolder = readdirSync(folder)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => join(folder, f));
    const r = await runTimed(['match', '--db', db, '--json', ...files, folder], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as MatchJson;
    expect(out.results.map((x) => x.file)).toEqual([...files, ...inFolder]);
    const matched = out.results.filter((x) => x.error === null);
    expect(matched.length).toBeGreaterThan(150);
    for (const m of matched) {
      expect(m.ranking?.map((l) => l.label).sort()).toEqual(['down_syndrome', 'unaffected']);
      expect(m.ranking?.reduce((s, l) => s + l.probability, 0)).toBeCloseTo(1, 6);
    }
    for (const m of out.results.filter((x) => x.error !== null)) expect(m.error).toMatch(/face/);
    // Streamed: the first result was out long before the run ended (it used to come after every photo).
    expect(r.firstResultMs).toBeGreaterThan(0);
    expect(r.firstResultMs).toBeLessThan(r.exitMs / 2);
  }, 300_000);
});
