import { describe, expect, it } from 'vitest';
import { alignment, arcfaceTemplate } from '../../src/main/face/align.js';
import {
  type Affine,
  type Point,
  applyAffine,
  composeAffine,
  cropToImage,
  invertAffine,
  umeyama,
} from '../../src/main/face/geometry.js';
import { Pyramid, halve, warpInto } from '../../src/main/face/image.js';

const close = (p: Point, q: Point, tol = 1e-6) => {
  expect(p[0]).toBeCloseTo(q[0], -Math.log10(tol));
  expect(p[1]).toBeCloseTo(q[1], -Math.log10(tol));
};

describe('affine maps', () => {
  const m: Affine = { a: 1.5, b: -0.4, c: 10, d: 0.4, e: 1.5, f: -7 };

  it('inverts and composes', () => {
    const id = composeAffine(invertAffine(m), m);
    close(applyAffine(id, [3, 4]), [3, 4]);
    close(applyAffine(composeAffine(m, m), [1, 2]), applyAffine(m, applyAffine(m, [1, 2])));
  });

  it('umeyama recovers a similarity exactly from clean points and is least-squares under noise', () => {
    const to = arcfaceTemplate.map((p) => applyAffine(m, p));
    const fit = umeyama(arcfaceTemplate, to);
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f'] as const) expect(fit[k]).toBeCloseTo(m[k], 9);
    // A reflection is not a similarity: mirrored points are fitted by a rotation, with residual error.
    const mirrored = arcfaceTemplate.map(([x, y]): Point => [-x, y]);
    const r = umeyama(arcfaceTemplate, mirrored);
    expect(r.a * r.e - r.b * r.d).toBeGreaterThan(0);
  });

  it('aligns five points onto the template at any crop size', () => {
    const photoPoints = arcfaceTemplate.map((p) => applyAffine(m, p));
    const toPhoto = alignment(photoPoints, 224);
    arcfaceTemplate.forEach((t, i) =>
      close(applyAffine(toPhoto, [t[0] * 2, t[1] * 2]), photoPoints[i] ?? [NaN, NaN], 1e-6),
    );
  });

  it('cropToImage centres the crop and turns it by the angle', () => {
    const c = cropToImage([100, 50], 40, Math.PI / 2, 20);
    close(applyAffine(c, [10, 10]), [100, 50]);
    // The crop's x axis runs down the photo when turned by 90 degrees.
    close(applyAffine(c, [20, 10]), [100, 70]);
  });
});

describe('image sampling', () => {
  const img = { width: 4, height: 2, data: new Uint8Array([...Array(24).keys()].map((v) => v * 10)) };

  it('reproduces pixels through an integer shift and fills outside with black', () => {
    const out = new Float32Array(4 * 2 * 3);
    warpInto(new Pyramid(img), { a: 1, b: 0, c: 1, d: 0, e: 1, f: 0 }, 4, 2, out, 0);
    expect(Array.from(out.subarray(0, 3))).toEqual([30, 40, 50]);
    expect(out[3 * 3]).toBeLessThan(img.data[11] ?? 0); // right edge blends into the black outside
  });

  it('mirrors on request and interpolates bilinearly', () => {
    const out = new Float32Array(4 * 2 * 3);
    warpInto(new Pyramid(img), { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 }, 4, 2, out, 0, true);
    expect(Array.from(out.subarray(0, 3))).toEqual([90, 100, 110]);
    const mid = new Float32Array(3);
    warpInto(new Pyramid(img), { a: 1, b: 0, c: 0.5, d: 0, e: 1, f: 0 }, 1, 1, mid, 0);
    expect(Array.from(mid)).toEqual([15, 25, 35]);
  });

  it('halves by 2x2 averaging', () => {
    const h = halve(img);
    expect([h.width, h.height]).toEqual([2, 1]);
    expect(h.data[0]).toBe(Math.round((0 + 30 + 120 + 150) / 4));
  });
});
