import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import type { Store } from '../../src/main/store/store.js';
import { importGallery, type GalleryImportOptions } from '../../src/main/usecases/gallery.js';
import { facedata } from '../support/paths.js';
import { eachBackend, sharedPipeline, syntheticPhoto, tempStore } from './support.js';

const pipeline = sharedPipeline();
afterAll(() => pipeline.close());
const importInto = (s: Store, source: string, opts?: GalleryImportOptions) =>
  importGallery({ store: s, facePipeline: pipeline.get }, source, opts);
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const photos = {
  down1: facedata('down_syndrome_kaggle', 'down_syndrome', 'down_10.jpg'),
  down2: facedata('down_syndrome_kaggle', 'down_syndrome', 'down_100.jpg'),
  del22a: facedata('22q11ds', '22q11ds', '130.jpg'),
  del22b: facedata('22q11ds', '22q11ds', '131.jpg'),
  control: facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg'),
};

eachBackend((backend) => {
  function setup() {
    const t = tempStore(backend);
    cleanups.push(t.remove);
    return t;
  }

  function csv(dir: string, lines: string[]): string {
    const file = join(dir, 'gallery.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  const header = 'patient,photo,syndrome,gene,disease_id,age,sex';

  /** Nothing of an import may remain after it is refused. */
  function expectUntouched(s: Store): void {
    expect(s.patients.count()).toBe(0);
    expect(s.syndromes.list()).toEqual([]);
    expect(s.files.list()).toEqual([]);
  }

  describe('gallery import from a CSV', () => {
    it('imports patients, confirmed diagnoses, controls and analysed photos, reporting photos without a face', async () => {
      const { store: s, dir } = setup();
      const blank = join(dir, 'blank.jpg');
      writeFileSync(blank, await syntheticPhoto(1, 160));
      const file = csv(dir, [
        header,
        `D1,${photos.down1},Down syndrome,,OMIM:190685,4,F`,
        `D2,${photos.down2},Down syndrome,,OMIM:190685,,male`,
        `Q130,${photos.del22a},22q11.2 deletion syndrome,TBX1,ORPHA:567,,`,
        `Q130,${photos.del22b},22q11.2 deletion syndrome,TBX1,ORPHA:567,,`,
        `C1,${photos.control},control,,,10,`,
        `D3,blank.jpg,Down syndrome,,,,`,
      ]);
      const progress: string[] = [];
      const report = await importInto(s, file, {
        onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`),
      });
      expect(report).toMatchObject({
        patients: 5,
        controls: 1,
        photos: 6,
        syndromes: ['22q11.2 deletion syndrome', 'Down syndrome'],
        noFace: [{ file: blank, where: `${file}:7`, patient: 'D3' }],
      });
      expect(report.faces).toBeGreaterThanOrEqual(5);
      expect(progress.at(-1)).toBe('store:6/6');
      expect(s.patients.get('D1')).toMatchObject({ sex: 'female', isControl: false });
      expect(s.patients.get('C1').isControl).toBe(true);
      expect(s.syndromes.findByName('22q11.2 deletion syndrome')).toMatchObject({
        orpha: 'ORPHA:567',
        genes: ['TBX1'],
      });
      const q = s.openCase('Q130');
      expect(q.photos).toHaveLength(2);
      expect(q.diagnoses).toMatchObject([{ status: 'confirmed', gene: 'TBX1' }]);
      expect(s.openCase('D1').photos[0]?.ageYears).toBe(4);

      const p = await pipeline.get();
      for (const m of p.embeddingModels) {
        const g = s.galleryEmbeddings(m.id);
        expect(new Set(g.map((r) => r.patient))).toEqual(new Set(['D1', 'D2', 'Q130', 'C1']));
        expect(g.every((r) => r.vector.length === m.dim)).toBe(true);
        expect(g.find((r) => r.patient === 'C1')).toMatchObject({ label: 'unaffected', isControl: true });
      }
      expect(report.galleryVersion).toBe(s.galleryVersion());
      expect(s.checkConsistency()).toMatchObject({ missingFiles: [], unreferencedFiles: [] });
    });

    it.each([
      ['a missing photo', `P1,no-such.jpg,Down syndrome,,,,`, /:3: photo not found: .*no-such\.jpg/],
      ['an empty patient', `,${photos.down2},Down syndrome,,,,`, /:3: the 'patient' field is empty/],
      [
        'a bad age',
        `P2,${photos.down2},Down syndrome,,,four,`,
        /:3: age must be years from 0 to 130 \(got 'four'\)/,
      ],
      [
        'a bad disease id',
        `P2,${photos.down2},Down syndrome,,190685,,`,
        /:3: '190685' is not an OMIM, ORPHA or MONDO id/,
      ],
      ['a bad sex', `P2,${photos.down2},Down syndrome,,,,x`, /:3: sex must be one of/],
      ['a short row', `P2,${photos.down2}`, /:3: expected 7 fields as in the header, found 2/],
      [
        'a patient who changes sex',
        `P1,${photos.down2},Down syndrome,,,,male`,
        /:3: patient 'P1' is male here but female at .*:2/,
      ],
    ])('refuses %s with file and line and imports nothing', async (_what, row, message) => {
      const { store: s, dir } = setup();
      const file = csv(dir, [header, `P1,${photos.down1},Down syndrome,,,,female`, row]);
      const err = await importInto(s, file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith(`${file}:`)).toBe(true);
      expectUntouched(s);
    });

    it('refuses an unreadable photo (found when analysed) with the CSV line, and imports nothing', async () => {
      const { store: s, dir } = setup();
      writeFileSync(join(dir, 'broken.jpg'), 'not a JPEG at all');
      const file = csv(dir, [
        header,
        `P1,${photos.down1},Down syndrome,,,,`,
        `P2,broken.jpg,Down syndrome,,,,`,
      ]);
      await expect(importInto(s, file)).rejects.toThrow(new RegExp(`^${file}:3: .*broken\\.jpg`));
      expectUntouched(s);
    });

    it('refuses a header without the needed columns and a patient already in the store', async () => {
      const { store: s, dir } = setup();
      const noSyndrome = csv(dir, ['patient,photo', `P1,${photos.down1}`]);
      await expect(importInto(s, noSyndrome)).rejects.toThrow(
        `${noSyndrome}:1: the header lacks a 'syndrome' column (has: patient, photo)`,
      );
      s.patients.create({ pseudonym: 'P1' });
      const file = csv(dir, [header, `P1,${photos.down1},Down syndrome,,,,`]);
      await expect(importInto(s, file)).rejects.toThrow(
        `${file}:2: patient 'P1' is already in the case store`,
      );
      expect(s.patients.count()).toBe(1);
    });
  });

  describe('gallery import from a folder per label', () => {
    it('makes a patient per photo unless metadata.csv groups them, and controls from control labels', async () => {
      const { store: s, dir } = setup();
      const g = join(dir, 'gallery');
      const put = (label: string, name: string, from: string) => {
        mkdirSync(join(g, label), { recursive: true });
        copyFileSync(from, join(g, label, name));
      };
      put('down_syndrome', 'a.jpg', photos.down1);
      put('down_syndrome', 'b.jpg', photos.down2);
      put('22q11ds', '130.jpg', photos.del22a);
      put('22q11ds', '131.jpg', photos.del22b);
      writeFileSync(join(g, '22q11ds', 'metadata.csv'), 'file,patient,sex\n130.jpg,130,M\n131.jpg,130,M\n');
      put('healthy_control', 'c.jpg', photos.control);
      writeFileSync(join(g, 'down_syndrome', 'notes.txt'), 'not a photo: ignored');
      const report = await importInto(s, g);
      expect(report).toMatchObject({
        patients: 4,
        controls: 1,
        photos: 5,
        syndromes: ['22q11ds', 'down_syndrome'],
      });
      expect(s.patients.list().rows.map((r) => [r.pseudonym, r.photos, r.isControl, r.sex])).toEqual([
        ['22q11ds/130', 2, false, 'male'],
        ['down_syndrome/a', 1, false, 'unknown'],
        ['down_syndrome/b', 1, false, 'unknown'],
        ['healthy_control/c', 1, true, 'unknown'],
      ]);
    });

    it('refuses a metadata.csv row naming a missing photo, with file and line', async () => {
      const { store: s, dir } = setup();
      const g = join(dir, 'gallery', 'kabuki');
      mkdirSync(g, { recursive: true });
      copyFileSync(photos.down1, join(g, 'a.jpg'));
      const meta = join(g, 'metadata.csv');
      writeFileSync(meta, 'file,patient\na.jpg,K1\nb.jpg,K1\n');
      await expect(importInto(s, join(dir, 'gallery'))).rejects.toThrow(
        new RegExp(`^${meta}:3: photo not found: .*b\\.jpg`),
      );
      expectUntouched(s);
    });
  });
});
