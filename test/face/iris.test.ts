import { describe, expect, it } from 'vitest';
import { applyAffine } from '../../src/main/face/geometry.js';
import { eyeCrops, eyeMeasurements, refinedMeshPoints } from '../../src/main/face/iris.js';

/** A mesh with only the eye corners and pupils set: an upright face, eyes 60 px apart. */
function eyesMesh(): Float32Array {
  const mesh = new Float32Array(refinedMeshPoints * 3);
  const put = (i: number, x: number, y: number) => mesh.set([x, y, 0], i * 3);
  put(33, 70, 100); // right eye (image left): outer corner, inner corner, pupil
  put(133, 100, 100);
  put(468, 85, 100);
  put(362, 130, 100); // left eye: inner corner, outer corner, pupil
  put(263, 160, 100);
  put(473, 145, 100);
  return mesh;
}

describe('iris crops and eye measurements', () => {
  it('crops each eye 2.3x its width, mirroring the left so both show the outer corner on the crop left', () => {
    const [right, left] = eyeCrops(eyesMesh(), 64);
    // The model was trained with the outer corner first (its contour point 0): both crops put it on the left.
    const [rx] = applyAffine(right, [0, 32]);
    const [lx] = applyAffine(left, [0, 32]);
    expect(rx).toBeCloseTo(85 - 15 * 2.3, 6);
    expect(lx).toBeCloseTo(145 + 15 * 2.3, 6);
    expect(applyAffine(right, [32, 32])).toEqual([85, 100]);
    expect(applyAffine(left, [32, 32]).map((v) => Number(v.toFixed(6)))).toEqual([145, 100]);
  });

  it('measures pupils and canthi in pixels and against the outer canthal width', () => {
    expect(eyeMeasurements(eyesMesh())).toEqual({
      interpupillaryPx: 60,
      innerCanthalPx: 30,
      outerCanthalPx: 90,
      interpupillaryRatio: 60 / 90,
      innerCanthalRatio: 30 / 90,
    });
  });
});
