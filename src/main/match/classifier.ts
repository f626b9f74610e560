import { fitTemperature } from './calibration.js';
import { patientFolds } from './folds.js';
import {
  fitLogistic,
  logisticLogits,
  softmaxRows,
  type LogisticModel,
  type TrainingSet,
} from './logistic.js';
import { neighbourScores, neighbourVotes, type NeighbourVotes } from './neighbours.js';
import { classesOf, subset, trainingSet, type Sample } from './samples.js';

/**
 * A calibrated classifier: class-balanced L2 logistic regression (penalty chosen on patient-level
 * cross-validation predictions) whose logits are combined with nearest-case votes by a calibrator: a
 * small unweighted logistic regression over [logits, neighbour log scores], fitted to the
 * cross-validation predictions of both, so its probabilities keep the training set's frequencies.
 */
export interface CalibratedClassifier {
  classes: string[];
  model: LogisticModel;
  neighbours: NeighbourVotes;
  calibrator: LogisticModel;
  /** The temperature that alone would calibrate the logistic regression's held-out logits (for reference). */
  temperature: number;
  /** Log-loss of the calibrated output on the cross-validation predictions it was fitted to. */
  cvLogLoss: number;
  folds: number;
}

export interface ClassifierOptions {
  folds?: number;
  /** Penalties tried, strongest first. */
  lambdas?: number[];
  seed?: number;
}

export const CALIBRATION =
  'class-balanced L2 logistic regression (penalty chosen on patient-level cross-validation) and nearest-case votes (10 nearest photos), combined and calibrated by an unweighted logistic regression fitted to their patient-level cross-validation predictions';

export const defaultLambdas = [1, 0.1, 0.01];

/**
 * Out-of-fold logits (n x classes) for each penalty of a path, strongest first. Within a fold each fit
 * starts from the previous penalty's solution, which is close: the path costs little more than one fit.
 */
export function outOfFoldLogitsPath(
  samples: readonly Sample[],
  classes: string[],
  folds: number[],
  lambdas: readonly number[],
): { logits: Float64Array[]; lastWeights: Float64Array[] } {
  const k = classes.length;
  const logits = lambdas.map(() => new Float64Array(samples.length * k));
  const lastWeights: Float64Array[] = [];
  const nFolds = Math.max(...folds) + 1;
  for (let f = 0; f < nFolds; f++) {
    const train = subset(samples, (i) => folds[i] !== f);
    const testIdx = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (testIdx.length === 0 || train.length === 0) continue;
    const data = trainingSet(train, classes);
    const test = trainingSet(
      testIdx.map((i) => samples[i] as Sample),
      classes,
    );
    let start: Float64Array | undefined;
    lambdas.forEach((lambda, li) => {
      const model = fitLogistic(data, lambda, start);
      start = model.weights;
      lastWeights[li] = model.weights;
      const l = logisticLogits(model, test.x, testIdx.length);
      testIdx.forEach((i, j) => (logits[li] as Float64Array).set(l.subarray(j * k, (j + 1) * k), i * k));
    });
  }
  return { logits, lastWeights };
}

/** Out-of-fold logits (n x classes) of a fixed penalty. */
export function outOfFoldLogits(
  samples: readonly Sample[],
  classes: string[],
  folds: number[],
  lambda: number,
): Float64Array {
  return outOfFoldLogitsPath(samples, classes, folds, [lambda]).logits[0] as Float64Array;
}

/** The calibrator's input: logits then neighbour scores, per row. */
function calibratorInput(logits: Float64Array, scores: Float64Array, n: number, k: number): Float32Array {
  const x = new Float32Array(n * 2 * k);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++) {
      x[r * 2 * k + c] = logits[r * k + c] as number;
      x[r * 2 * k + k + c] = scores[r * k + c] as number;
    }
  return x;
}

/** Out-of-fold neighbour scores: each fold's photos against the other folds' photos only. */
export function outOfFoldNeighbours(
  samples: readonly Sample[],
  y: Int32Array,
  k: number,
  folds: number[],
): Float64Array {
  const out = new Float64Array(samples.length * k);
  const nFolds = Math.max(...folds) + 1;
  for (let f = 0; f < nFolds; f++) {
    const trainIdx = folds.flatMap((g, i) => (g !== f ? [i] : []));
    const testIdx = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (testIdx.length === 0 || trainIdx.length === 0) continue;
    const votes = neighbourVotes(
      trainIdx.map((i) => (samples[i] as Sample).vector),
      Int32Array.from(trainIdx, (i) => y[i] as number),
      k,
    );
    const dim = (samples[0] as Sample).vector.length;
    const x = new Float32Array(testIdx.length * dim);
    testIdx.forEach((i, j) => x.set((samples[i] as Sample).vector, j * dim));
    const scores = neighbourScores(votes, x, testIdx.length);
    testIdx.forEach((i, j) => out.set(scores.subarray(j * k, (j + 1) * k), i * k));
  }
  return out;
}

