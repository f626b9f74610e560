import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { fitTemperature } from './calibration.js';
import { outOfFoldNeighbours } from './classifier.js';
import { patientFolds } from './folds.js';
import { minimize } from './lbfgs.js';
import { neighbourScores, neighbourVotes, type NeighbourVotes } from './neighbours.js';
import { fitPca, projectPca, type Pca } from './pca.js';
import { classesOf, trainingSet, type Sample } from './samples.js';

/**
 * The classifier of a large gallery, whose fit grows with the number of classes rather than with
 * classes x photos x folds x iterations as the logistic regression's does:
 * - one shared low-rank projection: the gallery's leading principal components (randomised SVD, label
 *   free, so the folds share it);
 * - a shrinkage discriminant in that space: class means and one pooled within-class covariance, shrunk
 *   toward its average variance; equal class priors (class-balanced). Every fold and every penalty of the
 *   path comes from the same per-fold sums in closed form (no iterative fit at all), the penalty chosen
 *   by the temperature-scaled log-loss of the out-of-fold logits as for the logistic regression;
 * - classes of fewer than MODELLED_PATIENTS patients get no discriminant logit: the nearest-case votes
 *   (in the projected space) are their evidence;
 * - a calibrator with few parameters: p(c) ∝ exp(a·logit_c + b·votes_c (or b' for an unmodelled class)
 *   + bias_c), fitted unweighted to the out-of-fold logits and votes so it keeps the gallery's
 *   frequencies; its cost per iteration is photos x classes.
 */
export interface DiscriminantClassifier {
  scheme: 'discriminant';
  classes: string[];
  projection: Pca;
  /** r x r: whitening of the projected space at the chosen penalty (rows: output coordinates). */
  whiten: Float64Array;
  /** classes x r: whitened class means, zero for an unmodelled class. */
  means: Float64Array;
  modelled: boolean[];
  neighbours: NeighbourVotes;
  /** [a, b, b', bias per class]. */
  calibrator: Float64Array;
  lambda: number;
  cvLogLoss: number;
  folds: number;
}

export const DISCRIMINANT_CALIBRATION =
  'shrinkage discriminant in the gallery’s leading principal components (shrinkage chosen on patient-level cross-validation; classes of 1-2 patients by their nearest cases) and nearest-case votes (10 nearest photos), combined and calibrated by a shared-coefficient softmax with a bias per class fitted to their patient-level cross-validation predictions';

/** Principal components kept: enough for faces of a few thousand people, few enough for r² per class. */
export const PROJECTION_RANK = 128;
/** Classes with fewer patients than this are left to the nearest-case part. */
export const MODELLED_PATIENTS = 3;
/** Shrinkage of the pooled covariance toward its average variance, strongest first. */
export const shrinkages = [0.8, 0.4, 0.1];

/** Per-fold sums of the projected rows: per class the sum and count, and the second moment. */
interface FoldSums {
  sums: Float64Array; // folds x k x r
  counts: Float64Array; // folds x k
  second: Float64Array; // folds x r x r
}

function foldSums(
  z: Float64Array,
  y: Int32Array,
  folds: number[],
  nFolds: number,
  k: number,
  r: number,
): FoldSums {
  const sums = new Float64Array(nFolds * k * r);
  const counts = new Float64Array(nFolds * k);
  const second = new Float64Array(nFolds * r * r);
  for (let i = 0; i < y.length; i++) {
    const f = folds[i] as number;
    const c = y[i] as number;
    counts[f * k + c] = (counts[f * k + c] as number) + 1;
    const so = (f * k + c) * r;
    const mo = f * r * r;
    for (let a = 0; a < r; a++) {
      const za = z[i * r + a] as number;
      sums[so + a] = (sums[so + a] as number) + za;
      for (let b = a; b < r; b++)
        second[mo + a * r + b] = (second[mo + a * r + b] as number) + za * (z[i * r + b] as number);
    }
  }
  return { sums, counts, second };
}

