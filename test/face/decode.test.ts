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

  it('refuses SVG from its first bytes, named .svg or .jpg, with or without an XML prologue', async () => {
    // A drawing sharp (librsvg) would render happily: a face-sized image, to any decoder that is asked.
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><rect width="200" height="200" fill="#c96"/></svg>';
    expect((await sharp(Buffer.from(svg)).metadata()).format).toBe('svg');
    for (const [name, text] of [
      ['drawing.svg', svg],
      ['disguised.jpg', `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n${svg}`],
      ['doctype.png', `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">${svg}`],
    ] as const)
      await expect(decodePhoto(name, Buffer.from(text))).rejects.toThrow(
        `${name}: an SVG drawing, not a photo: FacePheno reads JPEG, PNG, WebP, TIFF, GIF, HEIF, AVIF`,
      );
  });

  it('refuses other formats (PPM, PDF) from their first bytes and reads every allowed one', async () => {
    const ppm = Buffer.concat([Buffer.from('P6\n4 4\n255\n'), Buffer.alloc(48, 200)]);
    for (const [name, bytes] of [
      ['image.ppm', ppm],
      ['doc.pdf', Buffer.from('%PDF-1.4\n%\xe2\xe3\n1 0 obj\n')],
    ] as const)
      await expect(decodePhoto(name, bytes)).rejects.toThrow(`${name}: not an image FacePheno can read`);
    const allowed = {
      jpeg: await halves().jpeg().toBuffer(),
      png: await halves().png().toBuffer(),
      webp: await halves().webp().toBuffer(),
      tiff: await halves().tiff().toBuffer(),
      gif: await halves().gif().toBuffer(),
      avif: await halves().avif().toBuffer(),
    };
    for (const [format, bytes] of Object.entries(allowed)) {
      const img = await decodePhoto(`photo.${format}`, bytes);
      expect([img.width, img.height], format).toEqual([40, 20]);
    }
  });

  it('names a missing file', async () => {
    await expect(readPhoto('/nonexistent/photo.jpg')).rejects.toThrow('/nonexistent/photo.jpg: no such file');
  });
});
