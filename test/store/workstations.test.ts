import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { StaleCaseError } from '../../src/main/store/repos/patients.js';
import { repoRoot } from '../support/paths.js';
import { eachBackend, tempStore, type TempStore } from './support.js';

function workstation(
  t: TempStore,
  user: string,
  cases: number,
  startAt: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = join(repoRoot, 'test', 'store', 'workstation-child.mjs');
  const proc = spawn(
    process.execPath,
    [child, join(repoRoot, 'dist'), t.target, user, String(cases), String(startAt)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FACEPHENO_PHOTOS_DIR: t.photosDir } },
  );
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

let t: TempStore;
afterEach(() => t.remove());

// Several workstations on one department database (PostgreSQL), or processes on one file (SQLite).
eachBackend((backend) => {
  it('two workstations edit their own cases and one shared case at once: every save kept or refused, none lost', async () => {
    t = tempStore(backend);
    t.store.patients.create({ pseudonym: 'SHARED' });
    const startAt = Date.now() + 3000;
    const [ana, ben] = await Promise.all([
      workstation(t, 'ana', 12, startAt),
      workstation(t, 'ben', 12, startAt),
    ]);
    expect([ana.code, ana.stderr, ben.code, ben.stderr]).toEqual([0, '', 0, '']);
    const refused = [ana, ben].map((r) => (JSON.parse(r.stdout) as { refused: number }).refused);
    console.info(
      `${backend}: stale saves of the shared case refused, then redone: ana ${refused[0]}, ben ${refused[1]}`,
    );
    // The case list shows both users' work.
    const list = t.store.patients.list({ limit: 100 });
    expect(list.total).toBe(25);
    expect(list.rows.filter((r) => r.pseudonym.startsWith('ana-')).map((r) => r.notes)).toEqual(
      Array<string>(12).fill('seen by ana'),
    );
    expect(list.rows.filter((r) => r.pseudonym.startsWith('ben-')).map((r) => r.notes)).toEqual(
      Array<string>(12).fill('seen by ben'),
    );
    // Each line appended to the shared case is there exactly once: a stale save was refused, then redone.
    const lines = t.store.patients.get('SHARED').notes.trim().split('\n').sort();
    const expected = ['ana', 'ben'].flatMap((u) => Array.from({ length: 12 }, (_, i) => `${u} ${i}`)).sort();
    expect(lines).toEqual(expected);
    const users = new Set(t.store.audit.forPatient('SHARED').map((e) => e.osUser));
    expect(users).toEqual(new Set(['test-user', 'ana', 'ben']));
  });

  it('refuses the second save of a case opened before the first, naming who changed it, and keeps the first', () => {
    t = tempStore(backend);
    const ana = t.open({ osUser: 'ana' });
    const ben = t.open({ osUser: 'ben' });
    ana.patients.create({ pseudonym: 'P-7', notes: 'first visit' });
    const seenByAna = ana.patients.get('P-7');
    const seenByBen = ben.patients.get('P-7');
    ben.patients.update('P-7', { notes: 'ptosis noted' }, { expectedUpdatedAt: seenByBen.updatedAt });
    const refusal = (() => {
      try {
        ana.patients.update('P-7', { notes: 'nothing new' }, { expectedUpdatedAt: seenByAna.updatedAt });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(StaleCaseError);
    expect((refusal as Error).message).toMatch(
      /^case 'P-7' was changed by ben at \d{4}-\d\d-\d\dT[\d:.]+Z after you opened it: nothing was saved; open it again/,
    );
    expect(ana.patients.get('P-7').notes).toBe('ptosis noted');
    // Opened again, Ana's save goes through.
    const fresh = ana.patients.get('P-7');
    expect(fresh.updatedAt > seenByAna.updatedAt).toBe(true);
    ana.patients.update('P-7', { notes: 'ptosis noted; reviewed' }, { expectedUpdatedAt: fresh.updatedAt });
    expect(ben.patients.get('P-7').notes).toBe('ptosis noted; reviewed');
  });
});
