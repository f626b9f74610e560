import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePhoto, readPhoto } from '../../src/main/face/decode.js';
import { bombPng, truncatedJpeg } from './inputs.js';

/** 40x20: red left half, blue right half. */
const halves = () =>
  sharp({ create: { width: 40, height: 20, channels: 3, background: '#0000ff' } }).composite([
    { input: { create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }, left: 0, top: 0 },
  ]);

describe('decodePhoto', () => {
  it('refuses an empty file, naming it', async () => {
    await expect(decodePhoto('empty.jpg', Buffer.alloc(0))).rejects.toThrow(
      'empty.jpg: empty file (0 bytes)',
    );
  });

  it('refuses a text file named .jpg as not an image', async () => {
    await expect(decodePhoto('notes.jpg', Buffer.from('hello, not a photo\n'))).rejects.toThrow(
      'notes.jpg: not an image FacePheno can read',
    );
  });

  it('refuses a truncated JPEG as truncated', async () => {
    await expect(decodePhoto('cut.jpg', await truncatedJpeg())).rejects.toThrow(
      'cut.jpg: the image is truncated or damaged',
    );
  });

  it('calls each of many truncated JPEGs decoded at once truncated, whatever message libvips gives', async () => {
    const cut = await truncatedJpeg();
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => decodePhoto(`cut-${i}.jpg`, cut)),
    );
    const messages = results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'decoded'));
    expect(messages).toEqual(
      messages.map(
        (_, i) =>
          `UserError: cut-${i}.jpg: the image is truncated or damaged and cannot be decoded completely`,
      ),
    );
  });

  it('refuses a 30000x30000 PNG from its header, before decoding pixels', async () => {
    const started = Date.now();
    await expect(decodePhoto('bomb.png', bombPng(30000, 30000))).rejects.toThrow(
      'bomb.png: the image is too large (30000x30000 pixels; the limit is 100 megapixels)',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('decodes grey, CMYK and 16-bit images into 8-bit RGB', async () => {
    const grey = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#808080' } })
      .greyscale()
      .png()
      .toBuffer();
    const cmyk = await halves().toColourspace('cmyk').jpeg().toBuffer();
    const deep = await halves().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const g = await decodePhoto('grey.png', grey);
    expect([g.width, g.height, g.data.length]).toEqual([8, 6, 8 * 6 * 3]);
    expect(Math.abs((g.data[0] ?? 0) - 128)).toBeLessThan(3);
    for (const [name, bytes] of [
      ['cmyk.jpg', cmyk],
      ['deep.png', deep],
    ] as const) {
      const img = await decodePhoto(name, bytes);
      expect([img.width, img.height]).toEqual([40, 20]);
      const left = Array.from(img.data.subarray((10 * 40 + 5) * 3, (10 * 40 + 5) * 3 + 3));
      expect(left[0]).toBeGreaterThan(200);
      expect(left[2]).toBeLessThan(60);
    }
  });

  it('applies EXIF orientation', async () => {
    const rotated = await halves().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodePhoto('rotated.jpg', rotated);
    // Orientation 6: the stored picture is turned 90 degrees clockwise for display, so red ends up on top.
    expect([img.width, img.height]).toEqual([20, 40]);
    const top = img.data.subarray((5 * 20 + 10) * 3);
    const bottom = img.data.subarray((35 * 20 + 10) * 3);
    expect(top[0]).toBeGreaterThan(200);
    expect(bottom[2]).toBeGreaterThan(200);
  });

  it('names a missing file', async () => {
    await expect(readPhoto('/nonexistent/photo.jpg')).rejects.toThrow('/nonexistent/photo.jpg: no such file');
  });
});
