import type { RgbImage } from '../face/image.js';
import type { Point } from '../face/geometry.js';

/** A float RGB canvas being accumulated, with how many images covered each pixel. */
export interface Accumulator {
  width: number;
  height: number;
  sum: Float64Array;
  count: Uint32Array;
}

export function accumulator(width: number, height: number): Accumulator {
  return { width, height, sum: new Float64Array(width * height * 3), count: new Uint32Array(width * height) };
}

/**
 * Adds a photo warped piecewise-affine onto the target shape: each triangle of the target (canvas
 * pixels) takes its pixels from the same triangle of the photo's own landmarks, bilinearly sampled.
 */
export function addWarped(
  acc: Accumulator,
  img: RgbImage,
  source: readonly Point[],
  target: readonly Point[],
  triangles: readonly [number, number, number][],
): void {
  const { width, height } = acc;
  // A pixel on an edge shared by two triangles is taken once per photo.
  const written = new Uint8Array(width * height);
  for (const [i, j, k] of triangles) {
    const [ax, ay] = target[i] as Point;
    const [bx, by] = target[j] as Point;
    const [cx, cy] = target[k] as Point;
    const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
    if (Math.abs(det) < 1e-9) continue;
    const [sa, sb, sc] = [source[i] as Point, source[j] as Point, source[k] as Point];
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by, cy)));
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        // Barycentric coordinates in the target triangle, reused in the source one.
        const u = ((px - ax) * (cy - ay) - (cx - ax) * (py - ay)) / det;
        const v = ((bx - ax) * (py - ay) - (px - ax) * (by - ay)) / det;
        const w = 1 - u - v;
        if (u < -1e-9 || v < -1e-9 || w < -1e-9) continue;
        const o = y * width + x;
        if (written[o]) continue;
        written[o] = 1;
        const sx = w * sa[0] + u * sb[0] + v * sc[0];
        const sy = w * sa[1] + u * sb[1] + v * sc[1];
        sample(img, sx, sy, acc.sum, o * 3);
        acc.count[o] = (acc.count[o] as number) + 1;
      }
  }
}

function sample(img: RgbImage, u: number, v: number, out: Float64Array, o: number): void {
  const { data, width: w, height: h } = img;
  const x = Math.min(w - 1, Math.max(0, u - 0.5));
  const y = Math.min(h - 1, Math.max(0, v - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  for (let c = 0; c < 3; c++) {
    const top =
      (data[(y0 * w + x0) * 3 + c] as number) * (1 - fx) + (data[(y0 * w + x1) * 3 + c] as number) * fx;
    const bottom =
      (data[(y1 * w + x0) * 3 + c] as number) * (1 - fx) + (data[(y1 * w + x1) * 3 + c] as number) * fx;
    out[o + c] = (out[o + c] as number) + top * (1 - fy) + bottom * fy;
  }
}

/** The average as 8-bit RGB; pixels no photo covered are white. */
export function averageImage(acc: Accumulator, minCoverage = 1): Uint8Array {
  const out = new Uint8Array(acc.width * acc.height * 3).fill(255);
  for (let p = 0; p < acc.width * acc.height; p++) {
    const n = acc.count[p] as number;
    if (n < minCoverage) continue;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round((acc.sum[p * 3 + c] as number) / n);
  }
  return out;
}
