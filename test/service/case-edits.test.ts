/**
 * Two workstations editing cases through the Service (the calls the app makes), on one store: different
 * cases at once are both saved; a save of a case changed since it was opened is refused, naming who
 * changed it, and the first save is kept. On PostgreSQL (the department database) and on one SQLite file.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseDetail } from '../../src/shared/api.js';
import { Service } from '../../src/main/service/service.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';
import { tempDir } from '../store/support.js';

let work: ReturnType<typeof tempDir>;
beforeEach(() => {
  work = tempDir('facepheno-edits-');
});
afterEach(() => work.remove());

type Reply = Awaited<ReturnType<Service['handle']>>;
const value = (r: Reply): CaseDetail => {
  if (!r.ok) throw new Error(r.error);
  return r.value as CaseDetail;
};

async function twoWorkstations(database: string, photosDir?: string): Promise<[Service, Service]> {
  const open = (who: string) =>
    Service.open({
      dataDir: join(work.dir, who),
      host: 'browser',
      modelsDir: join(work.dir, 'models'),
      database,
      photosDir,
      osUser: who,
      emit: () => {},
    });
  return [await open('ana'), await open('ben')];
}

async function editTwice(ana: Service, ben: Service): Promise<void> {
  for (const [s, id] of [
    [ana, 'E-1'],
    [ana, 'E-2'],
  ] as const)
    value(await s.handle('cases.create', { id, notes: 'new' }));

  // Different cases, at the same time: both saved.
  const [a1, b2] = [
    value(await ana.handle('cases.get', { id: 'E-1' })),
    value(await ben.handle('cases.get', { id: 'E-2' })),
  ];
  const saved = await Promise.all([
    ana.handle('cases.update', { id: 'E-1', updatedAt: a1.updatedAt, notes: 'ana: ptosis' }),
    ben.handle('cases.update', { id: 'E-2', updatedAt: b2.updatedAt, notes: 'ben: short stature' }),
  ]);
  expect(saved.map((r) => r.ok)).toEqual([true, true]);

  // The same case, both opened before either saved: the second save is refused, the first kept.
  const [seenByAna, seenByBen] = [
    value(await ana.handle('cases.get', { id: 'E-1' })),
    value(await ben.handle('cases.get', { id: 'E-1' })),
  ];
  expect(seenByBen.updatedAt).toBe(seenByAna.updatedAt);
  const first = value(
    await ana.handle('cases.update', { id: 'E-1', updatedAt: seenByAna.updatedAt, birthYear: 2019 }),
  );
  const second = await ben.handle('cases.update', {
    id: 'E-1',
    updatedAt: seenByBen.updatedAt,
    notes: 'ben',
  });
  expect(second.ok).toBe(false);
  if (!second.ok) {
    expect(second.error).toContain("case 'E-1' was changed by ana");
    expect(second.error).toContain('nothing was saved');
  }
  const now = value(await ben.handle('cases.get', { id: 'E-1' }));
  expect(now).toMatchObject({ notes: 'ana: ptosis', birthYear: 2019, updatedAt: first.updatedAt });
  expect(value(await ana.handle('cases.get', { id: 'E-2' })).notes).toBe('ben: short stature');

  // Opened again, ben's save goes through.
  expect(
    value(await ben.handle('cases.update', { id: 'E-1', updatedAt: now.updatedAt, notes: 'ben' })).notes,
  ).toBe('ben');
}

describe.skipIf(postgresSkip !== false)(
  postgresSkip === false ? 'case edits on PostgreSQL' : `case edits on PostgreSQL (skipped: ${postgresSkip})`,
  () => {
    it('saves edits of different cases, refuses a stale save of the same case and keeps the first', async () => {
      const schema = freshSchema();
      const [ana, ben] = await twoWorkstations(schema.url, join(work.dir, 'photos'));
      try {
        await editTwice(ana, ben);
      } finally {
        await ana.close();
        await ben.close();
        schema.drop();
      }
    });
  },
);

describe('case edits on one SQLite file', () => {
  it('saves edits of different cases, refuses a stale save of the same case and keeps the first', async () => {
    const [ana, ben] = await twoWorkstations(join(work.dir, 'cases.db'));
    try {
      await editTwice(ana, ben);
    } finally {
      await ana.close();
      await ben.close();
    }
  });
});
