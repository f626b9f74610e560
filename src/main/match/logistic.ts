import { minimize } from './lbfgs.js';

/**
 * Multinomial logistic regression, L2-regularised and class-balanced (each class weighs the same in the
 * loss whatever its number of photos). Features are standardised with the training set's mean and
 * spread, so one penalty fits embeddings and hand-made features alike.
 */
export interface LogisticModel {
  classes: string[];
  dim: number;
  mean: Float64Array;
  scale: Float64Array;
  /** classes x (dim + 1): weights then bias, per class. */
  weights: Float64Array;
  lambda: number;
}

export interface TrainingSet {
  /** n x dim, row-major. */
  x: Float32Array;
  dim: number;
  /** Class index of each row. */
  y: Int32Array;
  classes: string[];
}

function standardisation(
  x: Float32Array,
  n: number,
  dim: number,
): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dim; c++) {
      const v = x[r * dim + c] as number;
      mean[c] = (mean[c] as number) + v;
      sq[c] = (sq[c] as number) + v * v;
    }
  const scale = new Float64Array(dim);
  for (let c = 0; c < dim; c++) {
    mean[c] = (mean[c] as number) / n;
    const sd = Math.sqrt(Math.max(0, (sq[c] as number) / n - (mean[c] as number) ** 2));
    scale[c] = sd > 1e-12 ? 1 / sd : 0;
  }
  return { mean, scale };
}

function standardised(
  x: Float32Array,
  n: number,
  dim: number,
  mean: Float64Array,
  scale: Float64Array,
): Float64Array {
  const z = new Float64Array(n * dim);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dim; c++)
      z[r * dim + c] = ((x[r * dim + c] as number) - (mean[c] as number)) * (scale[c] as number);
  return z;
}

/** Raw scores (n x classes) of standardised rows. */
function scores(z: Float64Array, n: number, dim: number, w: Float64Array, k: number): Float64Array {
  const out = new Float64Array(n * k);
  const stride = dim + 1;
  for (let r = 0; r < n; r++) {
    const zo = r * dim;
    for (let c = 0; c < k; c++) {
      const wo = c * stride;
      let s = w[wo + dim] as number;
      for (let j = 0; j < dim; j++) s += (w[wo + j] as number) * (z[zo + j] as number);
      out[r * k + c] = s;
    }
  }
  return out;
}

/** In place: each row of logits becomes its softmax. */
export function softmaxRows(logits: Float64Array, k: number): Float64Array {
  for (let o = 0; o < logits.length; o += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[o + c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((logits[o + c] as number) - max);
      logits[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) logits[o + c] = (logits[o + c] as number) / sum;
  }
  return logits;
}

export function fitLogistic(
  data: TrainingSet,
  lambda: number,
  warmStart?: Float64Array,
  opts: { balanced?: boolean } = {},
): LogisticModel {
  const { x, dim, y, classes } = data;
  const n = y.length;
  const k = classes.length;
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
  const present = counts.filter((c) => c > 0).length;
  // Class-balanced weights summing to 1: each present class carries 1/present of the loss. Unbalanced
  // (for calibration, which must keep the training frequencies): each row 1/n.
  const rowWeight = Float64Array.from(y, (c) =>
    opts.balanced === false ? 1 / n : 1 / (present * (counts[c] as number)),
  );
  const { mean, scale } = standardisation(x, n, dim);
  const z = standardised(x, n, dim, mean, scale);
  const stride = dim + 1;
  const objective = (w: Float64Array, grad: Float64Array): number => {
    const p = softmaxRows(scores(z, n, dim, w, k), k);
    grad.fill(0);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const wr = rowWeight[r] as number;
      const yr = y[r] as number;
      loss -= wr * Math.log(Math.max(p[r * k + yr] as number, 1e-300));
      for (let c = 0; c < k; c++) {
        const d = wr * ((p[r * k + c] as number) - (c === yr ? 1 : 0));
        if (d === 0) continue;
        const go = c * stride;
        for (let j = 0; j < dim; j++)
          grad[go + j] = (grad[go + j] as number) + d * (z[r * dim + j] as number);
        grad[go + dim] = (grad[go + dim] as number) + d;
      }
    }
    for (let c = 0; c < k; c++)
      for (let j = 0; j < dim; j++) {
        const i = c * stride + j;
        loss += 0.5 * lambda * (w[i] as number) ** 2;
        grad[i] = (grad[i] as number) + lambda * (w[i] as number);
      }
    return loss;
  };
  const start = warmStart ?? new Float64Array(k * stride);
  // The loss is an average (weights sum to 1): 1e-5 on the gradient is far below what moves a probability.
  const { x: weights } = minimize(objective, start, { maxIterations: 200, gradientTolerance: 1e-5 });
  return { classes, dim, mean, scale, weights, lambda };
}

/** Logits (n x classes) for raw rows of the model's dimension. */
export function logisticLogits(model: LogisticModel, x: Float32Array, n: number): Float64Array {
  if (x.length !== n * model.dim) throw new Error(`logisticLogits: expected ${n} x ${model.dim} values`);
  return scores(
    standardised(x, n, model.dim, model.mean, model.scale),
    n,
    model.dim,
    model.weights,
    model.classes.length,
  );
}
