/** Dense vectors and row-major matrices over Float32Array: the one representation every matching step shares. */

export interface Matrix {
  rows: number;
  cols: number;
  /** rows x cols, row-major. */
  data: Float32Array;
}

export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / n;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** The fused direction of several unit vectors (one patient's photos): their mean, renormalised. */
export function fuse(vectors: readonly Float32Array[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new Error('fuse: no vectors');
  const sum = new Float32Array(first.length);
  for (const v of vectors)
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (v[i] as number);
  return l2Normalize(sum);
}

/** Stacks equal-length vectors into a matrix; refuses mixed dimensions (vectors of different models). */
export function stack(vectors: readonly Float32Array[], cols?: number): Matrix {
  const dim = cols ?? vectors[0]?.length ?? 0;
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, r) => {
    if (v.length !== dim) throw new Error(`stack: row ${r} has ${v.length} values, expected ${dim}`);
    data.set(v, r * dim);
  });
  return { rows: vectors.length, cols: dim, data };
}

/**
 * A joint space over several models' unit embeddings of one face: their concatenation, renormalised
 * (each model weighs the same). Named 'a+b'; undefined when any model's embedding is missing.
 */
export function jointEmbedding(
  embeddings: Readonly<Record<string, Float32Array>>,
  space: string,
): Float32Array | undefined {
  const parts = space.split('+').map((id) => embeddings[id]);
  if (parts.some((p) => p === undefined)) return undefined;
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + (p as Float32Array).length, 0));
  let at = 0;
  for (const p of parts as Float32Array[]) {
    out.set(p, at);
    at += p.length;
  }
  return l2Normalize(out);
}
