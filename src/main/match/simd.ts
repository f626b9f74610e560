/**
 * Four WebAssembly SIMD kernels, assembled here byte by byte (no toolchain, nothing fetched):
 *   dots(g, q, dim, rows, out): out[r] = <g[r], q> for `rows` rows of `dim` f32 (dim a multiple of 16)
 *   dots8(g, q, bytes, rows, out): out[r] = <g[r], q> as i32, for `rows` rows of `bytes` i8 (a multiple
 *     of 64) against a query of `bytes` i16 (exact while bytes·127·max|q| < 2^31)
 *   quantise(src, dst, n, scale): dst[i] = the i8 nearest to src[i]·scale (saturating), for n f32
 *     (a multiple of 16): the int8 copy of a gallery row
 *   sum(p, n) -> f32: the sum of n f32 (n a multiple of 16), the "merely read it" baseline
 * All stream memory with 128-bit loads and four accumulators, so they are bound by memory bandwidth:
 * JavaScript's scalar loops are bound by instruction count and would make the search twice the read.
 */

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
/** Signed LEB128, as i32.const takes its operand (64 needs two bytes: 0x40 alone is -64). */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const name = (s: string) => [...leb(s.length), ...Buffer.from(s, 'ascii')];
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const simd = (op: number) => [0xfd, ...leb(op)];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32 = (n: number) => [0x41, ...sleb(n)];
const load = (offset: number) => [...simd(0x00), 4, ...leb(offset)]; // v128.load, align 16
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const lane = (l: number) => [...simd(0x1f), l]; // f32x4.extract_lane
const iLane = (l: number) => [...simd(0x1b), l]; // i32x4.extract_lane
const i32x4Add = simd(0xae);
const widenLow = simd(0x87); // i16x8.extend_low_i8x16_s
const widenHigh = simd(0x88); // i16x8.extend_high_i8x16_s
const dotI16 = simd(0xba); // i32x4.dot_i16x8_s: pairwise products summed into i32 lanes
const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)]; // v128.const 0
const [BLOCK, LOOP, END, BR, BR_IF] = [0x02, 0x03, 0x0b, 0x0c, 0x0d];
const [EMPTY, I32_EQZ, I32_LT_U, I32_ADD, I32_SUB, I32_SHL, F32_ADD, F32_STORE, I32_STORE] = [
  0x40, 0x45, 0x49, 0x6a, 0x6b, 0x74, 0x92, 0x38, 0x36,
];
const tee = (i: number) => [0x22, i];
// prettier-ignore
const horizontalSum = (v: number) => [
  ...get(v), ...lane(0), ...get(v), ...lane(1), F32_ADD,
  ...get(v), ...lane(2), ...get(v), ...lane(3), F32_ADD, F32_ADD,
];
/** acc += load(p + offset) [* load(q + offset)] */
// prettier-ignore
const accumulate = (acc: number, p: number, offset: number, q?: number) => [
  ...get(acc), ...get(p), ...load(offset),
  ...(q === undefined ? [] : [...get(q), ...load(offset), ...f32x4Mul]),
  ...f32x4Add, ...set(acc),
];
const advance = (p: number, bytes: number) => [...get(p), ...i32(bytes), I32_ADD, ...set(p)];

// dots: params g0 q1 dim2 rows3 out4; locals end5 qp6 (i32), acc7..acc10 (v128)
// prettier-ignore
const dots = [
  ...vec([[2, I32], [4, V128]]),
  BLOCK, EMPTY, LOOP, EMPTY,
  ...get(3), I32_EQZ, BR_IF, 1,
  ...zero, ...set(7), ...zero, ...set(8), ...zero, ...set(9), ...zero, ...set(10),
  ...get(0), ...get(2), ...i32(2), I32_SHL, I32_ADD, ...set(5),
  ...get(1), ...set(6),
  LOOP, EMPTY,
  ...accumulate(7, 0, 0, 6), ...accumulate(8, 0, 16, 6), ...accumulate(9, 0, 32, 6), ...accumulate(10, 0, 48, 6),
  ...advance(0, 64), ...advance(6, 64),
  ...get(0), ...get(5), I32_LT_U, BR_IF, 0,
  END,
  ...get(7), ...get(8), ...f32x4Add, ...get(9), ...get(10), ...f32x4Add, ...f32x4Add, ...set(7),
  ...get(4), ...horizontalSum(7), F32_STORE, 2, 0,
  ...advance(4, 4),
  ...get(3), ...i32(1), I32_SUB, ...set(3),
  BR, 0,
  END, END, END,
];

/**
 * acc += 16 i8 of g (at gOffset) times 16 i16 of q (at 2 * gOffset), widened: i16 x i16 pairs summed
 * into i32 lanes (dot_i16x8_s). On V8 (Node 20), over 1M rows of 512 i8: 35-40 ms, against 44-48 ms with
 * i16x8.extmul_{low,high}_i8x16_s of two i8 vectors (a high half costs a shuffle). The query is widened
 * once per search, and as i16 it can carry more than 8 bits (see quantised.ts).
 */
