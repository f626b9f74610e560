/** 2-D points and affine maps, all in image pixels. */
export type Point = [number, number];

/** Affine map (x, y) -> (a x + b y + c, d x + e y + f). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function applyAffine(m: Affine, [x, y]: Point): Point {
  return [m.a * x + m.b * y + m.c, m.d * x + m.e * y + m.f];
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (det === 0) throw new Error('singular affine map');
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** The map that applies `first`, then `second`. */
export function composeAffine(second: Affine, first: Affine): Affine {
  return {
    a: second.a * first.a + second.b * first.d,
    b: second.a * first.b + second.b * first.e,
    c: second.a * first.c + second.b * first.f + second.c,
    d: second.d * first.a + second.e * first.d,
    e: second.d * first.b + second.e * first.e,
    f: second.d * first.c + second.e * first.f + second.f,
  };
}

/**
 * The map from a square crop of `size` x `size` pixels onto the image: the crop is centred at `centre`,
 * covers `side` image pixels and is turned by `angle` radians (so a face tilted by `angle` comes out upright).
 */
export function cropToImage(centre: Point, side: number, angle: number, size: number): Affine {
  const s = side / size;
  const cos = Math.cos(angle) * s;
  const sin = Math.sin(angle) * s;
  const h = size / 2;
  return {
    a: cos,
    b: -sin,
    c: centre[0] - cos * h + sin * h,
    d: sin,
    e: cos,
    f: centre[1] - sin * h - cos * h,
  };
}

/**
 * Least-squares similarity (rotation, uniform scale, translation; no reflection) taking `from` onto `to`:
 * Umeyama's solution, which in two dimensions has this closed form.
 */
export function umeyama(from: readonly Point[], to: readonly Point[]): Affine {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new Error('umeyama needs two equal lists of at least 2 points');
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (const [i, [x, y]] of from.entries()) {
    const [u, v] = to[i] ?? [x, y];
    fx += x;
    fy += y;
    tx += u;
    ty += v;
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let variance = 0;
  for (const [i, [x, y]] of from.entries()) {
    const [u, v] = to[i] ?? [x, y];
    const ux = x - fx;
    const uy = y - fy;
    const vx = u - tx;
    const vy = v - ty;
    dot += ux * vx + uy * vy;
    cross += ux * vy - uy * vx;
    variance += ux * ux + uy * uy;
  }
  if (variance === 0) throw new Error('umeyama: all source points coincide');
  const a = dot / variance;
  const d = cross / variance;
  return { a, b: -d, c: tx - a * fx + d * fy, d, e: a, f: ty - d * fx - a * fy };
}

export function distance(p: Point, q: Point): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}

export function mean(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}
