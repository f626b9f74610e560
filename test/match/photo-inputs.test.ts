import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BORDER_FEATURES, borderFeatures } from '../../src/main/face/border.js';
import { readLabelledFolder } from '../../src/main/gallery/folder.js';
import { MASK_HEIGHT, MASK_WIDTH, maskCorner } from '../../src/main/gallery/mask.js';

/** A grey photo with a black block (the printed number) in its bottom-right corner. */
async function numberedPhoto(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3, 160);
  for (let y = Math.floor(height * 0.9); y < height - 2; y++)
    for (let x = Math.floor(width * 0.8); x < width - 2; x++)
      raw.fill(0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('masking the printed corner', () => {
  it('fills the corner with the colour around it, leaving the rest untouched', async () => {
    const masked = await maskCorner(await numberedPhoto(100, 120), 'bottom-right', 'p.png');
    const { data, info } = await sharp(masked).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([100, 120]);
    let dark = 0;
    for (let i = 0; i < data.length; i++) if ((data[i] as number) < 100) dark++;
    expect(dark).toBe(0); // the block is gone
    expect(data[0]).toBe(160);
    expect(MASK_WIDTH * 100).toBeGreaterThanOrEqual(20);
    expect(MASK_HEIGHT * 120).toBeGreaterThanOrEqual(12);
  });

  it('names the file when the photo cannot be decoded', async () => {
    await expect(maskCorner(Buffer.from('not an image'), 'top-left', 'bad.jpg')).rejects.toThrow(
      /^bad\.jpg: /,
    );
  });

  it('refuses an SVG before any decoder parses it, naming the file', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="90" height="90"/>');
    await expect(maskCorner(svg, 'top-left', 'drawing.jpg')).rejects.toThrow(
      'drawing.jpg: an SVG drawing, not a photo',
    );
    await expect(borderFeatures(svg, { x: 0, y: 0, width: 9, height: 9 }, 'drawing.jpg')).rejects.toThrow(
      'drawing.jpg: an SVG drawing, not a photo',
    );
  });
});

describe('border features (the confound check)', () => {
  it('describes only what lies outside the face box', async () => {
    // Left half red, right half blue; the box covers the right half entirely.
    const raw = Buffer.alloc(40 * 40 * 3);
    for (let y = 0; y < 40; y++)
      for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const png = await sharp(raw, { raw: { width: 40, height: 40, channels: 3 } })
      .png()
      .toBuffer();
    const f = await borderFeatures(png, { x: 20, y: 0, width: 20, height: 40 }, 'b.png');
    expect(f).toHaveLength(BORDER_FEATURES);
    // The left strip is pure red; the colour histogram's only bin is red (r=3, g=0, b=0 -> 48).
    expect([f[12], f[13], f[14]]).toEqual([1, 0, 0]);
    expect(f[24 + 48]).toBeCloseTo(1, 6);
  });
});

describe('labelled evaluation folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facepheno-labelled-'));
    const photo = await numberedPhoto(20, 20);
    for (const [label, files] of [
      ['a', ['1.png', '2.png', '3.png']],
      ['b', ['x.png']],
    ] as const) {
      mkdirSync(join(dir, label));
      for (const f of files) writeFileSync(join(dir, label, f), photo);
    }
    writeFileSync(
      join(dir, 'a', 'metadata.csv'),
      'file,paper_patient_id,mask\n1.png,7,bottom-right\n2.png,7,\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes patients from metadata (paper_patient_id too), photos as their own patients otherwise, and masks', () => {
    const photos = readLabelledFolder(dir);
    expect(photos.map((p) => [p.label, p.patient, p.mask])).toEqual([
      ['a', 'a/7', 'bottom-right'],
      ['a', 'a/7', null],
      ['a', 'a/3', null],
      ['b', 'b/x', null],
    ]);
    expect(photos.flatMap((p) => (p.mask ? [p.mask] : []))).toEqual(['bottom-right']);
  });

  it('names the metadata file and line of a bad mask', () => {
    writeFileSync(join(dir, 'b', 'metadata.csv'), 'file,mask\nx.png,centre\n');
    expect(() => readLabelledFolder(dir)).toThrow(/b\/metadata\.csv:2: mask 'centre'/);
  });
});
