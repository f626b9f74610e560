/**
 * Every read of patient data through the Service (the app's and serve's one handler) leaves an audit entry
 * naming the patient and the OS user: the use cases record it, so the command records the same
 * (test/cli/audit.test.ts). The synthetic store runs no ONNX model.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { Store } from '../../src/main/store/store.js';
import { tempDir } from '../store/support.js';
import { syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = tempDir('facepheno-audit-reads-');
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
let service: Service;

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  service = await Service.open({ dataDir, modelsDir, host: 'browser', emit: () => undefined });
});

afterAll(async () => {
  await service?.close();
  tmp.remove();
});

/** The log as another connection reads it (what `facepheno audit list` shows). */
function log(): { id: number; action: string; patient: string | null; details: unknown }[] {
  const store = Store.open(storeFileIn(dataDir), { osUser: 'auditor' });
  try {
    return store.audit.recent(10_000).reverse();
  } finally {
    store.close();
  }
}

async function call(name: string, args: unknown): Promise<unknown> {
  const reply = await service.handle(name as never, args as never);
  if (!reply.ok) throw new Error(reply.error);
  return reply.value;
}

/** The entries that `fn` left, as (action, patient). */
async function leaves(fn: () => Promise<unknown>): Promise<[string, string | null][]> {
  const before = log().at(-1)?.id ?? 0;
  await fn();
  return log()
    .filter((e) => e.id > before)
    .map((e) => [e.action, e.patient]);
}

function photoOf(pseudonym: string): string {
  const store = Store.open(storeFileIn(dataDir), { osUser: 'auditor', access: 'read' });
  try {
    return String(store.caseView(pseudonym).photos[0]?.id);
  } finally {
    store.close();
  }
}

describe('the Service records every read of patient data', () => {
  it('listing and opening cases, viewing a photo, comparing, matching and listing variants', async () => {
    expect(await leaves(() => call('cases.list', { filter: '', limit: 50 }))).toEqual([['case.list', null]]);
    expect(await leaves(() => call('cases.get', { id: 'P1' }))).toEqual([['case.open', 'P1']]);
    const own = photoOf('P1');
    const kabuki = photoOf('Kabuki-0');
    expect(await leaves(() => call('photos.image', { photoId: own, kind: 'original' }))).toEqual([
      ['photo.view', 'P1'],
    ]);
    expect(await leaves(() => call('photos.image', { photoId: kabuki, kind: 'aligned' }))).toEqual([
      ['photo.view', 'Kabuki-0'],
    ]);
    expect(
      await leaves(() => call('compare.faces', { caseId: 'p1', photoId: null, galleryPhotoId: kabuki })),
    ).toEqual([
      ['compare', 'P1'],
      ['compare', 'Kabuki-0'],
    ]);
    expect(await leaves(() => call('match.case', { caseId: 'P1' }))).toEqual([['match', 'P1']]);
    // Studies of the whole gallery (jobs): recorded when asked for.
    expect(await leaves(() => call('model.evaluate', { folds: 3 }))).toEqual([['gallery.evaluate', null]]);
    // The ranked variants and the face match they are linked to.
    expect(await leaves(() => call('variants.list', { caseId: 'P1', filter: null }))).toEqual([
      ['match', 'P1'],
      ['variants.list', 'P1'],
    ]);
  });

  it('keeps one intact chain through all of it, which Settings shows (app.info), and then where it breaks', async () => {
    const store = Store.open(storeFileIn(dataDir), { osUser: 'auditor' });
    let head: { id: number; hash: string } | null = null;
    try {
      const r = store.audit.verify();
      expect(r).toMatchObject({ ok: true, unchained: 0 });
      if (r.ok) head = r.head;
    } finally {
      store.close();
    }
    expect(await call('audit.state', {})).toMatchObject({ ok: true, head, brokenAt: null, problem: null });
    // Someone with write access to the file deletes the last comparison's entry.
    const raw = new Database(storeFileIn(dataDir));
    const victim = Number(
      raw.prepare("SELECT max(id) FROM audit_log WHERE action = 'compare'").pluck().get(),
    );
    raw.exec('DROP TRIGGER audit_log_no_delete');
    raw.prepare('DELETE FROM audit_log WHERE id = ?').run(victim);
    raw.close();
    expect(await call('audit.state', {})).toMatchObject({
      ok: false,
      head: null,
      brokenAt: victim + 1,
      problem: expect.stringMatching(new RegExp(`^entry ${victim + 1} does not follow entry ${victim - 1}`)),
    });
  });
});
