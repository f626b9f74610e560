/** Photos as the screens show them: a browser-readable copy, and the aligned face with its landmarks. */
import sharp from 'sharp';
import { alignedCrops, alignment, cropToPng } from '../face/align.js';
import { decodePhoto } from '../face/decode.js';
import { applyAffine, invertAffine, type Point } from '../face/geometry.js';
import { Pyramid } from '../face/image.js';

/** Longest side of the copy sent to the screen; face coordinates stay in the photo's own pixels. */
const DISPLAY_SIDE = 1600;
const ALIGNED_SIZE = 112;

/** Upright (EXIF applied), at most DISPLAY_SIDE, as JPEG: any format sharp reads becomes one a browser shows. */
export async function displayCopy(bytes: Buffer): Promise<{ mime: string; data: string }> {
  const jpeg = await sharp(bytes)
    .rotate()
    .resize({ width: DISPLAY_SIDE, height: DISPLAY_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 88 })
    .toBuffer();
  return { mime: 'image/jpeg', data: jpeg.toString('base64') };
}

export interface AlignedView {
  png: Buffer;
  points5: Point[];
  landmarks: Point[];
}

/**
 * The face warped onto the ArcFace 112x112 template, as the embedding model saw it, with its five points
 * and mesh landmarks carried into that frame: two faces aligned this way are at the same scale.
 */
export async function alignedView(
  file: string,
  bytes: Buffer,
  points5: Point[],
  mesh: Float32Array | null,
): Promise<AlignedView> {
  const pyramid = new Pyramid(await decodePhoto(file, bytes));
  const png = await cropToPng(alignedCrops(pyramid, points5, ALIGNED_SIZE, false), ALIGNED_SIZE);
  const toAligned = invertAffine(alignment(points5, ALIGNED_SIZE));
  const landmarks: Point[] = [];
  if (mesh)
    for (let i = 0; i + 2 < mesh.length; i += 3)
      landmarks.push(applyAffine(toAligned, [mesh[i] as number, mesh[i + 1] as number]));
  return { png, points5: points5.map((p) => applyAffine(toAligned, p)), landmarks };
}
