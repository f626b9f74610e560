import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { seededRandom } from '../match/random.js';
import type { Matrix } from '../match/vectors.js';

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

/**
 * PCA by randomised SVD (Halko, Martinsson & Tropp): a seeded Gaussian sketch of the centred data, two
 * power iterations, then an exact SVD (ml-matrix) of the small projected matrix. Exact to float precision
 * for the leading components of embedding sets, and linear in the number of rows, so 10,000 x 1024
 * takes a second where a full covariance eigendecomposition would not. Same seed, same components.
 */
export function fitPca(x: Matrix, k: number, seed = 1): Pca {
  const { rows: n, cols: d } = x;
  if (n < 2) throw new Error('PCA needs at least two rows');
  const kk = Math.min(k, d, n);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < d; c++) mean[c] = (mean[c] as number) + (x.data[r * d + c] as number) / n;
  let total = 0;
  const rows = Array.from({ length: n }, (_, r) =>
    Array.from({ length: d }, (_, c) => {
      const v = (x.data[r * d + c] as number) - (mean[c] as number);
      total += v * v;
      return v;
    }),
  );
  const centred = new MlMatrix(rows);
  const sketch = Math.min(d, n, kk + 10);
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const omega = new MlMatrix(d, sketch);
  for (let i = 0; i < d; i++) for (let j = 0; j < sketch; j++) omega.set(i, j, gauss());
  const ct = centred.transpose();
  let q = new QrDecomposition(centred.mmul(omega)).orthogonalMatrix;
  for (let it = 0; it < 2; it++) {
    const z = new QrDecomposition(ct.mmul(q)).orthogonalMatrix;
    q = new QrDecomposition(centred.mmul(z)).orthogonalMatrix;
  }
  const b = q.transpose().mmul(centred);
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
  for (let r = 0; r < n; r++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++)
        s +=
          ((x.data[r * d + c] as number) - (pca.mean[c] as number)) * (pca.components[j * d + c] as number);
      out[r * k + j] = s;
    }
  return out;
}