/** The class means and pooled within-class covariance of every fold but `skip` (-1: all folds). */
function trainStats(s: FoldSums, nFolds: number, skip: number, k: number, r: number) {
  const sums = new Float64Array(k * r);
  const counts = new Float64Array(k);
  const cov = new Float64Array(r * r);
  for (let f = 0; f < nFolds; f++) {
    if (f === skip) continue;
    for (let i = 0; i < k * r; i++) sums[i] = (sums[i] as number) + (s.sums[f * k * r + i] as number);
    for (let c = 0; c < k; c++) counts[c] = (counts[c] as number) + (s.counts[f * k + c] as number);
    for (let i = 0; i < r * r; i++) cov[i] = (cov[i] as number) + (s.second[f * r * r + i] as number);
  }
  let n = 0;
  let present = 0;
  const means = new Float64Array(k * r);
  for (let c = 0; c < k; c++) {
    const nc = counts[c] as number;
    if (nc === 0) continue;
    n += nc;
    present++;
    for (let a = 0; a < r; a++) means[c * r + a] = (sums[c * r + a] as number) / nc;
    // Within-class scatter: the second moment less each class's n_c μ μᵀ (upper triangle).
    for (let a = 0; a < r; a++) {
      const ma = means[c * r + a] as number;
      for (let b = a; b < r; b++)
        cov[a * r + b] = (cov[a * r + b] as number) - nc * ma * (means[c * r + b] as number);
    }
  }
  const dof = Math.max(1, n - present);
  for (let a = 0; a < r; a++)
    for (let b = a; b < r; b++) {
      const v = (cov[a * r + b] as number) / dof;
      cov[a * r + b] = v;
      cov[b * r + a] = v;
    }
  return { means, counts, cov };
}

/** Eigenvectors (columns of u, r x r row-major) and eigenvalues of a symmetric matrix. */
function eigen(cov: Float64Array, r: number): { u: Float64Array; values: Float64Array } {
  const e = new EigenvalueDecomposition(
    new MlMatrix(Array.from({ length: r }, (_, a) => Array.from(cov.subarray(a * r, (a + 1) * r)))),
    {
      assumeSymmetric: true,
    },
  );
  const u = new Float64Array(r * r);
  for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) u[a * r + b] = e.eigenvectorMatrix.get(a, b);
  return { u, values: Float64Array.from(e.realEigenvalues, (v) => Math.max(0, v)) };
}

/** The whitening of a shrunk covariance: rows diag(g) Uᵀ, g_i = ((1-λ)d_i + λ·mean d)^-½. */
function whitening(e: { u: Float64Array; values: Float64Array }, lambda: number, r: number): Float64Array {
  const average = e.values.reduce((s, v) => s + v, 0) / r || 1;
  const w = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    const g = 1 / Math.sqrt((1 - lambda) * (e.values[i] as number) + lambda * average);
    for (let a = 0; a < r; a++) w[i * r + a] = g * (e.u[a * r + i] as number);
  }
  return w;
}

/** rows (n x r) times wᵀ (w is r x r, rows the output coordinates). */
function transform(rows: Float64Array, n: number, w: Float64Array, r: number): Float64Array {
  const out = new Float64Array(n * r);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < r; o++) {
      let s = 0;
      for (let a = 0; a < r; a++) s += (w[o * r + a] as number) * (rows[i * r + a] as number);
      out[i * r + o] = s;
    }
  return out;
}

/**
 * Discriminant logits (n x k) of whitened rows: μ·z − ½|μ|² per modelled class, centred over the
 * modelled classes of each row, 0 for the others.
 */
function logits(
  zw: Float64Array,
  n: number,
  means: Float64Array,
  modelled: readonly boolean[],
  k: number,
  r: number,
): Float64Array {
  const half = Float64Array.from({ length: k }, (_, c) => {
    let s = 0;
    for (let a = 0; a < r; a++) s += (means[c * r + a] as number) ** 2;
    return s / 2;
  });
  const used = modelled.filter(Boolean).length || 1;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let c = 0; c < k; c++) {
      if (!modelled[c]) continue;
      let s = -(half[c] as number);
      for (let a = 0; a < r; a++) s += (means[c * r + a] as number) * (zw[i * r + a] as number);
      out[i * k + c] = s;
      total += s;
    }
    const centre = total / used;
    for (let c = 0; c < k; c++) if (modelled[c]) out[i * k + c] = (out[i * k + c] as number) - centre;
  }
  return out;
}

