import {
  approximate,
  bound,
  finite,
  quantisable,
  quantiseQuery,
  QuantisedRows,
  type QueryBound,
} from './quantised.js';
import { kernels, type Kernels } from './simd.js';
import type { Matrix } from './vectors.js';

export interface Hit {
  index: number;
  score: number;
}

/**
 * The k best hits seen so far, as a min-heap in typed arrays: the root is the weakest kept hit, so a new
 * score only costs a comparison unless it beats it. Best means the higher score, then the lower index, so
 * the k kept are the same whatever the order of arrival (two searches that see the same scores in
 * different orders or subsets agree on ties).
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly indices: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  /**
   * The score a candidate must beat to enter (−Infinity until the heap is full); one that only equals it
   * enters when its index is lower than the root's, which never happens when indices arrive in order.
   */
  get floor(): number {
    return this.size < this.k ? -Infinity : (this.scores[0] as number);
  }

  /** Whether slot i holds a worse hit than (score, index). */
  private worse(i: number, score: number, index: number): boolean {
    const s = this.scores[i] as number;
    return s < score || (s === score && (this.indices[i] as number) > index);
  }

  push(index: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.worse(parent, score, index)) break;
        this.scores[i] = this.scores[parent] as number;
        this.indices[i] = this.indices[parent] as number;
        i = parent;
      }
      this.scores[i] = score;
      this.indices[i] = index;
      return;
    }
    if (!this.worse(0, score, index)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.worse(r, this.scores[l] as number, this.indices[l] as number) ? r : l;
      if (!this.worse(c, score, index)) break;
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
 * From this many rows up a gallery is searched through the int8 prefilter unless told otherwise; below
 * it the float32 rows are few enough to read whole (see tools/bench/search-million.ts for both).
 */
const PREFILTER_ROWS = 50_000;

/**
 * WebAssembly memory is at most 4 GiB (65536 pages); the rows leave 64 MiB of it for queries. A gallery
 * whose int8 copy would not fit beside its float32 rows (beyond some 1.6M rows of 512) is scanned in
 * float32 alone, as before.
 */
const MEMORY_FOR_ROWS = 2 ** 32 - 2 ** 26;

export interface SearchIndexOptions {
  /**
   * Keep an int8 copy of the rows and scan it first, scoring in float32 only the rows it cannot rule
   * out: the same hits and scores as the float32 scan, reading a quarter of the bytes. Default: from
   * PREFILTER_ROWS rows up. Off wherever its error bound does not hold (see quantised.ts) or the int8
   * copy does not fit in memory beside the float32 rows.
   */
  prefilter?: boolean;
}

/** Rows a prefilter keeps room for before it compacts them (and gives up when half stay). */
const room = (rows: number) => Math.max(1024, rows >> 5);

/**
 * One query's pass over the int8 rows: the rows whose upper bound can still reach the k-th best score,
 * and the k best lower bounds seen (their k-th, `floor`, is a lower bound on the true k-th best score,
 * so a row whose upper bound is below it cannot be among the k; one that equals it is kept for ties).
 */
class Prefilter {
  private readonly lower: TopK;
  private floor = -Infinity;
  private readonly kept: Int32Array;
  private readonly upper: Float64Array;
  private count = 0;
  /** More rows could still reach the k than re-ranking them is worth: the float32 scan answers. */
  overflowed = false;

  /** Whether the prefilter can pay for k hits: the floor needs k lower bounds well inside its room. */
  static fits(k: number, rows: number): boolean {
    return k > 0 && k <= room(rows) / 4;
  }

  constructor(
    k: number,
    private readonly bound: QueryBound,
    private readonly rows: QuantisedRows,
  ) {
    this.lower = new TopK(k);
    this.kept = new Int32Array(room(rows.scale.length));
    this.upper = new Float64Array(this.kept.length);
  }

  /** Takes rows start..start+n-1 given their int8 dot products x·y. */
  scan(dots: Int32Array, start: number, n: number): void {
    const { scale, error, norm, maxError, maxNorm } = this.rows;
    const b = this.bound;
    const reach = bound(maxError, maxNorm, b);
    let floor = this.floor;
    for (let i = 0; i < n; i++) {
      const r = start + i;
      const a = approximate(dots[i] as number, scale[r] as number, b);
      if (a + reach < floor) continue;
      const d = bound(error[r] as number, norm[r] as number, b);
      if (a + d < floor) continue;
      if (this.count === this.kept.length && !this.compact(floor)) return;
      this.kept[this.count] = r;
      this.upper[this.count++] = a + d;
      if (a - d > floor) {
        this.lower.push(r, a - d);
        floor = this.lower.floor;
      }
    }
    this.floor = floor;
  }

  /** The rows to score in float32, in index order. */
  candidates(): Int32Array {
    return this.kept.subarray(0, this.keepReaching(this.floor));
  }

  /** Drops the rows the floor has risen past; overflows when more than half the room stays taken. */
  private compact(floor: number): boolean {
    this.count = this.keepReaching(floor);
    this.overflowed = this.count > this.kept.length / 2;
    return !this.overflowed;
  }

  private keepReaching(floor: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++)
      if ((this.upper[i] as number) >= floor) {
        this.kept[n] = this.kept[i] as number;
        this.upper[n++] = this.upper[i] as number;
      }
    return n;
  }
}

