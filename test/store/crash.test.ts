import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Store, photosDirFor } from '../../src/main/store/store.js';
import { facedata, repoRoot } from '../support/paths.js';
import { freshSchema } from '../support/postgres.js';
import { eachBackend, tempDir, testModelsDir } from './support.js';

const dist = join(repoRoot, 'dist');
const child = join(repoRoot, 'test', 'store', 'crash-child.mjs');
const work = tempDir('facepheno-crash-');
const models = testModelsDir();
afterAll(async () => {
  (await models).cleanup();
  work.remove();
});

/** A folder-per-label gallery of real photos (copied to the temporary folder, never into the repository). */
function gallery(name: string, labels: Record<string, string[]>): string {
  const dir = join(work.dir, name);
  for (const [label, files] of Object.entries(labels)) {
    mkdirSync(join(dir, label), { recursive: true });
    files.forEach((f, i) => copyFileSync(f, join(dir, label, `${i}.jpg`)));
  }
  return dir;
}

const down = ['down_10.jpg', 'down_100.jpg', 'down_1000.jpg'].map((f) =>
  facedata('down_syndrome_kaggle', 'down_syndrome', f),
);
const controls = facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg');

/** Runs the import in a child; with pauseAfter > 0, SIGKILLs it once that many photos are stored. */
async function runImport(
  db: string,
  dir: string,
  pauseAfter: number,
  photosDir: string,
): Promise<{ code: number | null; signal: string | null }> {
  const marker = join(work.dir, `marker-${Date.now()}`);
  const proc = spawn(
    process.execPath,
    [child, dist, db, dir, (await models).dir, marker, String(pauseAfter)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FACEPHENO_PHOTOS_DIR: photosDir },
    },
  );
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (pauseAfter > 0) {
    const deadline = Date.now() + 100_000;
    while (!existsSync(marker) && proc.exitCode === null && Date.now() < deadline) await sleep(50);
    expect(existsSync(marker), `the import never reached photo ${pauseAfter}: ${stderr}`).toBe(true);
    proc.kill('SIGKILL');
  }
  const result = await exited;
  if (pauseAfter === 0) expect(result.code, stderr).toBe(0);
  return result;
}

eachBackend((backend) => {
  const schemas: (() => void)[] = [];
  afterAll(() => schemas.forEach((drop) => drop()));
  /** A new database, a file in the work folder or a PostgreSQL schema, and its photo folder. */
  const newStore = (name: string): { db: string; photosDir: string } => {
    if (backend === 'sqlite') {
      const db = join(work.dir, `${name}.db`);
      return { db, photosDir: photosDirFor(db) };
    }
    const schema = freshSchema();
    schemas.push(schema.drop);
    return { db: schema.url, photosDir: join(work.dir, `${name}-postgres.photos`) };
  };

  describe('a process killed in the middle of a gallery import', () => {
    it('leaves a consistent store with no unreferenced photo file after the next open', async () => {
      const { db, photosDir } = newStore('killed');
      Store.open(db, { photosDir }).close();
      const dir = gallery('g1', { down_syndrome: down, controls: [controls] });
      const killed = await runImport(db, dir, 2, photosDir);
      expect(killed.signal).toBe('SIGKILL');

      // Files of the two photos stored before the kill are on disk; their rows were never committed.
      const before = Store.open(db, { photosDir });
      try {
        expect(before.swept).toBe(2);
        expect(before.patients.count()).toBe(0);
        expect(before.checkConsistency()).toEqual({
          integrity: 'ok',
          foreignKeyViolations: 0,
          missingFiles: [],
          unreferencedFiles: [],
        });
      } finally {
        before.close();
      }
    });

    it('keeps an earlier import whole, including a photo file the killed import shared', async () => {
      const { db, photosDir } = newStore('kept');
      const first = gallery('g2', { down_syndrome: down.slice(0, 2) });
      await runImport(db, first, 0, photosDir);
      // The second gallery starts with a photo already stored by the first, then new ones.
      const second = gallery('g3', { noonan: [down[0] as string, down[2] as string, controls] });
      const killed = await runImport(db, second, 3, photosDir);
      expect(killed.signal).toBe('SIGKILL');

      const s = Store.open(db, { photosDir });
      try {
        expect(s.swept).toBe(2);
        expect(s.patients.list().rows.map((r) => [r.pseudonym, r.photos])).toEqual([
          ['down_syndrome/0', 1],
          ['down_syndrome/1', 1],
        ]);
        expect(s.syndromes.list().map((x) => x.name)).toEqual(['down_syndrome']);
        expect(s.checkConsistency()).toEqual({
          integrity: 'ok',
          foreignKeyViolations: 0,
          missingFiles: [],
          unreferencedFiles: [],
        });
      } finally {
        s.close();
      }
    });
  });
});
