import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { Store, UNAFFECTED_LABEL } from '../../src/main/store/store.js';
import { eachBackend, holdWriteLock, stubPhoto as photo, syntheticPhoto, tempStore } from './support.js';

const model = { id: 'testnet', sha256: 'a'.repeat(64), dim: 4 };
const analyzer = { provider: 'cpu', embeddingModels: [model] };

eachBackend((backend) => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t.remove());

  describe('patients', () => {
    it('creates, finds case-insensitively, updates and deletes, refusing duplicates and bad values', () => {
      t = tempStore(backend);
      const s = t.store;
      const p = s.patients.create({ pseudonym: ' P-001 ', sex: 'female', birthDate: '2015-03-04' });
      expect(p).toMatchObject({
        pseudonym: 'P-001',
        sex: 'female',
        birthYear: 2015,
        birthDate: '2015-03-04',
      });
      expect(s.patients.get('p-001').id).toBe(p.id);
      expect(() => s.patients.create({ pseudonym: 'p-001' })).toThrow(/already exists/);
      expect(() => s.patients.create({ pseudonym: 'X', birthYear: 1700 })).toThrow(/birth year must be/);
      expect(() => s.patients.create({ pseudonym: 'X', birthDate: '2015-02-30' })).toThrow(/birth date/);
      expect(() => s.patients.create({ pseudonym: 'X', birthYear: 2014, birthDate: '2015-01-01' })).toThrow(
        /does not match/,
      );
      expect(() => s.patients.create({ pseudonym: 'X', sex: 'yes' as 'male' })).toThrow(/sex must be one of/);
      expect(() => s.patients.create({ pseudonym: '  ' })).toThrow(UserError);
      expect(s.patients.update('P-001', { notes: 'short stature', isControl: false }).notes).toBe(
        'short stature',
      );
      s.patients.delete('P-001');
      expect(s.patients.find('P-001')).toBeUndefined();
      expect(() => s.patients.get('P-001')).toThrow("no patient with id 'P-001'");
    });

    it('lists a filtered page with total and per-case counts', async () => {
      t = tempStore(backend);
      const s = t.store;
      for (let i = 0; i < 12; i++) s.patients.create({ pseudonym: `C-${String(i).padStart(2, '0')}` });
      s.patients.update('C-03', { notes: 'Facial asymmetry, ptosis' });
      const kabuki = s.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:147920', genes: ['KMT2D'] });
      s.diagnoses.set(s.patients.get('C-07'), { syndromeId: kabuki.id, status: 'confirmed', gene: 'KMT2D' });
      s.addPhotos('C-07', [await photo(1), await photo(2, false)], analyzer);
      s.terms.set(s.patients.get('C-07'), { termId: 'HP:0000347', label: 'Micrognathia' });

      const page = s.patients.list({ limit: 5, offset: 5 });
      expect(page.total).toBe(12);
      expect(page.rows.map((r) => r.pseudonym)).toEqual(['C-05', 'C-06', 'C-07', 'C-08', 'C-09']);
      expect(page.rows[2]).toMatchObject({ photos: 2, faces: 1, terms: 1, diagnoses: ['Kabuki syndrome'] });
      expect(s.patients.list({ filter: 'kabuki' }).rows.map((r) => r.pseudonym)).toEqual(['C-07']);
      expect(s.patients.list({ filter: 'kmt2d' }).total).toBe(1);
      expect(s.patients.list({ filter: 'PTOSIS' }).rows.map((r) => r.pseudonym)).toEqual(['C-03']);
      expect(s.patients.list({ filter: 'C-1' }).total).toBe(2);
      // LIKE wildcards in the text are literal
      expect(s.patients.list({ filter: '%' }).total).toBe(0);
      expect(s.patients.list({ filter: 'C_0' }).total).toBe(0);
    });
  });

  describe('photos, faces and embeddings', () => {
    it('stores the file by content, then rows for photo, faces and embeddings; a case opens with all of it', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      const [a, b] = [await photo(1), await photo(2, false)];
      const added = s.addPhotos('P1', [a, b], analyzer);
      expect(added.map((x) => x.faceFound)).toEqual([true, false]);
      const view = s.openCase('P1');
      expect(view.photos).toHaveLength(2);
      const [first, second] = view.photos;
      expect(first?.path).toBe(join(t.photosDir, a.sha256.slice(0, 2), a.sha256));
      expect(readFileSync(first?.path ?? '')).toEqual(a.bytes);
      expect(first).toMatchObject({
        sha256: a.sha256,
        bytes: a.bytes.length,
        originalName: 'p1.jpg',
        width: 64,
      });
      expect(first?.faces).toHaveLength(1);
      const face = first?.faces[0];
      expect(face).toMatchObject({ isPrimary: true, score: 0.97, embeddingModels: ['testnet'] });
      expect(face?.quality.flags).toEqual(['small face']);
      expect(Array.from(s.faces.mesh(face?.id ?? 0) ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
      const e = s.faces.embedding(face?.id ?? 0, 'testnet');
      expect(e?.modelSha256).toBe(model.sha256);
      expect(Array.from(e?.vector ?? [])).toEqual([1, 0, 0, 0]);
      expect(second?.faces).toEqual([]);
      expect(s.settings.get(first?.settingsId ?? 0)).toMatchObject({
        provider: 'cpu',
        embeddingModels: [model],
      });
    });

    it('adds all photos or none: a repeated photo refuses the whole batch', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      const a = await photo(1);
      s.addPhotos('P1', [a], analyzer);
      const fresh = await photo(3);
      expect(() => s.addPhotos('P1', [fresh, a], analyzer)).toThrow(/already in case 'P1'/);
      expect(s.openCase('P1').photos).toHaveLength(1);
      // the fresh file was written before the refusal; the next open sweeps it
      expect(existsSync(s.files.path(fresh.sha256))).toBe(true);
      s.close();
      const again = t.open();
      expect(again.swept).toBe(1);
      expect(again.checkConsistency()).toEqual({
        integrity: 'ok',
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
      again.close();
    });

    it('shares one file between patients and removes it with its last row', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      s.patients.create({ pseudonym: 'P2' });
      const a = await photo(1);
      const [x] = s.addPhotos('P1', [a], analyzer);
      const [y] = s.addPhotos('P2', [a], analyzer);
      s.deletePhoto(x?.photoId ?? 0);
      expect(s.files.has(a.sha256)).toBe(true);
      s.deletePhoto(y?.photoId ?? 0);
      expect(s.files.has(a.sha256)).toBe(false);
      expect(() => s.deletePhoto(y?.photoId ?? 0)).toThrow(/no photo/);
    });

    it('deletes a patient with the photo files no other case names', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      s.patients.create({ pseudonym: 'P2' });
      const [shared, own] = [await photo(1), await photo(2)];
      s.addPhotos('P1', [shared, own], analyzer);
      s.addPhotos('P2', [shared], analyzer);
      s.deletePatient('P1');
      expect([s.files.has(shared.sha256), s.files.has(own.sha256)]).toEqual([true, false]);
      expect(s.checkConsistency()).toMatchObject({
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
      expect(s.audit.forPatient('P1').at(-1)?.action).toBe('patient.delete');
    });

    it('refuses an embedding whose length does not match its model, storing nothing', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({ pseudonym: 'P1' });
      const short = await photo(1, true, [1, 0]);
      expect(() => s.addPhotos('P1', [short], analyzer)).toThrow(/2 values, expected 4/);
      expect(s.openCase('P1').photos).toEqual([]);
    });
  });

  describe('gallery embeddings', () => {
    it('holds confirmed patients and controls, per model, and its version moves with every change', async () => {
      t = tempStore(backend);
      const s = t.store;
      const v0 = s.galleryVersion();
      const noonan = s.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950', genes: ['PTPN11'] });
      for (const [id, status] of [
        ['N1', 'confirmed'],
        ['N2', 'suspected'],
      ] as const) {
        s.patients.create({ pseudonym: id, kind: 'reference' });
        s.diagnoses.set(s.patients.get(id), { syndromeId: noonan.id, status });
      }
      s.patients.create({ pseudonym: 'CTRL', isControl: true, kind: 'reference' });
      s.patients.create({ pseudonym: 'NEW' });
      s.addPhotos('N1', [await photo(1, true, [1, 0, 0, 0])], analyzer);
      s.addPhotos('N2', [await photo(2, true, [0, 1, 0, 0])], analyzer);
      s.addPhotos('CTRL', [await photo(3, true, [0, 0, 1, 0])], analyzer);
      s.addPhotos('NEW', [await photo(4, true, [0, 0, 0, 1])], analyzer);
      const v1 = s.galleryVersion();
      expect(v1).not.toBe(v0);

      const g = s.galleryEmbeddings('testnet');
      expect(g.map((r) => [r.patient, r.label, r.isControl])).toEqual([
        ['N1', 'Noonan syndrome', false],
        ['CTRL', UNAFFECTED_LABEL, true],
      ]);
      expect(Array.from(g[0]?.vector ?? [])).toEqual([1, 0, 0, 0]);
      expect(s.galleryEmbeddings('othernet')).toEqual([]);

      s.diagnoses.set(s.patients.get('N2'), { syndromeId: noonan.id, status: 'confirmed' });
      const v2 = s.galleryVersion();
      expect(v2).not.toBe(v1);
      expect(s.galleryEmbeddings('testnet')).toHaveLength(3);
      s.patients.update('CTRL', { isControl: false });
      expect(s.galleryVersion()).not.toBe(v2);
      expect(s.galleryEmbeddings('testnet')).toHaveLength(2);
      const v3 = s.galleryVersion();
      s.patients.update('NEW', { notes: 'not a gallery change' });
      expect(s.galleryVersion()).toBe(v3);
    });
  });

  describe('roles', () => {
    it('shows a researcher pseudonymised cases (no notes, birth date or file names; an age band) and lets it record none', async () => {
      t = tempStore(backend);
      const s = t.store;
      s.patients.create({
        pseudonym: 'P1',
        sex: 'female',
        birthDate: '2015-03-04',
        notes: 'lives at 3 Elm St',
      });
      const [added] = s.addPhotos('P1', [await photo(1)], analyzer);
      if (backend === 'postgres') {
        // A department database's role is its server's (test/store/postgres-roles.test.ts): asking for
        // researcher with the owner's login is refused, not obeyed.
        expect(() => t.open({ role: 'researcher', osUser: 'res' })).toThrow(
          /FACEPHENO_ROLE is researcher, but the server gives login '.*' the clinician role/,
        );
        return;
      }
      const researcher = t.open({ role: 'researcher', osUser: 'res' });
      const low = Math.floor((new Date().getUTCFullYear() - 2015) / 5) * 5;
      expect(researcher.patients.get('P1')).toMatchObject({
        sex: 'female',
        notes: '',
        birthDate: null,
        birthYear: null,
        ageBand: `${low}-${low + 4}`,
      });
      expect(researcher.openCase('P1').photos.map((p) => p.originalName)).toEqual([
        `photo ${added?.photoId}`,
      ]);
      expect(researcher.patients.list().rows[0]).toMatchObject({ notes: '', birthDate: null, photos: 1 });
      // Its search does not look into what it may not see.
      expect(s.patients.list({ filter: 'Elm' }).total).toBe(1);
      expect(researcher.patients.list({ filter: 'Elm' }).total).toBe(0);
      expect(researcher.audit.forPatient('P1').every((e) => e.details === null)).toBe(true);
      expect(s.audit.forPatient('P1')[0]?.details).toMatchObject({ birthYear: 2015 });
      expect(() => researcher.patients.update('P1', { notes: 'x' })).toThrow(
        'a researcher sees cases pseudonymised and cannot record notes: a clinician can',
      );
      expect(() => researcher.patients.create({ pseudonym: 'P2', birthYear: 2010 })).toThrow(
        /cannot record birthYear/,
      );
      // What it may change, it changes without losing what it cannot see.
      researcher.patients.update('P1', { isControl: true });
      expect(s.patients.get('P1')).toMatchObject({
        isControl: true,
        notes: 'lives at 3 Elm St',
        birthDate: '2015-03-04',
      });
      expect(researcher.patients.create({ pseudonym: 'P2', sex: 'male' }).ageBand).toBeNull();
      expect(s.patients.get('P1').ageBand).toBeUndefined();
      expect(() => t.open({ role: 'admin' as 'researcher' })).toThrow(
        "the role (FACEPHENO_ROLE) must be one of clinician, researcher (got 'admin')",
      );
    });
  });

  describe('syndromes and diagnoses', () => {
    it('keeps one catalogue entry per syndrome, completing ids and genes, refusing contradictions', () => {
      t = tempStore(backend);
      const s = t.store;
      const a = s.syndromes.ensure({ name: 'Down syndrome', genes: [] });
      const b = s.syndromes.ensure({ name: 'down SYNDROME', omim: 'OMIM:190685', orpha: 'ORPHA:870' });
      expect(b).toMatchObject({ id: a.id, name: 'Down syndrome', omim: 'OMIM:190685', orpha: 'ORPHA:870' });
      expect(s.syndromes.findByDiseaseId('ORPHA:870')?.id).toBe(a.id);
      expect(() => s.syndromes.ensure({ name: 'Down syndrome', omim: 'OMIM:190686' })).toThrow(
        /has OMIM id OMIM:190685, not OMIM:190686/,
      );
      expect(() => s.syndromes.ensure({ name: 'X', omim: '190685' })).toThrow(/is not a OMIM id/);
      s.syndromes.ensure({ name: 'Williams syndrome', omim: 'OMIM:194050', genes: ['ELN', 'GTF2I'] });
      expect(() => s.syndromes.ensure({ name: 'Williams syndrome', omim: 'OMIM:190685' })).toThrow(
        /name different syndromes/,
      );
      expect(s.syndromes.list().map((x) => [x.name, x.genes])).toEqual([
        ['Down syndrome', []],
        ['Williams syndrome', ['ELN', 'GTF2I']],
      ]);
    });

    it('records one diagnosis per patient and syndrome, with status, gene, variant and date', () => {
      t = tempStore(backend);
      const s = t.store;
      const p = s.patients.create({ pseudonym: 'P1' });
      const w = s.syndromes.ensure({ name: 'Williams syndrome', omim: 'OMIM:194050' });
      s.diagnoses.set(p, { syndromeId: w.id, status: 'suspected' });
      s.diagnoses.set(p, {
        syndromeId: w.id,
        status: 'confirmed',
        gene: 'ELN',
        variant: 'c.1A>G',
        date: '2024-05-01',
      });
      expect(s.diagnoses.forPatient(p.id)).toMatchObject([
        {
          syndrome: 'Williams syndrome',
          omim: 'OMIM:194050',
          status: 'confirmed',
          gene: 'ELN',
          date: '2024-05-01',
        },
      ]);
      expect(() => s.diagnoses.set(p, { syndromeId: w.id, status: 'confirmed', date: '01/05/2024' })).toThrow(
        /YYYY-MM-DD/,
      );
    });
  });

  describe('audit log and transactions', () => {
    it('records who did what to which patient, and rolls back with a failed transaction', () => {
      t = tempStore(backend);
      const s = t.store;
      s.transaction(() => s.patients.create({ pseudonym: 'P1', sex: 'male' }));
      expect(() =>
        s.transaction(() => {
          s.patients.create({ pseudonym: 'P2' });
          s.patients.create({ pseudonym: 'P2' });
        }),
      ).toThrow(/already exists/);
      expect(s.patients.find('P2')).toBeUndefined();
      const log = s.audit.recent();
      expect(log.map((e) => [e.osUser, e.action, e.patient])).toEqual([
        ['test-user', 'patient.create', 'P1'],
      ]);
      expect(log[0]?.details).toMatchObject({ sex: 'male' });
      s.patients.delete('P1');
      expect(s.audit.forPatient('P1').map((e) => e.action)).toEqual(['patient.create', 'patient.delete']);
    });

    it.runIf(backend === 'sqlite')('refuses a database path it cannot create, naming it', () => {
      t = tempStore(backend);
      const blocked = join(t.target, 'inside-a-file.db');
      expect(() => Store.open(blocked)).toThrow(new RegExp(`^${blocked}: cannot open the case database`));
    });

    it('says the database is busy when another process holds the write lock past the timeout', () => {
      t = tempStore(backend);
      const release = holdWriteLock(t.target);
      try {
        expect(() => t.open({ busyTimeoutMs: 100 })).toThrow(
          `${t.store.file}: the case database is busy: another FacePheno process is writing to it; try again`,
        );
      } finally {
        release();
      }
    });

    it('records every opening of a case with the user who opened it', () => {
      t = tempStore(backend);
      t.store.patients.create({ pseudonym: 'P1' });
      const other = t.open({ osUser: 'second-workstation' });
      t.store.openCase('p1');
      other.openCase('P1');
      expect(() => other.openCase('NOBODY')).toThrow("no patient with id 'NOBODY'");
      expect(t.store.audit.forPatient('P1').map((e) => [e.action, e.osUser])).toEqual([
        ['patient.create', 'test-user'],
        ['case.open', 'test-user'],
        ['case.open', 'second-workstation'],
      ]);
    });

    it('names the OS user by default', () => {
      t = tempStore(backend);
      t.store.close();
      const s = t.open({ osUser: undefined });
      s.patients.create({ pseudonym: 'P1' });
      expect(s.audit.recent()[0]?.osUser).toMatch(/\S/);
      s.close();
    });

    it('sweeps stray files, including temporary ones, at open', async () => {
      t = tempStore(backend);
      const s = t.store;
      const bytes = await syntheticPhoto(9);
      const sha = s.files.put(bytes);
      writeFileSync(`${s.files.path(sha)}.123.tmp`, 'partial');
      s.close();
      const again = t.open();
      expect(again.swept).toBe(2);
      expect(again.files.list()).toEqual([]);
      again.close();
    });
  });
});
