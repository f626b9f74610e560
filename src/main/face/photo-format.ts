import { UserError } from '../errors.js';

/**
 * The photo formats FacePheno reads, told by their first bytes before any decoder sees them. Anything else
 * is refused, SVG above all: a drawing is never a clinical photo, and its decoder (an XML parser and
 * renderer, librsvg) is attack surface with no use here.
 */
export const photoFormats = ['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif'] as const;
export type PhotoFormat = (typeof photoFormats)[number];

/** What the refusal says FacePheno reads (HEIF covers AVIF, which is HEIF with AV1 inside). */
export const readableFormats = 'JPEG, PNG, WebP, TIFF, GIF, HEIF, AVIF';

const starts = (bytes: Buffer, sig: number[] | string, at = 0): boolean => {
  const want = typeof sig === 'string' ? Buffer.from(sig, 'latin1') : Buffer.from(sig);
  return bytes.length >= at + want.length && bytes.subarray(at, at + want.length).equals(want);
};

/** The format the bytes begin as, or null for any other (SVG, PDF, text, ...). */
export function photoFormat(bytes: Buffer): PhotoFormat | null {
  if (starts(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(bytes, 'RIFF') && starts(bytes, 'WEBP', 8)) return 'webp';
  // Classic TIFF and BigTIFF, either byte order.
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].some((s) => starts(bytes, s))) return 'tiff';
  if (starts(bytes, 'GIF87a') || starts(bytes, 'GIF89a')) return 'gif';
  // ISO base media: a 'ftyp' box first, whose brand says HEIF or AVIF.
  if (starts(bytes, 'ftyp', 4)) {
    const brand = bytes.subarray(8, 12).toString('latin1');
    if (/^(heic|heix|hevc|hevx|heim|heis|hevm|hevs|mif1|msf1|avif|avis)$/.test(brand)) return 'heif';
  }
  return null;
}

/** Whether the bytes look like SVG (or other XML): text that opens with '<', maybe after a BOM. */
const looksLikeSvg = (bytes: Buffer): boolean =>
  /^(\ufeff)?\s*<(\?xml|svg|!DOCTYPE svg|!--)/i.test(bytes.subarray(0, 256).toString('utf8'));

/** Refuses, naming the file, bytes that are not one of the photo formats FacePheno reads. */
export function checkPhotoFormat(file: string, bytes: Buffer): PhotoFormat {
  const format = photoFormat(bytes);
  if (format) return format;
  if (looksLikeSvg(bytes))
    throw new UserError(`an SVG drawing, not a photo: FacePheno reads ${readableFormats}`, { file });
  throw new UserError(`not an image FacePheno can read (${readableFormats})`, { file });
}