/**
 * A gallery matrix held in WebAssembly memory for the SIMD kernels, rows padded with zeros to a multiple
 * of 16 values (zeros change no dot product), and with the prefilter an int8 copy, rows padded to 64
 * bytes. Built once per gallery; searched many times.
 * Memory: [float32 rows][int8 rows][one block's scores][float32 queries][int16 queries].
 */
export class SearchIndex {
  readonly rows: number;
  readonly cols: number;
  /** Rows scored in float32 per query by the last search's prefilter; -1 where the float32 scan answered. */
  lastCandidates: number[] = [];
  private readonly stride: number;
  private readonly bytes: number;
  private readonly k: Kernels;
  private readonly quantisedAt: number;
  private readonly quantised: QuantisedRows | undefined;
  private readonly scoresAt: number;
  private readonly queriesAt: number;

  constructor(matrix: Matrix, options: SearchIndexOptions = {}) {
    this.rows = matrix.rows;
    this.cols = matrix.cols;
    this.stride = Math.max(16, Math.ceil(matrix.cols / 16) * 16);
    this.bytes = Math.max(64, Math.ceil(matrix.cols / 64) * 64);
    this.quantisedAt = this.rows * this.stride * 4;
    const prefilter =
      (options.prefilter ?? this.rows >= PREFILTER_ROWS) &&
      this.rows > 0 &&
      this.quantisedAt + this.rows * this.bytes <= MEMORY_FOR_ROWS &&
      quantisable(this.stride) &&
      finite(matrix.data);
    this.scoresAt = this.quantisedAt + (prefilter ? this.rows * this.bytes : 0);
    this.queriesAt = this.scoresAt + BLOCK_ROWS * 4;
    this.k = kernels(this.queriesAt + this.stride * 4 + this.bytes * 2);
    const g = new Float32Array(this.k.memory.buffer, 0, this.rows * this.stride);
    for (let r = 0; r < this.rows; r++)
      g.set(matrix.data.subarray(r * this.cols, (r + 1) * this.cols), r * this.stride);
    this.quantised = prefilter
      ? new QuantisedRows(matrix, this.k, {
          stride: this.stride,
          int8At: this.quantisedAt,
          bytes: this.bytes,
        })
      : undefined;
  }

  /** Whether searches for few enough hits go through the int8 prefilter. */
  get prefiltered(): boolean {
    return this.quantised !== undefined;
  }

