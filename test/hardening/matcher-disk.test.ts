/**
 * Matching only reads a case: a store whose disk is full cannot keep the matcher it fits, and must still
 * match (the fit is simply not kept), then keep it once there is room again.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchPatient } from '../../src/main/match/matcher.js';
import { storedMatcher } from '../../src/main/usecases/matching.js';
import { Store } from '../../src/main/store/store.js';
import { fillSyntheticStore, model } from '../support/synthetic-store.js';
import { logicalDump } from './support.js';
import { cannotMount, mountTmpfs, type Mount } from './mounts.js';

const why = cannotMount();
let disk: Mount | undefined;
afterAll(() => disk?.remove());

function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    const block = Buffer.alloc(4096, 1);
    for (;;) writeSync(fd, block);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(why !== undefined)(`the matcher on a full disk${why ? ` (${why})` : ''}`, () => {
  it('matches without keeping the fit, and keeps it once there is room', async () => {
    disk = mountTmpfs(4096);
    const db = join(disk.dir, 'cases.db');
    await fillSyntheticStore(db);
    const store = Store.open(db);
    try {
      const fit = () =>
        storedMatcher(store, store.galleryEmbeddings(model.id), model, store.galleryVersion());
      const face = store.caseView('P1').photos[0]?.faces[0];
      const query = face && store.faces.embedding(face.id, model.id)?.vector;
      if (!query) throw new Error('P1 has no embedding');

      fill(disk.dir);
      const before = logicalDump(db);
      const full = fit();
      expect(full.cached).toBe(false);
      const ranking = matchPatient(full.matcher, [query]).ranking;
      expect(ranking[0]?.probability).toBeGreaterThan(0.5);
      expect(logicalDump(db)).toEqual(before);
      expect(fit().cached).toBe(false);

      rmSync(join(disk.dir, 'filler'));
      expect(fit().cached).toBe(false);
      const kept = fit();
      expect(kept.cached).toBe(true);
      expect(matchPatient(kept.matcher, [query]).ranking).toEqual(ranking);
    } finally {
      store.close();
    }
  }, 60_000);
});