/** Whitened means of the modelled classes present in training (zero rows for the rest). */
function whitenedMeans(
  means: Float64Array,
  counts: Float64Array,
  modelled: readonly boolean[],
  w: Float64Array,
  k: number,
  r: number,
) {
  const out = transform(means, k, w, r);
  for (let c = 0; c < k; c++) if (!modelled[c] || counts[c] === 0) out.fill(0, c * r, (c + 1) * r);
  return out;
}

/** Calibrated probabilities (n x k) from logits and neighbour scores under the calibrator's parameters. */
function calibrated(
  theta: Float64Array,
  s: Float64Array,
  v: Float64Array,
  modelled: readonly boolean[],
  n: number,
  k: number,
): Float64Array {
  const [a, b, bSmall] = theta as unknown as [number, number, number];
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const o = i * k + c;
      const u =
        a * (s[o] as number) + (modelled[c] ? b : bSmall) * (v[o] as number) + (theta[3 + c] as number);
      p[o] = u;
      if (u > max) max = u;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((p[i * k + c] as number) - max);
      p[i * k + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) p[i * k + c] = (p[i * k + c] as number) / sum;
  }
  return p;
}

/** The calibrator fitted to held-out logits and votes: mean log-loss (each photo alike) plus a light L2 on the biases. */
function fitCalibrator(
  s: Float64Array,
  v: Float64Array,
  y: Int32Array,
  modelled: readonly boolean[],
  k: number,
) {
  const n = y.length;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    const p = calibrated(theta, s, v, modelled, n, k);
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i] as number;
      loss -= Math.log(Math.max(p[i * k + yi] as number, 1e-300)) / n;
      for (let c = 0; c < k; c++) {
        const o = i * k + c;
        const d = ((p[o] as number) - (c === yi ? 1 : 0)) / n;
        grad[0] = (grad[0] as number) + d * (s[o] as number);
        grad[modelled[c] ? 1 : 2] = (grad[modelled[c] ? 1 : 2] as number) + d * (v[o] as number);
        grad[3 + c] = (grad[3 + c] as number) + d;
      }
    }
    for (let c = 0; c < k; c++) {
      loss += 0.5e-3 * (theta[3 + c] as number) ** 2;
      grad[3 + c] = (grad[3 + c] as number) + 1e-3 * (theta[3 + c] as number);
    }
    return loss;
  };
  const start = new Float64Array(3 + k);
  start.set([1, 1, 1]);
  const { x, value } = minimize(objective, start, { maxIterations: 300, gradientTolerance: 1e-6 });
  return { theta: x, logLoss: value };
}

export function fitDiscriminantClassifier(
  samples: readonly Sample[],
  opts: { folds?: number; seed?: number; rank?: number } = {},
): DiscriminantClassifier {
  const classes = classesOf(samples);
  const k = classes.length;
  if (k < 2) throw new Error(`a classifier needs at least two labels, found ${k}`);
  const { x, dim, y } = trainingSet(samples, classes);
  const n = samples.length;
  const projection = fitPca({ rows: n, cols: dim, data: x }, opts.rank ?? PROJECTION_RANK, opts.seed ?? 1);
  const r = projection.k;
  const z = projectPca(projection, { rows: n, cols: dim, data: x });
  const patientsOf = classes.map(() => new Set<string>());
  samples.forEach((s, i) => patientsOf[y[i] as number]?.add(s.patient));
  const modelled = patientsOf.map((p) => p.size >= MODELLED_PATIENTS);

  const patients = new Set(samples.map((s) => s.patient)).size;
  const nFolds = Math.min(opts.folds ?? 5, patients);
  const folds = patientFolds(samples, nFolds, opts.seed ?? 1);
  const sums = foldSums(z, y, folds, nFolds, k, r);
  // Out-of-fold logits of every penalty: one eigendecomposition per fold serves the whole path.
  const path = shrinkages.map(() => new Float64Array(n * k));
  for (let f = 0; f < nFolds; f++) {
    const test = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (test.length === 0) continue;
    const stats = trainStats(sums, nFolds, f, k, r);
    const e = eigen(stats.cov, r);
    const zt = new Float64Array(test.length * r);
    test.forEach((i, j) => zt.set(z.subarray(i * r, (i + 1) * r), j * r));
    shrinkages.forEach((lambda, li) => {
      const w = whitening(e, lambda, r);
      const l = logits(
        transform(zt, test.length, w, r),
        test.length,
        whitenedMeans(stats.means, stats.counts, modelled, w, k, r),
        modelled,
        k,
        r,
      );
      test.forEach((i, j) => (path[li] as Float64Array).set(l.subarray(j * k, (j + 1) * k), i * k));
    });
  }
  let best = { index: 0, logLoss: Infinity };
  path.forEach((l, index) => {
    const { logLoss } = fitTemperature(l, y, k);
    if (logLoss < best.logLoss) best = { index, logLoss };
  });
  const projected = samples.map((s, i) => ({
    ...s,
    vector: Float32Array.from(z.subarray(i * r, (i + 1) * r)),
  }));
  const votes = outOfFoldNeighbours(projected, y, k, folds);
  const { theta, logLoss } = fitCalibrator(path[best.index] as Float64Array, votes, y, modelled, k);

  const lambda = shrinkages[best.index] as number;
  const all = trainStats(sums, nFolds, -1, k, r);
  const whiten = whitening(eigen(all.cov, r), lambda, r);
  return {
    scheme: 'discriminant',
    classes,
    projection,
    whiten,
    means: whitenedMeans(all.means, all.counts, modelled, whiten, k, r),
    modelled,
    neighbours: neighbourVotes(
      projected.map((s) => s.vector),
      y,
      k,
    ),
    calibrator: theta,
    lambda,
    cvLogLoss: logLoss - 0.5e-3 * theta.subarray(3).reduce((s, b) => s + b * b, 0),
    folds: nFolds,
  };
}