  /**
   * Top-k rows by dot product (cosine for unit rows) for each query row, best first, ties by lower index.
   * A pass reads the gallery once, block by block, whatever the number of queries; each block's scores
   * feed each query's small heap. With the prefilter the int8 rows are read instead, and only the rows
   * that can still be among the k are scored by the float32 kernel: the same hits, the same scores.
   */
  search(queries: Matrix, k: number): Hit[][] {
    if (queries.cols !== this.cols)
      throw new Error(`search: queries have ${queries.cols} dimensions, gallery ${this.cols}`);
    const int16At = this.queriesAt + queries.rows * this.stride * 4;
    const needed = int16At + queries.rows * this.bytes * 2 - this.k.memory.buffer.byteLength;
    if (needed > 0) this.k.memory.grow(Math.ceil(needed / 65536));
    const buf = this.k.memory.buffer;
    const q = new Float32Array(buf, this.queriesAt, queries.rows * this.stride).fill(0);
    for (let qi = 0; qi < queries.rows; qi++)
      q.set(queries.data.subarray(qi * this.cols, (qi + 1) * this.cols), qi * this.stride);
    const kk = Math.min(k, this.rows);
    const quantised = this.quantised;
    const prefilters = Array.from({ length: queries.rows }, (_, qi) => {
      const query = queries.data.subarray(qi * this.cols, (qi + 1) * this.cols);
      if (!quantised || !Prefilter.fits(kk, this.rows) || !finite(query)) return undefined;
      const y = new Int16Array(buf, int16At + qi * this.bytes * 2, this.bytes);
      return new Prefilter(kk, quantiseQuery(query, y, this.stride), quantised);
    });
    if (prefilters.some((p) => p)) this.scanQuantised(prefilters, int16At);
    const candidates = prefilters.map((p) => (p && !p.overflowed ? p.candidates() : undefined));
    const unfiltered = candidates.flatMap((c, qi) => (c ? [] : [qi]));
    const hits = candidates.map((c, qi) => (c ? this.rerank(c, qi, kk) : []));
    this.scanFloat(unfiltered, kk).forEach((h, i) => (hits[unfiltered[i] as number] = h));
    this.lastCandidates = candidates.map((c) => c?.length ?? -1);
    return hits;
  }

  /** Reads every stored value once and sums it: the floor under which no search can go, for benchmarks. */
  readAll(): number {
    return this.k.sum(0, this.rows * this.stride);
  }

  /** The float32 pass for the queries numbered in `which`. */
  private scanFloat(which: number[], k: number): Hit[][] {
    const scores = new Float32Array(this.k.memory.buffer, this.scoresAt, BLOCK_ROWS);
    const heaps = which.map(() => new TopK(k));
    for (let start = 0; which.length > 0 && start < this.rows; start += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, this.rows - start);
      which.forEach((qi, h) => {
        this.k.dots(start * this.stride * 4, this.queryAt(qi), this.stride, n, this.scoresAt);
        const heap = heaps[h] as TopK;
        let floor = heap.floor;
        for (let i = 0; i < n; i++) {
          const s = scores[i] as number;
          if (s > floor) {
            heap.push(start + i, s);
            floor = heap.floor;
          }
        }
      });
    }
    return heaps.map((h) => h.result());
  }

  /** The int8 pass: each prefilter takes every block's int8 scores until it has overflowed. */
  private scanQuantised(prefilters: (Prefilter | undefined)[], int16At: number): void {
    const dots = new Int32Array(this.k.memory.buffer, this.scoresAt, BLOCK_ROWS);
    for (let start = 0; start < this.rows; start += BLOCK_ROWS) {
      const n = Math.min(BLOCK_ROWS, this.rows - start);
      prefilters.forEach((p, qi) => {
        if (!p || p.overflowed) return;
        const y = int16At + qi * this.bytes * 2;
        this.k.dots8(this.quantisedAt + start * this.bytes, y, this.bytes, n, this.scoresAt);
        p.scan(dots, start, n);
      });
    }
  }

  /** The k best of `rows` (in index order) by the float32 kernel, row by row. */
  private rerank(rows: Int32Array, qi: number, k: number): Hit[] {
    const score = new Float32Array(this.k.memory.buffer, this.scoresAt, 1);
    const heap = new TopK(k);
    for (const r of rows) {
      this.k.dots(r * this.stride * 4, this.queryAt(qi), this.stride, 1, this.scoresAt);
      const s = score[0] as number;
      if (s > heap.floor) heap.push(r, s);
    }
    return heap.result();
  }

  private queryAt(qi: number): number {
    return this.queriesAt + qi * this.stride * 4;
  }
}

/** One-off search (builds the index each call; keep a SearchIndex for repeated queries). */
export function searchTopK(gallery: Matrix, queries: Matrix, k: number): Hit[][] {
  return new SearchIndex(gallery).search(queries, k);
}