export function fitCalibratedClassifier(
  samples: readonly Sample[],
  opts: ClassifierOptions = {},
): CalibratedClassifier {
  const classes = classesOf(samples);
  if (classes.length < 2) throw new Error(`a classifier needs at least two labels, found ${classes.length}`);
  const k = classes.length;
  const patients = new Set(samples.map((s) => s.patient)).size;
  const nFolds = Math.min(opts.folds ?? 5, patients);
  const folds = patientFolds(samples, nFolds, opts.seed ?? 1);
  const all = trainingSet(samples, classes);
  const lambdas = opts.lambdas ?? defaultLambdas;
  const path = outOfFoldLogitsPath(samples, classes, folds, lambdas);
  let best = { index: 0, temperature: 1, logLoss: Infinity };
  path.logits.forEach((logits, index) => {
    const { temperature, logLoss } = fitTemperature(logits, all.y, k);
    if (logLoss < best.logLoss) best = { index, temperature, logLoss };
  });
  const n = samples.length;
  const stacked: TrainingSet = {
    x: calibratorInput(
      path.logits[best.index] as Float64Array,
      outOfFoldNeighbours(samples, all.y, k, folds),
      n,
      k,
    ),
    dim: 2 * k,
    y: all.y,
    classes,
  };
  const calibrator = fitLogistic(stacked, 1e-3, undefined, { balanced: false });
  const p = softmaxRows(logisticLogits(calibrator, stacked.x, n), k);
  let logLoss = 0;
  for (let r = 0; r < n; r++)
    logLoss -= Math.log(Math.max(p[r * k + (all.y[r] as number)] as number, 1e-300));
  // The last fold's solution at the chosen penalty is a close start for the fit on everything.
  const model = fitLogistic(all, lambdas[best.index] as number, path.lastWeights[best.index]);
  return {
    classes,
    model,
    neighbours: neighbourVotes(
      samples.map((s) => s.vector),
      all.y,
      k,
    ),
    calibrator,
    temperature: best.temperature,
    cvLogLoss: logLoss / n,
    folds: nFolds,
  };
}

/** A classifier less its nearest-case index, which is rebuilt from the same samples. */
export type ClassifierParts = Omit<CalibratedClassifier, 'neighbours' | 'model' | 'calibrator'> & {
  model: StoredModel;
  calibrator: StoredModel;
};
type StoredModel = Omit<LogisticModel, 'mean' | 'scale' | 'weights'> & {
  mean: number[];
  scale: number[];
  weights: number[];
};

const storedModel = (m: LogisticModel): StoredModel => ({
  ...m,
  mean: Array.from(m.mean),
  scale: Array.from(m.scale),
  weights: Array.from(m.weights),
});
const liveModel = (m: StoredModel): LogisticModel => ({
  ...m,
  mean: Float64Array.from(m.mean),
  scale: Float64Array.from(m.scale),
  weights: Float64Array.from(m.weights),
});

/** The fitted parts of a classifier as plain JSON values (numbers round-trip exactly through JSON). */
export function classifierParts(clf: CalibratedClassifier): ClassifierParts {
  const { neighbours: _neighbours, model, calibrator, ...rest } = clf;
  return { ...rest, model: storedModel(model), calibrator: storedModel(calibrator) };
}

/** The classifier of `samples` from parts fitted to the same samples. */
export function restoreClassifier(parts: ClassifierParts, samples: readonly Sample[]): CalibratedClassifier {
  const classes = classesOf(samples);
  if (classes.join('\n') !== parts.classes.join('\n'))
    throw new Error('stored classifier parts do not belong to these samples (their classes differ)');
  return {
    ...parts,
    model: liveModel(parts.model),
    calibrator: liveModel(parts.calibrator),
    neighbours: neighbourVotes(
      samples.map((s) => s.vector),
      trainingSet(samples, classes).y,
      classes.length,
    ),
  };
}

/** Calibrated probabilities (n x classes, rows summing to 1) for raw feature rows. */
export function classify(clf: CalibratedClassifier, x: Float32Array, n: number): Float64Array {
  const k = clf.classes.length;
  const input = calibratorInput(logisticLogits(clf.model, x, n), neighbourScores(clf.neighbours, x, n), n, k);
  return softmaxRows(logisticLogits(clf.calibrator, input, n), k);
}
