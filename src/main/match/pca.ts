import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import { seededRandom } from './random.js';
import type { Matrix } from './vectors.js';

/** Principal components of a set of embeddings. */
export interface Pca {
  mean: Float64Array;
  /** k x d, row-major: unit component directions, strongest first. */
  components: Float64Array;
  k: number;
  dim: number;
  /** Share of the total variance along each component. */
  explained: number[];
}

/** a (rows x inner) times b (inner x cols), row-major typed arrays. */
function multiply(a: Float64Array, b: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < inner; i++) {
      const v = a[r * inner + i] as number;
      if (v === 0) continue;
      const bi = i * cols;
      const o = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = (out[o + c] as number) + v * (b[bi + c] as number);
    }
  return out;
}

/** aᵀ (inner x rows, a is rows x inner) times b (rows x cols). */
function multiplyTransposed(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  inner: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(inner * cols);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < inner; i++) {
      const v = a[r * inner + i] as number;
      if (v === 0) continue;
      const o = i * cols;
      const br = r * cols;
      for (let c = 0; c < cols; c++) out[o + c] = (out[o + c] as number) + v * (b[br + c] as number);
    }
  return out;
}

/** Orthonormal columns spanning those of a (rows x cols), in place: modified Gram-Schmidt, twice for accuracy. */
function orthonormalise(a: Float64Array, rows: number, cols: number): void {
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < cols; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += (a[r * cols + j] as number) * (a[r * cols + p] as number);
        for (let r = 0; r < rows; r++)
          a[r * cols + j] = (a[r * cols + j] as number) - dot * (a[r * cols + p] as number);
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += (a[r * cols + j] as number) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < rows; r++) a[r * cols + j] = (a[r * cols + j] as number) / norm;
    }
}

/**
 * PCA by randomised SVD (Halko, Martinsson & Tropp): a seeded Gaussian sketch of the centred data, power
 * iterations, then an exact SVD (ml-matrix) of the small projected matrix. Exact to float precision for
 * the leading components of embedding sets and linear in the number of rows, so 10,000 x 1024 takes
 * seconds where a full covariance eigendecomposition would not. Same seed, same components.
 */
export function fitPca(x: Matrix, k: number, seed = 1, powerIterations = 2): Pca {
  const { rows: n, cols: d } = x;
  if (n < 2) throw new Error('PCA needs at least two rows');
  const kk = Math.min(k, d, n);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) mean[c] = (mean[c] as number) + (x.data[r * d + c] as number) / n;
  const centred = new Float64Array(n * d);
  let total = 0;
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) {
      const v = (x.data[r * d + c] as number) - (mean[c] as number);
      centred[r * d + c] = v;
      total += v * v;
    }
  const sketch = Math.min(d, n, kk + 10);
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const omega = Float64Array.from({ length: d * sketch }, gauss);
  const q = multiply(centred, omega, n, d, sketch);
  orthonormalise(q, n, sketch);
  for (let it = 0; it < powerIterations; it++) {
    const z = multiplyTransposed(centred, q, n, d, sketch);
    orthonormalise(z, d, sketch);
    q.set(multiply(centred, z, n, d, sketch));
    orthonormalise(q, n, sketch);
  }
  // B = Qᵀ X (sketch x d): the data within the sketched subspace, small enough for an exact SVD.
  const bt = multiplyTransposed(centred, q, n, d, sketch);
  const b = new MlMatrix(sketch, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < sketch; j++) b.set(j, i, bt[i * sketch + j] as number);
  const svd = new SingularValueDecomposition(b, { autoTranspose: true });
  const v = svd.rightSingularVectors;
  const s = svd.diagonal;
  const components = new Float64Array(kk * d);
  for (let j = 0; j < kk; j++) {
    // A component's sign is arbitrary: fix it (largest loading positive) so maps do not flip run to run.
    let big = 0;
    for (let c = 0; c < d; c++) if (Math.abs(v.get(c, j)) > Math.abs(big)) big = v.get(c, j);
    const sign = big < 0 ? -1 : 1;
    for (let c = 0; c < d; c++) components[j * d + c] = sign * v.get(c, j);
  }
  const explained = Array.from({ length: kk }, (_, j) => (total > 0 ? (s[j] ?? 0) ** 2 / total : 0));
  return { mean, components, k: kk, dim: d, explained };
}

/** Scores of rows on the first `k` components (all of them by default): n x k, row-major. */
export function projectPca(pca: Pca, x: Matrix, k = pca.k): Float64Array {
  const { rows: n, cols: d } = x;
  if (d !== pca.dim) throw new Error(`PCA of ${pca.dim} values applied to rows of ${d}`);
  const out = new Float64Array(n * k);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) centred[c] = (x.data[r * d + c] as number) - (pca.mean[c] as number);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (centred[c] as number) * (pca.components[j * d + c] as number);
      out[r * k + j] = s;
    }
  }
  return out;
}
