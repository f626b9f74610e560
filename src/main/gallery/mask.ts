import sharp from 'sharp';
import { UserError } from '../errors.js';
import { checkPhotoFormat } from '../face/photo-format.js';

/**
 * Masking printed text in a photo's corner (the 22q11.2DS crops carry the paper's patient number
 * bottom right) before any model sees it. The corner region, MASK_WIDTH x MASK_HEIGHT of the image, is
 * filled with the mean colour of the band of pixels bordering it, so no model is shown the number, and
 * no sharp-edged patch that would itself mark the photo's source.
 */
export const corners = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type Corner = (typeof corners)[number];

export const MASK_WIDTH = 0.42;
export const MASK_HEIGHT = 0.16;

export function parseCorner(value: string, where: { file: string; line?: number }): Corner | null {
  if (value === '' || value === 'none') return null;
  if ((corners as readonly string[]).includes(value)) return value as Corner;
  throw new UserError(`mask '${value}' is not one of none, ${corners.join(', ')}`, where);
}

/** The photo, EXIF-oriented, with the corner filled; PNG bytes. */
export async function maskCorner(bytes: Buffer, corner: Corner, file: string): Promise<Buffer> {
  checkPhotoFormat(file, bytes);
  let img;
  try {
    img = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UserError(`cannot decode the photo to mask it: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
  const { width, height } = img.info;
  const px = img.data;
  const w = Math.ceil(width * MASK_WIDTH);
  const h = Math.ceil(height * MASK_HEIGHT);
  const x0 = corner.endsWith('left') ? 0 : width - w;
  const y0 = corner.startsWith('top') ? 0 : height - h;
  // The bordering band: a few pixels just outside the region, on its two inner sides.
  const band = Math.max(2, Math.round(Math.min(width, height) * 0.02));
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.max(0, y0 - band); y < Math.min(height, y0 + h + band); y++)
    for (let x = Math.max(0, x0 - band); x < Math.min(width, x0 + w + band); x++) {
      const inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
      if (inside) continue;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (px[(y * width + x) * 3 + c] as number);
      n++;
    }
  const fill = sum.map((s) => Math.round(s / Math.max(1, n)));
  for (let y = y0; y < y0 + h; y++)
    for (let x = x0; x < x0 + w; x++)
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = fill[c] as number;
  return sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * The photo as the face models must see it: with the corner its gallery source asks to mask filled. Every
 * reader of a gallery (import, evaluation) shows its photos to the models through this, so a photo gives
 * the same embeddings whichever reads it; what is stored stays the original.
 */
export async function modelView(
  photo: { file: string; mask: Corner | null },
  bytes: Buffer,
): Promise<Buffer> {
  return photo.mask ? maskCorner(bytes, photo.mask, photo.file) : bytes;
}
