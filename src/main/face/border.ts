import sharp from 'sharp';
import { UserError } from '../errors.js';
import { checkPhotoFormat } from './photo-format.js';
import type { FaceBox } from './pipeline.js';

/**
 * The confound check's features: statistics of the photo outside the face box, which hold no face.
 * If a classifier tells the labels apart from these alone, the photos' sources differ (lighting,
 * background, compression, framing) and part of any face figure on the same photos is that difference.
 * Per strip (above, below, left and right of the box, full width/height): mean and spread of R, G, B;
 * over the whole border: a 4x4x4 colour histogram. 88 values.
 */
export const BORDER_FEATURES = 4 * 6 + 64;

export async function borderFeatures(bytes: Buffer, box: FaceBox, file: string): Promise<Float32Array> {
  checkPhotoFormat(file, bytes);
  let img;
  try {
    img = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UserError(`cannot decode the photo: ${(err as Error).message}`, { file, cause: err });
  }
  const { width, height } = img.info;
  const px = img.data;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(height, Math.ceil(box.y + box.height));
  const strips = [
    { xa: 0, xb: width, ya: 0, yb: y0 },
    { xa: 0, xb: width, ya: y1, yb: height },
    { xa: 0, xb: x0, ya: 0, yb: height },
    { xa: x1, xb: width, ya: 0, yb: height },
  ];
  const out = new Float32Array(BORDER_FEATURES);
  strips.forEach((s, i) => {
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    let n = 0;
    for (let y = s.ya; y < s.yb; y++)
      for (let x = s.xa; x < s.xb; x++) {
        for (let c = 0; c < 3; c++) {
          const v = (px[(y * width + x) * 3 + c] as number) / 255;
          sum[c] = (sum[c] as number) + v;
          sq[c] = (sq[c] as number) + v * v;
        }
        n++;
      }
    for (let c = 0; c < 3; c++) {
      const mean = n ? (sum[c] as number) / n : 0;
      out[i * 6 + c] = mean;
      out[i * 6 + 3 + c] = n ? Math.sqrt(Math.max(0, (sq[c] as number) / n - mean * mean)) : 0;
    }
  });
  let outside = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (x >= x0 && x < x1 && y >= y0 && y < y1) continue;
      const o = (y * width + x) * 3;
      const bin =
        ((px[o] as number) >> 6) * 16 + ((px[o + 1] as number) >> 6) * 4 + ((px[o + 2] as number) >> 6);
      out[24 + bin] = (out[24 + bin] as number) + 1;
      outside++;
    }
  for (let b = 0; b < 64; b++) out[24 + b] = (out[24 + b] as number) / Math.max(1, outside);
  return out;
}