/** Calibrated probabilities (n x classes, rows summing to 1) for raw feature rows. */
export function classifyDiscriminant(clf: DiscriminantClassifier, x: Float32Array, n: number): Float64Array {
  const r = clf.projection.k;
  const k = clf.classes.length;
  const z = projectPca(clf.projection, { rows: n, cols: clf.projection.dim, data: x });
  const s = logits(transform(z, n, clf.whiten, r), n, clf.means, clf.modelled, k, r);
  const v = neighbourScores(clf.neighbours, Float32Array.from(z), n);
  return calibrated(clf.calibrator, s, v, clf.modelled, n, k);
}

/** The fitted parts as plain JSON values (numbers round-trip exactly through JSON). */
export type DiscriminantParts = Omit<
  DiscriminantClassifier,
  'neighbours' | 'projection' | 'whiten' | 'means' | 'calibrator'
> & {
  projection: { mean: number[]; components: number[]; k: number; dim: number; explained: number[] };
  whiten: number[];
  means: number[];
  calibrator: number[];
};

export function discriminantParts(clf: DiscriminantClassifier): DiscriminantParts {
  const { neighbours: _neighbours, projection: p, whiten, means, calibrator, ...rest } = clf;
  return {
    ...rest,
    projection: { ...p, mean: Array.from(p.mean), components: Array.from(p.components) },
    whiten: Array.from(whiten),
    means: Array.from(means),
    calibrator: Array.from(calibrator),
  };
}

/** The classifier of `samples` from parts fitted to the same samples: the nearest-case votes rebuilt. */
export function restoreDiscriminant(
  parts: DiscriminantParts,
  samples: readonly Sample[],
): DiscriminantClassifier {
  const classes = classesOf(samples);
  if (classes.join('\n') !== parts.classes.join('\n'))
    throw new Error('stored classifier parts do not belong to these samples (their classes differ)');
  const projection: Pca = {
    ...parts.projection,
    mean: Float64Array.from(parts.projection.mean),
    components: Float64Array.from(parts.projection.components),
  };
  const { x, dim, y } = trainingSet(samples, classes);
  const z = projectPca(projection, { rows: samples.length, cols: dim, data: x });
  const r = projection.k;
  return {
    ...parts,
    projection,
    whiten: Float64Array.from(parts.whiten),
    means: Float64Array.from(parts.means),
    calibrator: Float64Array.from(parts.calibrator),
    neighbours: neighbourVotes(
      samples.map((_, i) => Float32Array.from(z.subarray(i * r, (i + 1) * r))),
      y,
      classes.length,
    ),
  };
}
