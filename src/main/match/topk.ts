import { kernels, type Kernels } from './simd.js';
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

/** Gallery rows per block: 512 rows of 512 floats (1 MiB) stay in cache while every query visits them. */
const BLOCK_ROWS = 512;

/**
 * A gallery matrix held in WebAssembly memory for the SIMD kernels, rows padded with zeros to a multiple
 * of 16 values (zeros change no dot product). Built once per gallery; searched many times.
 */
export class SearchIndex {
  readonly rows: number;
  readonly cols: number;
  private readonly stride: number;
  private readonly k: Kernels;
  private readonly scoresAt: number;
  private readonly queriesAt: number;

  constructor(matrix: Matrix) {
    this.rows = matrix.rows;
    this.cols = matrix.cols;
    this.stride = Math.max(16, Math.ceil(matrix.cols / 16) * 16);
    this.scoresAt = this.rows * this.stride * 4;
    this.queriesAt = this.scoresAt + BLOCK_ROWS * 4;
    this.k = kernels(this.queriesAt + this.stride * 4);
    const g = new Float32Array(this.k.memory.buffer, 0, this.rows * this.stride);
    for (let r = 0; r < this.rows; r++)
      g.set(matrix.data.subarray(r * this.cols, (r + 1) * this.cols), r * this.stride);
  }

  /**
   * Top-k rows by dot product (cosine for unit rows) for each query row. The gallery is read once, block
   * by block, whatever the number of queries; each block's scores feed each query's small heap.
   */
  search(queries: Matrix, k: number): Hit[][] {
    if (queries.cols !== this.cols)
      throw new Error(`search: queries have ${queries.cols} dimensions, gallery ${this.cols}`);
    const queryBytes = this.stride * 4;
    const needed = this.queriesAt + queries.rows * queryBytes - this.k.memory.buffer.byteLength;
    if (needed > 0) this.k.memory.grow(Math.ceil(needed / 65536));
    const buf = this.k.memory.buffer;
    const q = new Float32Array(buf, this.queriesAt, queries.rows * this.stride).fill(0);
    for (let qi = 0; qi < queries.rows; qi++)
      q.set(queries.data.subarray(qi * this.cols, (qi + 1) * this.cols), qi * this.stride);
    const scores = new Float32Array(buf, this.scoresAt, BLOCK_ROWS);
    const heaps = Array.from({ length: queries.rows }, () => new TopK(Math.min(k, this.rows)));
    for (let start = 0; start < this.rows; start += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, this.rows - start);
      for (let qi = 0; qi < queries.rows; qi++) {
        this.k.dots(start * this.stride * 4, this.queriesAt + qi * queryBytes, this.stride, n, this.scoresAt);
        const heap = heaps[qi] as TopK;
        let floor = heap.floor;
        for (let i = 0; i < n; i++) {
          const s = scores[i] as number;
          if (s > floor) {
            heap.push(start + i, s);
            floor = heap.floor;
          }
        }
      }
    }
    return heaps.map((h) => h.result());
  }

  /** Reads every stored value once and sums it: the floor under which no search can go, for benchmarks. */
  readAll(): number {
    return this.k.sum(0, this.rows * this.stride);
  }
}

/** One-off search (builds the index each call; keep a SearchIndex for repeated queries). */
export function searchTopK(gallery: Matrix, queries: Matrix, k: number): Hit[][] {
  return new SearchIndex(gallery).search(queries, k);
}
