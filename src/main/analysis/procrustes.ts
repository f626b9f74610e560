import { applyAffine, type Point, umeyama } from '../face/geometry.js';

export interface ProcrustesResult {
  /** The mean shape: centred at the origin, unit centroid size. */
  mean: Point[];
  /** Each shape in the mean's frame (rotated, scaled and translated onto it). */
  aligned: Point[][];
  iterations: number;
}

function normalise(shape: readonly Point[]): Point[] {
  const n = shape.length;
  const cx = shape.reduce((s, p) => s + p[0], 0) / n;
  const cy = shape.reduce((s, p) => s + p[1], 0) / n;
  const size = Math.sqrt(shape.reduce((s, p) => s + (p[0] - cx) ** 2 + (p[1] - cy) ** 2, 0)) || 1;
  return shape.map(([x, y]): Point => [(x - cx) / size, (y - cy) / size]);
}

/**
 * Generalised Procrustes analysis (Gower): every shape is fitted by a similarity (Umeyama) onto the
 * current mean, the mean is recomputed and renormalised, until it stops moving. Shapes are landmark
 * lists of the same length and order.
 */
export function generalisedProcrustes(
  shapes: readonly (readonly Point[])[],
  tolerance = 1e-10,
): ProcrustesResult {
  const first = shapes[0];
  if (!first || first.length < 3) throw new Error('Procrustes needs at least one shape of three points');
  let mean = normalise(first);
  let aligned: Point[][] = [];
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    aligned = shapes.map((s) => {
      const m = umeyama(s, mean);
      return s.map((p) => applyAffine(m, p));
    });
    const next = normalise(
      mean.map((_, i): Point => {
        let x = 0;
        let y = 0;
        for (const a of aligned) {
          x += (a[i] as Point)[0];
          y += (a[i] as Point)[1];
        }
        return [x / aligned.length, y / aligned.length];
      }),
    );
    // The new mean, rotated onto the old one, so the frame does not drift while it converges.
    const settled = next.map((p) => applyAffine(umeyama(next, mean), p));
    const change = settled.reduce(
      (s, p, i) => s + (p[0] - (mean[i] as Point)[0]) ** 2 + (p[1] - (mean[i] as Point)[1]) ** 2,
      0,
    );
    mean = settled;
    if (change < tolerance) break;
  }
  return { mean, aligned, iterations: iterations + 1 };
}
