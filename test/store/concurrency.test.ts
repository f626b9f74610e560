import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from './support.js';

const work = tempDir('facepheno-concurrent-');
afterAll(() => work.remove());

function run(db: string, id: string): Promise<{ code: number | null; stderr: string }> {
  const child = join(repoRoot, 'test', 'store', 'open-child.mjs');
  const proc = spawn(process.execPath, [child, join(repoRoot, 'dist'), db, id], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
}

describe('several processes opening one new database at once', () => {
  it('migrate it once and all write to it', async () => {
    const db = join(work.dir, 'shared.db');
    const ids = ['A', 'B', 'C', 'D'];
    const results = await Promise.all(ids.map((id) => run(db, id)));
    expect(results).toEqual(ids.map(() => ({ code: 0, stderr: '' })));
    const s = Store.open(db);
    try {
      expect(s.patients.list().rows.map((r) => r.pseudonym)).toEqual(ids);
      const versions = s.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
      expect(new Set(versions).size).toBe(versions.length);
    } finally {
      s.close();
    }
  });
});
