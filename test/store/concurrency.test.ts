import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store, photosDirFor } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { freshSchema } from '../support/postgres.js';
import { eachBackend, tempDir } from './support.js';

const work = tempDir('facepheno-concurrent-');
afterAll(() => work.remove());

function run(db: string, id: string, photosDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = join(repoRoot, 'test', 'store', 'open-child.mjs');
  const proc = spawn(process.execPath, [child, join(repoRoot, 'dist'), db, id], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FACEPHENO_PHOTOS_DIR: photosDir },
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
}

eachBackend((backend) => {
  it('several processes opening one new database at once migrate it once and all write to it', async () => {
    const schema = backend === 'postgres' ? freshSchema() : undefined;
    const db = schema?.url ?? join(work.dir, 'shared.db');
    const photosDir = schema ? join(work.dir, 'shared-postgres.photos') : photosDirFor(db);
    try {
      const ids = ['A', 'B', 'C', 'D'];
      const results = await Promise.all(ids.map((id) => run(db, id, photosDir)));
      expect(results).toEqual(ids.map(() => ({ code: 0, stderr: '' })));
      const s = Store.open(db, { photosDir });
      try {
        expect(s.patients.list().rows.map((r) => r.pseudonym)).toEqual(ids);
        const versions = s.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
        expect(new Set(versions).size).toBe(versions.length);
      } finally {
        s.close();
      }
    } finally {
      schema?.drop();
    }
  });
});
