import { type Affine, type Point, composeAffine, cropToImage, distance } from './geometry.js';
import { type Mesh, eyeLineAngle, meshPoint, meshPoints } from './landmarks.js';

/** Points the iris model predicts for one eye: 71 eye contour and brow points, then the iris. */
const irisModelPoints = 76;
const firstIrisPoint = 71;
/** The iris model's output length for one eye. */
export const irisOutputLength = irisModelPoints * 3;
/** Iris points per eye: the centre, then four on its boundary. */
export const irisPoints = 5;
/** Mesh points with both irises appended in MediaPipe's refined layout (468-472 right, 473-477 left). */
export const refinedMeshPoints = meshPoints + 2 * irisPoints;

/**
 * Each eye as the iris model sees it. The corners bound its crop; the eyelid midpoints give the iris its depth
 * (the model's own z for the iris is unreliable). The model was trained on one eye: the subject's left eye
 * goes in mirrored, so its crop map includes the mirror.
 */
const eyes = [
  { outer: 33, inner: 133, upper: 159, lower: 145, mirrored: false },
  { outer: 263, inner: 362, upper: 386, lower: 374, mirrored: true },
] as const;

/** The crop around the eye corners, enlarged as MediaPipe does (2.3x), turned with the eye line. */
const enlarge = 2.3;

/** For each eye (right, then left), the map from iris-model input pixels to image pixels. */
export function eyeCrops(mesh: Mesh, size: number): [Affine, Affine] {
  const angle = eyeLineAngle(mesh);
  const mirror: Affine = { a: -1, b: 0, c: size, d: 0, e: 1, f: 0 };
  return eyes.map(({ outer, inner, mirrored }) => {
    const a = meshPoint(mesh, outer);
    const b = meshPoint(mesh, inner);
    const centre: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const crop = cropToImage(centre, distance(a, b) * enlarge, angle, size);
    return mirrored ? composeAffine(crop, mirror) : crop;
  }) as [Affine, Affine];
}

/**
 * The mesh with both irises appended: `raw` holds the iris model's output for the right eye at `offset`, the
 * left eye right after it, each in the input pixels of the crops `toImage` (from `eyeCrops`).
 */
export function withIrises(
  mesh: Mesh,
  raw: ArrayLike<number>,
  offset: number,
  toImage: [Affine, Affine],
): Mesh {
  const out = new Float32Array(refinedMeshPoints * 3);
  out.set(mesh.subarray(0, meshPoints * 3));
  eyes.forEach(({ upper, lower }, e) => {
    const m = toImage[e] as Affine;
    const z = ((mesh[upper * 3 + 2] ?? 0) + (mesh[lower * 3 + 2] ?? 0)) / 2;
    for (let k = 0; k < irisPoints; k++) {
      const at = offset + (e * irisModelPoints + firstIrisPoint + k) * 3;
      const x = raw[at] ?? 0;
      const y = raw[at + 1] ?? 0;
      const o = (meshPoints + e * irisPoints + k) * 3;
      out[o] = m.a * x + m.b * y + m.c;
      out[o + 1] = m.d * x + m.e * y + m.f;
      out[o + 2] = z;
    }
  });
  return out;
}

/**
 * The distances by which hypertelorism and telecanthus are judged, in image pixels and as ratios of the
 * outer canthal width (which cancels the photo's scale).
 */
export interface EyeMeasurements {
  interpupillaryPx: number;
  innerCanthalPx: number;
  outerCanthalPx: number;
  interpupillaryRatio: number;
  innerCanthalRatio: number;
}

export function eyeMeasurements(mesh: Mesh): EyeMeasurements {
  const [right, left] = eyes;
  const d = (i: number, j: number) => distance(meshPoint(mesh, i), meshPoint(mesh, j));
  const outerCanthalPx = d(right.outer, left.outer);
  const interpupillaryPx = d(meshPoints, meshPoints + irisPoints);
  const innerCanthalPx = d(right.inner, left.inner);
  return {
    interpupillaryPx,
    innerCanthalPx,
    outerCanthalPx,
    interpupillaryRatio: interpupillaryPx / outerCanthalPx,
    innerCanthalRatio: innerCanthalPx / outerCanthalPx,
  };
}
