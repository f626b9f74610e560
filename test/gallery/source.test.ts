/** The one reader of a gallery source: a labelled folder and a gallery CSV of the same photos agree. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPhoto } from '../../src/main/gallery/photo.js';
import { readGallery } from '../../src/main/gallery/source.js';

describe('gallery sources', () => {
  let dir: string;
  let folder: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facepheno-gallery-source-'));
    folder = join(dir, 'gallery');
    const photo = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    for (const [label, files] of [
      ['kabuki', ['1.png', '2.png', '3.png']],
      ['controls', ['x.png']],
    ] as const) {
      mkdirSync(join(folder, label), { recursive: true });
      for (const f of files) writeFileSync(join(folder, label, f), photo);
    }
    writeFileSync(
      join(folder, 'kabuki', 'metadata.csv'),
      'file,patient,sex,age,mask\n1.png,K7,F,4,bottom-right\n2.png,K7,F,5,\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const seen = (photos: GalleryPhoto[]) =>
    photos
      .map(({ file, patient, label, sex, ageYears, mask }) => ({ file, patient, label, sex, ageYears, mask }))
      .sort((a, b) => a.file.localeCompare(b.file));

  it('gives the same patients, labels, sexes, ages and masks for the same photos, folder or CSV', () => {
    const csv = join(dir, 'gallery.csv');
    writeFileSync(
      csv,
      [
        'patient,photo,syndrome,sex,age,mask',
        'kabuki/K7,gallery/kabuki/1.png,kabuki,female,4,bottom-right',
        'kabuki/K7,gallery/kabuki/2.png,kabuki,F,5,none',
        'kabuki/3,gallery/kabuki/3.png,kabuki,,,',
        'controls/x,gallery/controls/x.png,controls,,,',
      ].join('\n') + '\n',
    );
    const fromFolder = seen(readGallery(folder));
    expect(fromFolder.map((p) => [p.patient, p.mask])).toEqual([
      ['controls/x', null],
      ['kabuki/K7', 'bottom-right'],
      ['kabuki/K7', null],
      ['kabuki/3', null],
    ]);
    expect(seen(readGallery(csv))).toEqual(fromFolder);
  });

  it('names the file and line of a bad mask in a gallery CSV', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'patient,photo,syndrome,mask\nP1,gallery/kabuki/1.png,kabuki,middle\n');
    expect(() => readGallery(csv)).toThrow(`${csv}:2: mask 'middle' is not one of none, top-left`);
  });
});
