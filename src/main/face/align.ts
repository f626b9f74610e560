import sharp from 'sharp';
import { type Affine, type Point, invertAffine, umeyama } from './geometry.js';
import { type Pyramid, warpInto } from './image.js';

/** The ArcFace 112x112 template: right eye, left eye, nose tip, right and left mouth corner (subject's sides). */
export const arcfaceTemplate: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** The map from an aligned size x size crop (the template scaled to that size) onto the photo. */
export function alignment(points5: readonly Point[], size: number): Affine {
  const template = arcfaceTemplate.map(([x, y]): Point => [(x * size) / 112, (y * size) / 112]);
  return invertAffine(umeyama(points5, template));
}

/** Aligned crops of one face: the crop, then (when `withFlip`) its mirror image, batched as n x size x size x 3. */
export function alignedCrops(
  pyramid: Pyramid,
  points5: readonly Point[],
  size: number,
  withFlip: boolean,
): Float32Array {
  const toImage = alignment(points5, size);
  const plane = size * size * 3;
  const out = new Float32Array(plane * (withFlip ? 2 : 1));
  warpInto(pyramid, toImage, size, size, out, 0);
  if (withFlip) {
    out.copyWithin(plane, 0, plane);
    mirrorInPlace(out, plane, size);
  }
  return out;
}

function mirrorInPlace(batch: Float32Array, offset: number, size: number): void {
  for (let y = 0; y < size; y++) {
    const row = offset + y * size * 3;
    for (let x = 0; x < size >> 1; x++) {
      const p = row + x * 3;
      const q = row + (size - 1 - x) * 3;
      for (let k = 0; k < 3; k++) {
        const t = batch[p + k] ?? 0;
        batch[p + k] = batch[q + k] ?? 0;
        batch[q + k] = t;
      }
    }
  }
}

/** A float RGB crop (first of a batch) as a PNG, for `--save-aligned` and the app's thumbnails. */
export function cropToPng(rgb: Float32Array, size: number): Promise<Buffer> {
  const bytes = Buffer.alloc(size * size * 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(rgb[i] ?? 0)));
  return sharp(bytes, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}
