import { describe, expect, it } from 'vitest';
import { delaunay } from '../../src/main/analysis/delaunay.js';
import { generalisedProcrustes } from '../../src/main/analysis/procrustes.js';
import { accumulator, addWarped, averageImage } from '../../src/main/analysis/warp.js';
import type { Point } from '../../src/main/face/geometry.js';
import { seededRandom } from '../../src/main/match/random.js';

const rand = seededRandom(9);
const cloud = (n: number): Point[] => Array.from({ length: n }, () => [rand() * 100, rand() * 100]);

describe('shapes and warps', () => {
  it('triangulates with no point inside any circumcircle and covers the convex hull', () => {
    const pts = cloud(120);
    const tris = delaunay(pts);
    for (const [a, b, c] of tris) {
      const [[ax, ay], [bx, by], [cx, cy]] = [pts[a], pts[b], pts[c]] as [Point, Point, Point];
      expect((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)).toBeGreaterThan(0);
      const d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
      const ux =
        ((ax * ax + ay * ay) * (by - cy) +
          (bx * bx + by * by) * (cy - ay) +
          (cx * cx + cy * cy) * (ay - by)) /
        d;
      const uy =
        ((ax * ax + ay * ay) * (cx - bx) +
          (bx * bx + by * by) * (ax - cx) +
          (cx * cx + cy * cy) * (bx - ax)) /
        d;
      const r2 = (ax - ux) ** 2 + (ay - uy) ** 2;
      pts.forEach((p, i) => {
        if (i !== a && i !== b && i !== c)
          expect((p[0] - ux) ** 2 + (p[1] - uy) ** 2).toBeGreaterThan(r2 * (1 - 1e-9));
      });
    }
    // Triangles of a triangulation of n points with h on the hull: 2n - 2 - h; their areas sum to the hull's.
    const area = ([a, b, c]: [number, number, number]) => {
      const [[ax, ay], [bx, by], [cx, cy]] = [pts[a], pts[b], pts[c]] as [Point, Point, Point];
      return ((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)) / 2;
    };
    const hull = convexHull(pts);
    expect(tris).toHaveLength(2 * pts.length - 2 - hull.length);
    const hullArea = hull.reduce((s, p, i) => {
      const q = hull[(i + 1) % hull.length] as Point;
      return s + (p[0] * q[1] - q[0] * p[1]) / 2;
    }, 0);
    expect(tris.reduce((s, t) => s + area(t), 0)).toBeCloseTo(hullArea, 6);
  });

  it('Procrustes brings rotated, scaled and shifted copies of a shape onto one mean', () => {
    const base = cloud(30);
    const copies = [0.3, 1.1, -0.7].map((angle, k) =>
      base.map(([x, y]): Point => {
        const s = 0.5 + k;
        return [
          s * (Math.cos(angle) * x - Math.sin(angle) * y) + 40 * k,
          s * (Math.sin(angle) * x + Math.cos(angle) * y) - 13,
        ];
      }),
    );
    const gpa = generalisedProcrustes(copies);
    for (const aligned of gpa.aligned)
      aligned.forEach((p, i) => {
        expect(p[0]).toBeCloseTo((gpa.mean[i] as Point)[0], 9);
        expect(p[1]).toBeCloseTo((gpa.mean[i] as Point)[1], 9);
      });
    const size = Math.sqrt(gpa.mean.reduce((s, p) => s + p[0] ** 2 + p[1] ** 2, 0));
    expect(size).toBeCloseTo(1, 9);
  });

  it('warps piecewise-affine: the same landmarks reproduce the image; an affine move of them samples through it', () => {
    const w = 64;
    const img = { width: w, height: w, data: new Uint8Array(w * w * 3) };
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) img.data.set([x * 4, y * 4, (x * y) % 256], (y * w + x) * 3);
    const landmarks: Point[] = [
      [4, 4],
      [60, 4],
      [60, 60],
      [4, 60],
      [32, 30],
      [20, 44],
      [45, 18],
    ];
    const tris = delaunay(landmarks);
    const same = accumulator(w, w);
    addWarped(same, img, landmarks, landmarks, tris);
    const out = averageImage(same);
    let covered = 0;
    for (let p = 0; p < w * w; p++) {
      if (!same.count[p]) continue;
      covered++;
      expect(same.count[p]).toBe(1);
      for (let c = 0; c < 3; c++)
        expect(Math.abs((out[p * 3 + c] as number) - (img.data[p * 3 + c] as number))).toBeLessThanOrEqual(1);
    }
    expect(covered).toBeGreaterThan(56 * 56 * 0.95);
    // Target = source shifted by (+5, +3): the output at (x, y) is the image at (x - 5, y - 3).
    const moved = accumulator(w, w);
    addWarped(
      moved,
      img,
      landmarks,
      landmarks.map(([x, y]): Point => [x + 5, y + 3]),
      tris,
    );
    const m = averageImage(moved);
    const p = 30 * w + 30;
    expect(m[p * 3]).toBe((30 - 5) * 4);
    expect(m[p * 3 + 1]).toBe((30 - 3) * 4);
  });
});

/** Andrew's monotone chain, counter-clockwise. */
function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: Point, a: Point, b: Point) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (pts: Point[]) => {
    const h: Point[] = [];
    for (const q of pts) {
      while (h.length >= 2 && cross(h[h.length - 2] as Point, h[h.length - 1] as Point, q) <= 0) h.pop();
      h.push(q);
    }
    h.pop();
    return h;
  };
  return [...half(p), ...half(p.reverse())];
}
