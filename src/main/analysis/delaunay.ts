import type { Point } from '../face/geometry.js';

/**
 * Delaunay triangulation by Bowyer-Watson: points are inserted one by one into a super-triangle, the
 * triangles whose circumcircle holds the new point are removed and the hole is fanned from it. O(n²)
 * for the few hundred landmarks of a face mesh. Returns triangles as index triples, counter-clockwise.
 */
export function delaunay(points: readonly Point[]): [number, number, number][] {
  const n = points.length;
  if (n < 3) return [];
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const [mx, my] = [(minX + maxX) / 2, (minY + maxY) / 2];
  const all: Point[] = [
    ...points,
    [mx - 20 * span, my - span],
    [mx, my + 20 * span],
    [mx + 20 * span, my - span],
  ];
  interface Tri {
    v: [number, number, number];
    cx: number;
    cy: number;
    r2: number;
  }
  const make = (a: number, b: number, c: number): Tri => {
    const [ax, ay] = all[a] as Point;
    const [bx, by] = all[b] as Point;
    const [cx, cy] = all[c] as Point;
    const d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
    const ux =
      ((ax * ax + ay * ay) * (by - cy) + (bx * bx + by * by) * (cy - ay) + (cx * cx + cy * cy) * (ay - by)) /
      d;
    const uy =
      ((ax * ax + ay * ay) * (cx - bx) + (bx * bx + by * by) * (ax - cx) + (cx * cx + cy * cy) * (bx - ax)) /
      d;
    // Counter-clockwise order keeps every triangle's orientation the same for the warp.
    const ccw = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) > 0;
    return { v: ccw ? [a, b, c] : [a, c, b], cx: ux, cy: uy, r2: (ax - ux) ** 2 + (ay - uy) ** 2 };
  };
  let tris: Tri[] = [make(n, n + 1, n + 2)];
  for (let i = 0; i < n; i++) {
    const [px, py] = all[i] as Point;
    const bad: Tri[] = [];
    const keep: Tri[] = [];
    for (const t of tris) ((px - t.cx) ** 2 + (py - t.cy) ** 2 < t.r2 * (1 + 1e-12) ? bad : keep).push(t);
    // The hole's boundary: edges of exactly one removed triangle.
    const edges = new Map<string, [number, number]>();
    for (const t of bad)
      for (const [a, b] of [
        [t.v[0], t.v[1]],
        [t.v[1], t.v[2]],
        [t.v[2], t.v[0]],
      ] as [number, number][]) {
        const key = a < b ? `${a},${b}` : `${b},${a}`;
        if (edges.has(key)) edges.delete(key);
        else edges.set(key, [a, b]);
      }
    for (const [a, b] of edges.values()) keep.push(make(a, b, i));
    tris = keep;
  }
  return tris.filter((t) => t.v.every((v) => v < n)).map((t) => t.v);
}
