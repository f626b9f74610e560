/** Mean of the two L2-normalised halves (original, mirrored), L2-normalised. */
export function flipAverage(pair: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (const half of [pair.subarray(0, dim), pair.subarray(dim, 2 * dim)]) {
    const norm = Math.hypot(...half) || 1;
    for (let k = 0; k < dim; k++) out[k] = (out[k] ?? 0) + (half[k] ?? 0) / norm;
  }
  const norm = Math.hypot(...out) || 1;
  for (let k = 0; k < dim; k++) out[k] = (out[k] ?? 0) / norm;
  return out;
}
