/**
 * A case's life on both backends: a photo, a VCF import and a case deleted (rows in one transaction, the
 * files no other row names removed, the audit log saying who removed what), refused to a researcher; a
 * clinic case solved and added to the gallery, the gallery version moving only then.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addToGallery,
  deleteCase,
  deletePhoto,
  deleteVcfImport,
  solveCase,
  vcfImports,
} from '../../src/main/usecases/case-life.js';
import { listCases } from '../../src/main/usecases/cases.js';
import { Workspace } from '../../src/main/usecases/workspace.js';
import { repoRoot } from '../support/paths.js';
import { eachBackend, stubPhoto as photo, syntheticPhoto, tempStore } from './support.js';

const model = { id: 'testnet', sha256: 'a'.repeat(64), dim: 4 };
const analyzer = { provider: 'cpu', embeddingModels: [model] };
const vcf = join(repoRoot, 'test', 'fixtures', 'genomics', 'trio.vep.vcf');

eachBackend((backend) => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t.remove());

  /** The store's photo files, by name (set-aside ones included). */
  const photoFiles = () =>
    readdirSync(t.store.files.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(t.store.files.dir, d.name)))
      .sort();

  describe('deleting', () => {
    it('removes a photo, keeping a file another case shares, and records who removed it', async () => {
      t = tempStore(backend);
      const ws = new Workspace(t.store);
      const s = t.store;
      const shared = await photo(1);
      const own = await photo(2);
      s.patients.create({ pseudonym: 'A' });
      s.patients.create({ pseudonym: 'B' });
      const [a1, a2] = s.addPhotos('A', [shared, own], analyzer);
      s.addPhotos('B', [shared], analyzer);
      expect(photoFiles()).toEqual([shared.sha256, own.sha256].sort());

      expect(() => deletePhoto(ws, 'B', a2?.photoId ?? 0)).toThrow(`case 'B' has no photo ${a2?.photoId}`);
      deletePhoto(ws, 'A', a1?.photoId ?? 0);
      expect(photoFiles()).toEqual([shared.sha256, own.sha256].sort());
      deletePhoto(ws, 'A', a2?.photoId ?? 0);
      expect(photoFiles()).toEqual([shared.sha256]);
      expect(s.openCase('A').photos).toEqual([]);
      expect(s.openCase('B').photos.map((p) => p.sha256)).toEqual([shared.sha256]);
      const entries = s.audit.forPatient('A').filter((e) => e.action === 'photo.delete');
      expect(entries.map((e) => e.details)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ sha256: shared.sha256, file: 'p1.jpg' }),
          expect.objectContaining({ sha256: own.sha256, file: 'p2.jpg' }),
        ]),
      );
      expect(entries.every((e) => e.osUser === 'test-user')).toBe(true);
      expect(s.checkConsistency()).toMatchObject({
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
    });

    it('removes a VCF import with its variants, and the whole case with everything it holds', async () => {
      t = tempStore(backend);
      const ws = new Workspace(t.store);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      s.patients.create({ pseudonym: 'P2' });
      s.addPhotos('P1', [await photo(3)], analyzer);
      const first = (await s.genomics.importVcf('P1', vcf)).import;
      const other = (await s.genomics.importVcf('P1', vcf, { sample: 'MOTHER_01' })).import;
      expect(first.variants).toBeGreaterThan(0);
      const variants = () => s.db.prepare('SELECT count(*) AS n FROM variants').get() as { n: number };
      const before = variants().n;

      expect(() => deleteVcfImport(ws, 'P2', first.id)).toThrow(`case 'P2' has no VCF import ${first.id}`);
      deleteVcfImport(ws, 'P1', first.id);
      expect(vcfImports(ws, 'P1').map((i) => i.id)).toEqual([other.id]);
      expect(variants().n).toBe(before - first.variants);
      expect(s.audit.forPatient('P1').at(-1)).toMatchObject({
        action: 'vcf.delete',
        details: { file: 'trio.vep.vcf', sha256: first.sha256, variants: first.variants },
      });

      expect(deleteCase(ws, 'P1')).toEqual({ photos: 1, vcfImports: 1, diagnoses: 0, terms: 0 });
      expect(s.patients.find('P1')).toBeUndefined();
      expect(variants().n).toBe(0);
      expect(photoFiles()).toEqual([]);
      expect(s.audit.forPatient('P1').at(-1)).toMatchObject({
        action: 'patient.delete',
        osUser: 'test-user',
        details: { kind: 'clinic', photos: 1, vcfImports: 1 },
      });
      expect(s.audit.verify()).toMatchObject({ ok: true });
      expect(s.checkConsistency()).toMatchObject({
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
    });

    // On PostgreSQL the role is the login's (postgres-roles.test.ts makes a researcher's login, whose
    // deletions the server refuses as well); on SQLite it is the one the store is opened with.
    it.skipIf(backend === 'postgres')('refuses a researcher every deletion, changing nothing', async () => {
      t = tempStore(backend);
      t.store.patients.create({ pseudonym: 'P1' });
      const [added] = t.store.addPhotos('P1', [await photo(4)], analyzer);
      const researcher = new Workspace(t.open({ role: 'researcher' }));
      expect(() => deleteCase(researcher, 'P1')).toThrow(
        'a researcher cannot delete a case: a clinician can',
      );
      expect(() => deletePhoto(researcher, 'P1', added?.photoId ?? 0)).toThrow(
        /a researcher cannot delete a photo/,
      );
      expect(() => deleteVcfImport(researcher, 'P1', 1)).toThrow(/a researcher cannot delete a VCF import/);
      expect(t.store.openCase('P1').photos).toHaveLength(1);
      expect(photoFiles()).toHaveLength(1);
    });
  });

  describe('solved cases and the gallery', () => {
    it('lists clinic cases newest first apart from the gallery, whose version clinic work leaves alone', async () => {
      t = tempStore(backend);
      const ws = new Workspace(t.store);
      const s = t.store;
      const noonan = s.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950' });
      s.patients.create({ pseudonym: 'REF-1', kind: 'reference' });
      s.addPhotos('REF-1', [await photo(5, true, [0, 1, 0, 0])], analyzer);
      s.diagnoses.set(s.patients.get('REF-1'), { syndromeId: noonan.id, status: 'confirmed' });
      for (const id of ['B-OLDER', 'A-NEWER']) s.patients.create({ pseudonym: id });
      const v0 = s.galleryVersion();
      expect(s.galleryEmbeddings('testnet').map((g) => g.patient)).toEqual(['REF-1']);

      // Clinic work: photos, a confirmed diagnosis, solving, deleting a photo; the gallery stays.
      const [added] = s.addPhotos('A-NEWER', [await photo(6), await photo(7)], analyzer);
      expect(() => addToGallery(ws, 'A-NEWER')).toThrow(/is not solved: mark it solved/);
      solveCase(ws, 'A-NEWER', { syndrome: 'OMIM:163950', gene: 'PTPN11' });
      deletePhoto(ws, 'A-NEWER', added?.photoId ?? 0);
      s.patients.update('A-NEWER', { notes: 'seen again' });
      expect(s.galleryVersion()).toBe(v0);
      expect(s.galleryEmbeddings('testnet').map((g) => g.patient)).toEqual(['REF-1']);
      const solved = s.patients.get('A-NEWER');
      expect(solved).toMatchObject({ kind: 'clinic', solvedAt: expect.any(String) as string });
      expect(s.diagnoses.forPatient(solved.id)).toMatchObject([
        { syndrome: 'Noonan syndrome', status: 'confirmed', gene: 'PTPN11' },
      ]);
      expect(listCases(ws, { kind: 'clinic' }).rows.map((r) => r.pseudonym)).toEqual(['A-NEWER', 'B-OLDER']);
      expect(listCases(ws, { kind: 'clinic', filter: 'noonan' }).rows.map((r) => r.pseudonym)).toEqual([
        'A-NEWER',
      ]);
      expect(listCases(ws, { kind: 'reference' }).rows.map((r) => r.pseudonym)).toEqual(['REF-1']);

      // Only the user's explicit action puts it in the gallery.
      expect(() => addToGallery(ws, 'B-OLDER')).toThrow(/'B-OLDER' is not solved/);
      addToGallery(ws, 'A-NEWER');
      const v1 = s.galleryVersion();
      expect(v1).not.toBe(v0);
      expect(s.galleryEmbeddings('testnet').map((g) => [g.patient, g.label])).toEqual([
        ['REF-1', 'Noonan syndrome'],
        ['A-NEWER', 'Noonan syndrome'],
      ]);
      expect(s.audit.forPatient('A-NEWER').map((e) => e.action)).toEqual(
        expect.arrayContaining(['case.solve', 'case.to_gallery']),
      );
      expect(listCases(ws, { kind: 'clinic' }).rows.map((r) => r.pseudonym)).toEqual(['B-OLDER']);
      expect(() => addToGallery(ws, 'A-NEWER')).toThrow(/already in the gallery/);

      // Deleting a gallery case is a gallery change.
      deleteCase(ws, 'REF-1');
      expect(s.galleryVersion()).not.toBe(v1);
      expect(s.galleryEmbeddings('testnet').map((g) => g.patient)).toEqual(['A-NEWER']);
    });

    it('refuses to solve with an unknown syndrome, or a case without a face for the gallery', () => {
      t = tempStore(backend);
      const ws = new Workspace(t.store);
      t.store.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:147920' });
      t.store.patients.create({ pseudonym: 'P1' });
      expect(() => solveCase(ws, 'P1', { syndrome: 'OMIM:000000' })).toThrow(/no syndrome 'OMIM:000000'/);
      expect(t.store.patients.get('P1').solvedAt).toBeNull();
      solveCase(ws, 'P1', { syndrome: 'kabuki syndrome' });
      expect(() => addToGallery(ws, 'P1')).toThrow(/has no photo with a face found/);
      expect(t.store.patients.get('P1').kind).toBe('clinic');
    });
  });
});

describe('a photo file set aside for a deletion', () => {
  it('is put back when the deletion fails, and removed once it commits', async () => {
    const t = tempStore('sqlite');
    try {
      const bytes = await syntheticPhoto(9);
      const sha = t.store.files.put(bytes);
      const aside = t.store.files.setAside(sha);
      expect(aside).not.toBeNull();
      expect(t.store.files.has(sha)).toBe(false);
      t.store.files.restore(aside ?? '', sha);
      expect(t.store.files.read(sha)).toEqual(bytes);
      const again = t.store.files.setAside(sha) ?? '';
      t.store.files.discard(again);
      expect(t.store.files.list()).toEqual([]);
      expect(t.store.files.setAside(sha)).toBeNull();
    } finally {
      t.remove();
    }
  });
});