// prettier-ignore
const accumulate8 = (acc: number, g: number, gOffset: number, q: number, wide: number) => [
  ...get(g), ...load(gOffset), ...tee(wide), ...widenLow, ...get(q), ...load(2 * gOffset), ...dotI16,
  ...get(wide), ...widenHigh, ...get(q), ...load(2 * gOffset + 16), ...dotI16, ...i32x4Add,
  ...get(acc), ...i32x4Add, ...set(acc),
];

// dots8: params g0 q1 bytes2 rows3 out4; locals end5 qp6 (i32), acc7..acc10 wide11 (v128)
// prettier-ignore
const dots8 = [
  ...vec([[2, I32], [5, V128]]),
  BLOCK, EMPTY, LOOP, EMPTY,
  ...get(3), I32_EQZ, BR_IF, 1,
  ...zero, ...set(7), ...zero, ...set(8), ...zero, ...set(9), ...zero, ...set(10),
  ...get(0), ...get(2), I32_ADD, ...set(5),
  ...get(1), ...set(6),
  LOOP, EMPTY,
  ...accumulate8(7, 0, 0, 6, 11), ...accumulate8(8, 0, 16, 6, 11),
  ...accumulate8(9, 0, 32, 6, 11), ...accumulate8(10, 0, 48, 6, 11),
  ...advance(0, 64), ...advance(6, 128),
  ...get(0), ...get(5), I32_LT_U, BR_IF, 0,
  END,
  ...get(7), ...get(8), ...i32x4Add, ...get(9), ...get(10), ...i32x4Add, ...i32x4Add, ...set(7),
  ...get(4),
  ...get(7), ...iLane(0), ...get(7), ...iLane(1), I32_ADD, ...get(7), ...iLane(2), ...get(7), ...iLane(3), I32_ADD,
  I32_ADD, I32_STORE, 2, 0,
  ...advance(4, 4),
  ...get(3), ...i32(1), I32_SUB, ...set(3),
  BR, 0,
  END, END, END,
];

/** The i32 nearest to lanes of f32 at p + offset times the splatted scale (local 5); saturating. */
// prettier-ignore
const round = (p: number, offset: number) => [
  ...get(p), ...load(offset), ...get(5), ...f32x4Mul, ...simd(0x6a), ...simd(0xf8), // f32x4.nearest, i32x4.trunc_sat_f32x4_s
];
const narrow16 = simd(0x85); // i16x8.narrow_i32x4_s
const narrow8 = simd(0x65); // i8x16.narrow_i16x8_s

// quantise: params src0 dst1 n2 (i32) scale3 (f32); locals end4 (i32), splat5 (v128)
// prettier-ignore
const quantise = [
  ...vec([[1, I32], [1, V128]]),
  ...get(3), ...simd(0x13), ...set(5), // f32x4.splat
  ...get(0), ...get(2), ...i32(2), I32_SHL, I32_ADD, ...set(4),
  LOOP, EMPTY,
  ...get(1),
  ...round(0, 0), ...round(0, 16), ...narrow16, ...round(0, 32), ...round(0, 48), ...narrow16, ...narrow8,
  ...simd(0x0b), 4, 0, // v128.store
  ...advance(0, 64), ...advance(1, 16),
  ...get(0), ...get(4), I32_LT_U, BR_IF, 0,
  END,
  END,
];

// sum: params p0 n1; locals end2 (i32), acc3..acc6 (v128)
// prettier-ignore
const sum = [
  ...vec([[1, I32], [4, V128]]),
  ...get(0), ...get(1), ...i32(2), I32_SHL, I32_ADD, ...set(2),
  LOOP, EMPTY,
  ...accumulate(3, 0, 0), ...accumulate(4, 0, 16), ...accumulate(5, 0, 32), ...accumulate(6, 0, 48),
  ...advance(0, 64),
  ...get(0), ...get(2), I32_LT_U, BR_IF, 0,
  END,
  ...get(3), ...get(4), ...f32x4Add, ...get(5), ...get(6), ...f32x4Add, ...f32x4Add, ...set(3),
  ...horizontalSum(3),
  END,
];

// prettier-ignore
const moduleBytes = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, vec([[0x60, 5, I32, I32, I32, I32, I32, 0], [0x60, 2, I32, I32, 1, F32], [0x60, 4, I32, I32, I32, F32, 0]])),
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])),
  ...section(3, vec([[0], [1], [0], [2]])),
  ...section(7, vec([[...name('dots'), 0, 0], [...name('sum'), 0, 1], [...name('dots8'), 0, 2], [...name('quantise'), 0, 3]])),
  ...section(10, vec([dots, sum, dots8, quantise].map((body) => [...leb(body.length), ...body]))),
]); // prettier-ignore

let compiled: WebAssembly.Module | undefined;

export interface Kernels {
  memory: WebAssembly.Memory;
  dots(g: number, q: number, dim: number, rows: number, out: number): void;
  dots8(g: number, q: number, bytes: number, rows: number, out: number): void;
  quantise(src: number, dst: number, n: number, scale: number): void;
  sum(p: number, n: number): number;
}

/** An instance of the kernels over a fresh memory of at least `bytes` bytes. */
export function kernels(bytes: number): Kernels {
  compiled ??= new WebAssembly.Module(moduleBytes);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const exp = instance.exports as unknown as Omit<Kernels, 'memory'>;
  return { memory, dots: exp.dots, dots8: exp.dots8, quantise: exp.quantise, sum: exp.sum };
}
