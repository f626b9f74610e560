import { kernels } from '../match/simd.js';

/**
 * Pairwise cosine distances of unit vectors, condensed: the upper triangle without its diagonal, row by
 * row, as SciPy keeps it. 10,000 points take 200 MB of Float32, the price of exact average linkage.
 */
export interface Condensed {
  n: number;
  d: Float32Array;
  /** Where row i's entries (i, i+1 ...) start. */
  base: Float64Array;
}

export function condensedIndex(c: Condensed, i: number, j: number): number {
  const [a, b] = i < j ? [i, j] : [j, i];
  return (c.base[a] as number) + b - a - 1;
}

export function distance(c: Condensed, i: number, j: number): number {
  return i === j ? 0 : (c.d[condensedIndex(c, i, j)] as number);
}

/**
 * 1 - cosine similarity of the rows of `x` (n x dim, each row of unit length). The dot products run in
 * the matching engine's WebAssembly SIMD kernel, row i against the rows after it, straight into place.
 */
export function cosineDistances(x: Float32Array | Float64Array, n: number, dim: number): Condensed {
  const base = new Float64Array(n);
  for (let i = 0; i < n; i++) base[i] = i * n - (i * (i + 1)) / 2;
  const d = new Float32Array((n * (n - 1)) / 2);
  // The kernel takes rows of a multiple of 16 floats (simd.ts): pad each row with zeros.
  const stride = Math.max(16, Math.ceil(dim / 16) * 16);
  const outAt = n * stride * 4;
  const k = kernels(outAt + n * 4);
  const rows = new Float32Array(k.memory.buffer, 0, n * stride);
  for (let r = 0; r < n; r++) for (let c = 0; c < dim; c++) rows[r * stride + c] = x[r * dim + c] as number;
  const scores = new Float32Array(k.memory.buffer, outAt, n);
  for (let i = 0; i < n - 1; i++) {
    const count = n - i - 1;
    k.dots((i + 1) * stride * 4, i * stride * 4, stride, count, outAt);
    const at = base[i] as number;
    for (let j = 0; j < count; j++) d[at + j] = Math.max(0, 1 - (scores[j] as number));
  }
  return { n, d, base };
}

/** Each point's k nearest other points, nearest first: indices and distances, n x k row-major. */
export interface Neighbours {
  k: number;
  index: Int32Array;
  distance: Float64Array;
}

/** The k nearest neighbours of every point, read off the condensed distances in one pass. */
export function nearestFromDistances(dist: Condensed, k: number): Neighbours {
  const { n } = dist;
  const kk = Math.min(k, n - 1);
  const index = new Int32Array(n * kk).fill(-1);
  const distance = new Float64Array(n * kk).fill(Infinity);
  const offer = (i: number, j: number, v: number) => {
    const at = i * kk;
    if (v >= (distance[at + kk - 1] as number)) return;
    let p = kk - 1;
    while (p > 0 && (distance[at + p - 1] as number) > v) {
      distance[at + p] = distance[at + p - 1] as number;
      index[at + p] = index[at + p - 1] as number;
      p--;
    }
    distance[at + p] = v;
    index[at + p] = j;
  };
  let o = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = dist.d[o++] as number;
      offer(i, j, v);
      offer(j, i, v);
    }
  return { k: kk, index, distance };
}
