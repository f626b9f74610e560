import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../errors.js';
import type { RgbImage } from './image.js';
import { checkPhotoFormat, photoFormats, readableFormats } from './photo-format.js';

/**
 * The most pixels a photo may have: well above any camera (100 MP), well below what a crafted
 * "decompression bomb" header claims, and about 300 MB once decoded.
 */
export const maxPixels = 100_000_000;

/** Reads the file unless its bytes are given; a missing or unreadable file is the user's to fix. */
export async function readPhoto(file: string, bytes?: Buffer): Promise<Buffer> {
  if (bytes) return bytes;
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a photo'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read (${code ?? String(err)})`;
    throw new UserError(why, { file, cause: err });
  }
}

/**
 * libvips keeps one error buffer per process, so under concurrent decodes a failure's message can be
 * another decode's, doubled, or "Unknown error". Once the header has been read, any failure to decode
 * the pixels is the file's damage, whatever the message says.
 */
function decodeFailure(file: string, err: unknown, headerRead: boolean): UserError {
  const msg = err instanceof Error ? err.message : String(err);
  const damaged = () =>
    new UserError('the image is truncated or damaged and cannot be decoded completely', {
      file,
      cause: err,
    });
  if (headerRead) return damaged();
  if (/unsupported image format|corrupt header|bad seek|not a known file format/i.test(msg))
    return new UserError('not an image FacePheno can read (JPEG, PNG, WebP, TIFF, GIF, HEIF, AVIF)', {
      file,
      cause: err,
    });
  if (/premature end|truncated|unexpected end|read error|incomplete/i.test(msg)) return damaged();
  return new UserError(`the image cannot be decoded (${msg.split('\n')[0]})`, { file, cause: err });
}

/**
 * Decodes a photo into upright 8-bit sRGB: EXIF orientation applied, grey/CMYK/16-bit/alpha converted.
 * Only the photo formats of photo-format.ts reach a decoder (SVG, PDF and the rest are refused from
 * their first bytes); the size is checked from the header before any pixel is decoded.
 */
export async function decodePhoto(file: string, bytes: Buffer): Promise<RgbImage> {
  if (bytes.length === 0) throw new UserError('empty file (0 bytes), not a photo', { file });
  checkPhotoFormat(file, bytes);
  let width: number | undefined;
  let height: number | undefined;
  let format: string | undefined;
  try {
    ({ width, height, format } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (err) {
    throw decodeFailure(file, err, false);
  }
  // libvips names the loader it chose: it must be the one the first bytes said.
  if (!(photoFormats as readonly string[]).includes(format ?? ''))
    throw new UserError(`not an image FacePheno can read (${readableFormats}; this is ${format})`, { file });
  if (!width || !height) throw new UserError('the image has no width or height', { file });
  if (width * height > maxPixels)
    throw new UserError(
      `the image is too large (${width}x${height} pixels; the limit is ${maxPixels / 1e6} megapixels)`,
      { file },
    );
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    throw decodeFailure(file, err, true);
  }
}
