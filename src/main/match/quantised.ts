import type { Kernels } from './simd.js';
import type { Matrix } from './vectors.js';

/**
 * Int8 copies of gallery rows and queries, and a rigorous bound on how far a score computed from them can
 * lie from the float32 kernel's score, so that a prefilter over the int8 rows (a quarter of the bytes to
 * read) can drop rows and still return exactly the float32 search's top k.
 *
 * A gallery row g (n values, zero-padded) is stored as g = s·x + e, with s = max|g|/127, x = round(g/s) in
 * [-127, 127] (or any integers there: e is worked out from the x stored) and e the residue; a query q likewise as q = t·y + f, but with y in [-L, L], L as
 * large as the kernel's i32 sums allow (32767 up to 528 values), so that ||f|| is negligible beside ||e||
 * and the bound nearly halves at no cost (the kernel widens every i8 to i16 anyway). Then, exactly,
 *   g·q = s·t·(x·y) + s·(x·f) + e·q,
 * the integer x·y is exact in the kernel, and by Cauchy-Schwarz, with G >= ||g||, s·||x|| and Q >= ||q||, t·||y||:
 *   |g·q - s·t·(x·y)| <= ||e||·Q + G·||f||.
 * The float32 kernel's own score differs from g·q by at most gamma_n·Σ|g_i q_i| <= gamma_n·G·Q (n products,
 * each summed through fewer than n roundings; gamma_n = n·u/(1 - n·u), u = 2^-24), plus at most n·2^-149 in
 * case of underflow. Computing the norms, residues and approximate score in float64 adds errors of order
 * n·2^-53·G·Q, far below gamma_n·G·Q; they are covered by doubling it. So, per row and query,
 *   |float32 score - approx| <= ||e||·Q + G·(||f|| + 2·gamma_n·Q) + n·2^-140 = bound.
 * The derivation needs ||e|| <= G (n <= 64516 values: ||e|| <= s·sqrt(n)/2 and G >= 127·s);
 * `quantisable` refuses longer rows, and `finite` non-finite values, where it does not hold.
 */

const U = 2 ** -24;

/** The longest row the bound holds for (see above), in values. */
const MAX_VALUES = 64_516;

/** Whether rows of `n` values (the padded length) can be quantised with the bound above. */
export function quantisable(n: number): boolean {
  return n <= MAX_VALUES;
}

/** The relative slack for rows of `n` values: twice gamma_n. */
function slack(n: number): number {
  return (2 * n * U) / (1 - n * U);
}

/** The absolute slack for underflow in the float32 kernel, with ample room. */
function underflow(n: number): number {
  return n * 2 ** -140;
}

/** Where a gallery's rows lie in the kernels' memory: float32 rows from 0, int8 rows from int8At. */
export interface RowLayout {
  /** float32 values per row (padded). */
  stride: number;
  int8At: number;
  /** int8 values per row (padded). */
  bytes: number;
}

/** A gallery's rows as int8, written by the quantise kernel, with each row's scale s, ||e|| and G. */
export class QuantisedRows {
  readonly scale: Float64Array;
  readonly error: Float64Array;
  readonly norm: Float64Array;
  readonly maxError: number;
  readonly maxNorm: number;

  /** `matrix` is already in the kernels' memory as `at` says; the caller checks `finite` first. */
  constructor(matrix: Matrix, k: Kernels, at: RowLayout) {
    const { rows, cols, data } = matrix;
    const int8 = new Int8Array(k.memory.buffer, at.int8At, rows * at.bytes);
    this.scale = new Float64Array(rows);
    this.error = new Float64Array(rows);
    this.norm = new Float64Array(rows);
    let maxError = 0;
    let maxNorm = 0;
    for (let r = 0; r < rows; r++) {
      const from = r * cols;
      let max = 0;
      let ss = 0;
      for (let c = 0; c < cols; c++) {
        const v = data[from + c] as number;
        const a = Math.abs(v);
        if (a > max) max = a;
        ss += v * v;
      }
      const s = max / 127;
      // Any integers would do: the residues below are those of the values the kernel chose.
      if (s > 0) k.quantise(r * at.stride * 4, at.int8At + r * at.bytes, at.stride, 127 / max);
      let ee = 0;
      let xx = 0;
      for (let c = 0, to = r * at.bytes; c < cols; c++) {
        const x = int8[to + c] as number;
        const e = (data[from + c] as number) - s * x;
        ee += e * e;
        xx += x * x;
      }
      const error = Math.sqrt(ee);
      const norm = Math.max(Math.sqrt(ss), s * Math.sqrt(xx));
      this.scale[r] = s;
      this.error[r] = error;
      this.norm[r] = norm;
      if (error > maxError) maxError = error;
      if (norm > maxNorm) maxNorm = norm;
    }
    this.maxError = maxError;
    this.maxNorm = maxNorm;
  }
}

/** Whether every value is finite (the bound has nothing to say about the others). */
export function finite(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return false;
  return true;
}

/** One query's part of the bound: its scale t, Q, ||f|| + 2·gamma_n·Q and the underflow term. */
export interface QueryBound {
  t: number;
  q: number;
  fq: number;
  eta: number;
}

/** A row's approximate score from its int8 dot product x·y and its scale s. */
export function approximate(dot: number, scale: number, b: QueryBound): number {
  return dot * scale * b.t;
}

/**
 * The most a row's float32 score can differ from its approximate score, given its ||e|| and G. Monotone
 * in both (rounding is), so the gallery's maxima give a bound for every row.
 */
export function bound(error: number, norm: number, b: QueryBound): number {
  return error * b.q + norm * b.fq + b.eta;
}

/**
 * Quantises a query into `out` (int16, zeroed past the query; as long as the int8 rows, `bytes`) and
 * returns its part of the bound. `n` is the padded length of the float32 rows.
 */
export function quantiseQuery(v: Float32Array, out: Int16Array, n: number): QueryBound {
  // dots8 sums out.length products of at most 127·L in i32.
  const levels = Math.min(32767, Math.floor((2 ** 31 - 1) / (127 * out.length)));
  let max = 0;
  let ss = 0;
  for (let c = 0; c < v.length; c++) {
    const a = Math.abs(v[c] as number);
    if (a > max) max = a;
    ss += a * a;
  }
  const t = max / levels;
  out.fill(0);
  let ff = 0;
  let yy = 0;
  for (let c = 0; c < v.length; c++) {
    const value = v[c] as number;
    const y = t > 0 ? Math.round(value / t) : 0;
    out[c] = y;
    const f = value - t * y;
    ff += f * f;
    yy += y * y;
  }
  const q = Math.max(Math.sqrt(ss), t * Math.sqrt(yy));
  return { t, q, fq: Math.sqrt(ff) + slack(n) * q, eta: underflow(n) };
}
