/**
 * A gallery pack through the Service: another centre's pack (the synthetic gallery, its Kabuki syndrome
 * under another name but the same OMIM id) added to a store; the case's match then names pack cases by
 * their centre, without a photo, under the store's own syndrome names (synthetic-store.ts: no ONNX model
 * runs here).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { addPack, exportPack } from '../../src/main/store/gallery-pack.js';
import { Store } from '../../src/main/store/store.js';
import type { MatchResult } from '../../src/shared/api.js';
import { tempDir } from '../store/support.js';
import { fillSyntheticStore, model, syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = tempDir('facepheno-service-pack-');
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
let service: Service;
let versionBefore: string;
let versionAfter: string;

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  const other = join(tmp.dir, 'centre-b.db');
  await fillSyntheticStore(other);
  const pack = join(tmp.dir, 'centre-b.pack.json');
  const b = Store.open(other);
  try {
    b.db.prepare(`UPDATE syndromes SET name = 'Kabuki (centre B)' WHERE omim = 'OMIM:147920'`).run();
    exportPack(b, pack, { centre: 'Centre B', model, recipient: null });
  } finally {
    b.close();
  }
  const a = Store.open(storeFileIn(dataDir));
  try {
    versionBefore = a.galleryVersion();
    addPack(a, pack, [model]);
    versionAfter = a.galleryVersion();
  } finally {
    a.close();
  }
  service = await Service.open({ dataDir, modelsDir, host: 'browser', emit: () => undefined });
});

afterAll(async () => {
  await service?.close();
  tmp.remove();
});

describe('a gallery pack in the Service', () => {
  it('changes the gallery version when added', () => {
    expect(versionAfter).not.toBe(versionBefore);
  });

  it("matches against the pack's members under the store's syndrome names, showing their centre and no photo", async () => {
    const reply = await service.handle('match.case', { caseId: 'P1' });
    if (!reply.ok) throw new Error(reply.error);
    const result = reply.value as MatchResult;
    expect(result.provenance.galleryVersion).toBe(versionAfter);
    expect(result.ranking.map((r) => r.label).sort()).toEqual(['Kabuki syndrome', 'Noonan syndrome']);
    const nearest = result.ranking.flatMap((r) => r.nearest);
    const pack = nearest.filter((n) => n.centre !== null);
    expect(pack.length).toBeGreaterThan(0);
    for (const n of pack) {
      expect(n).toMatchObject({ centre: 'Centre B', photoId: null, faceId: null });
      expect(n.patientId.startsWith('Centre B/')).toBe(true);
    }
    for (const n of nearest.filter((n) => n.centre === null)) expect(n.photoId).not.toBeNull();
  });
});
