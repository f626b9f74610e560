import type { Matrix } from './vectors.js';

export interface Hit {
  index: number;
  score: number;
}

/**
 * The k largest scores seen so far, as a min-heap in typed arrays: the root is the weakest kept hit,
 * so a new score only costs a comparison unless it beats it.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  /** The score a candidate must beat to enter (−Infinity until the heap is full). */
  get floor(): number {
    return this.size < this.k ? -Infinity : (this.scores[0] as number);
  }

  push(index: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((this.scores[parent] as number) <= score) break;
        this.scores[i] = this.scores[parent] as number;
        this.indices[i] = this.indices[parent] as number;
        i = parent;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (score <= (this.scores[0] as number)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && (this.scores[r] as number) < (this.scores[l] as number) ? r : l;
      if ((this.scores[c] as number) >= score) break;
      this.scores[i] = this.scores[c] as number;
      this.indices[i] = this.indices[c] as number;
      i = c;
    }
    this.scores[i] = score;
    this.indices[i] = index;
  }

  /** Best first. */
  result(): Hit[] {
    const hits: Hit[] = [];
    for (let i = 0; i < this.size; i++)
      hits.push({ index: this.indices[i] as number, score: this.scores[i] as number });
    return hits.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

/** Gallery rows per block: 64 rows of 512 floats (128 KiB) stay in L2 while every query visits them. */
const BLOCK_ROWS = 64;

/**
 * Top-k rows of `gallery` by dot product (cosine for unit rows) for each query row. The gallery is read
 * once, block by block, whatever the number of queries; the inner product is unrolled four ways so the
 * loop is bound by memory, not by the dependency chain of one accumulator.
 */
export function searchTopK(gallery: Matrix, queries: Matrix, k: number): Hit[][] {
  if (queries.cols !== gallery.cols)
    throw new Error(`searchTopK: queries have ${queries.cols} dimensions, gallery ${gallery.cols}`);
  const dim = gallery.cols;
  const g = gallery.data;
  const q = queries.data;
  const heaps = Array.from({ length: queries.rows }, () => new TopK(Math.min(k, gallery.rows)));
  const tail = dim & ~3;
  for (let start = 0; start < gallery.rows; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, gallery.rows);
    for (let qi = 0; qi < queries.rows; qi++) {
      const heap = heaps[qi] as TopK;
      const qo = qi * dim;
      for (let r = start; r < end; r++) {
        const go = r * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < tail; i += 4) {
          s0 += (g[go + i] as number) * (q[qo + i] as number);
          s1 += (g[go + i + 1] as number) * (q[qo + i + 1] as number);
          s2 += (g[go + i + 2] as number) * (q[qo + i + 2] as number);
          s3 += (g[go + i + 3] as number) * (q[qo + i + 3] as number);
        }
        for (let i = tail; i < dim; i++) s0 += (g[go + i] as number) * (q[qo + i] as number);
        const score = s0 + s1 + s2 + s3;
        if (score > heap.floor) heap.push(r, score);
      }
    }
  }
  return heaps.map((h) => h.result());
}

/**
 * Reads every value of the matrix once and sums it, with the same four-way unrolling as the search:
 * the floor under which no search over the same matrix can go, for the benchmark's ratio.
 */
export function readAll(m: Matrix): number {
  const d = m.data;
  const n = d.length & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i += 4) {
    s0 += d[i] as number;
    s1 += d[i + 1] as number;
    s2 += d[i + 2] as number;
    s3 += d[i + 3] as number;
  }
  for (let i = n; i < d.length; i++) s0 += d[i] as number;
  return s0 + s1 + s2 + s3;
}
