/**
 * The gallery's store side on both backends (synthetic-store.ts: no ONNX model runs here): the fitted
 * matcher kept per model and gallery version, control sources, and a pack's members joining the gallery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchPatient } from '../../src/main/match/matcher.js';
import { storedMatcher } from '../../src/main/usecases/matching.js';
import { addPack, exportPack } from '../../src/main/store/gallery-pack.js';
import type { Store } from '../../src/main/store/store.js';
import { eachBackend, tempDir, tempStore, type TempStore } from '../store/support.js';
import { fillSyntheticStore, model } from '../support/synthetic-store.js';

eachBackend((backend) => {
  let t: TempStore;
  let store: Store;
  const fit = () => {
    const version = store.galleryVersion();
    return storedMatcher(store, store.galleryEmbeddings(model.id), model, version);
  };
  const query = () => {
    const face = store.openCase('P1').photos[0]?.faces[0];
    const e = face && store.faces.embedding(face.id, model.id);
    if (!e) throw new Error('P1 has no embedding');
    return e.vector;
  };

  beforeAll(async () => {
    t = tempStore(backend);
    t.store.close();
    // fillSyntheticStore opens the target itself: on PostgreSQL the photos go to the store's folder.
    process.env.FACEPHENO_PHOTOS_DIR = t.photosDir;
    await fillSyntheticStore(t.target);
    store = t.open();
  });
  afterAll(() => t.remove());

  describe('the matcher kept in the store', () => {
    it('is fitted once per gallery version and restored to the same probabilities', () => {
      const first = fit();
      expect(first.cached).toBe(false);
      const second = fit();
      expect(second.cached).toBe(true);
      expect(matchPatient(second.matcher, [query()]).ranking).toEqual(
        matchPatient(first.matcher, [query()]).ranking,
      );
      expect(second.matcher.openSet).toEqual(first.matcher.openSet);
      // Another open of the same store finds it too.
      store.close();
      store = t.open();
      expect(fit().cached).toBe(true);
    });

    it('is refitted when the gallery changes, and for another model file of the same id', () => {
      const kabuki = store.syndromes.findByName('Kabuki syndrome');
      if (!kabuki) throw new Error('the synthetic store has no Kabuki syndrome');
      store.diagnoses.set(store.patients.get('P1'), { syndromeId: kabuki.id, status: 'confirmed' });
      // P1 is a clinic case: confirming its diagnosis leaves the gallery as it was, until it is added.
      expect(fit().cached).toBe(true);
      store.patients.setKind(store.patients.get('P1'), 'reference', 'case.to_gallery');
      expect(fit().cached).toBe(false);
      expect(fit().cached).toBe(true);
      const version = store.galleryVersion();
      const other = { ...model, sha256: 'c'.repeat(64) };
      expect(storedMatcher(store, store.galleryEmbeddings(model.id), other, version).cached).toBe(false);
    });
  });

  describe('control sources', () => {
    it("keeps a control's source, changing the gallery version only when it changes", () => {
      const control = store.patients.create({ pseudonym: 'C1', isControl: true, kind: 'reference' });
      const before = store.galleryVersion();
      store.gallery.setControlSource(control.id, 'children_controls');
      const after = store.galleryVersion();
      expect(after).not.toBe(before);
      store.gallery.setControlSource(control.id, 'children_controls');
      expect(store.galleryVersion()).toBe(after);
      const source = store.db
        .prepare('SELECT source FROM control_sources WHERE patient_id = ?')
        .pluck()
        .get(control.id);
      expect(source).toBe('children_controls');
    });
  });

  describe('a gallery pack', () => {
    it('joins its members to the gallery of the store it is added to, with their centre and no photo', () => {
      const folder = tempDir('facepheno-pack-file-');
      const target = tempStore(backend);
      try {
        const file = `${folder.dir}/pack.json`;
        const exported = exportPack(store, file, { centre: 'Centre C', model, recipient: null });
        const own = store.galleryEmbeddings(model.id);
        expect(exported.faces).toBe(own.length);
        const before = target.store.galleryVersion();
        addPack(target.store, file, [model]);
        expect(target.store.galleryVersion()).not.toBe(before);
        const rows = target.store.galleryEmbeddings(model.id);
        expect(rows.length).toBe(own.length);
        for (const r of rows) {
          expect(r).toMatchObject({ centre: 'Centre C', patientId: null, photoId: null, faceId: null });
          expect(r.patient.startsWith('Centre C/')).toBe(true);
        }
        expect(rows.map((r) => r.label).sort()).toEqual(own.map((r) => r.label).sort());
      } finally {
        target.remove();
        folder.remove();
      }
    });
  });
});
