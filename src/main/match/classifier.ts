import { calibratedProbabilities, fitTemperature } from './calibration.js';
import { patientFolds } from './folds.js';
import { fitLogistic, logisticLogits, type LogisticModel } from './logistic.js';
import { classesOf, subset, trainingSet, type Sample } from './samples.js';

/**
 * A calibrated classifier: class-balanced L2 logistic regression whose penalty is chosen, and whose
 * temperature is fitted, on patient-level cross-validation predictions over the training samples.
 */
export interface CalibratedClassifier {
  classes: string[];
  model: LogisticModel;
  temperature: number;
  /** Held-out log-loss (after temperature) of the chosen penalty, over the cross-validation folds. */
  cvLogLoss: number;
  folds: number;
}

export interface ClassifierOptions {
  folds?: number;
  /** Penalties tried, strongest first. */
  lambdas?: number[];
  seed?: number;
}

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

export function fitCalibratedClassifier(
  samples: readonly Sample[],
  opts: ClassifierOptions = {},
): CalibratedClassifier {
  const classes = classesOf(samples);
  if (classes.length < 2) throw new Error(`a classifier needs at least two labels, found ${classes.length}`);
  const patients = new Set(samples.map((s) => s.patient)).size;
  const nFolds = Math.min(opts.folds ?? 5, patients);
  const folds = patientFolds(samples, nFolds, opts.seed ?? 1);
  const all = trainingSet(samples, classes);
  const lambdas = opts.lambdas ?? defaultLambdas;
  const path = outOfFoldLogitsPath(samples, classes, folds, lambdas);
  let best = { index: 0, temperature: 1, logLoss: Infinity };
  path.logits.forEach((logits, index) => {
    const { temperature, logLoss } = fitTemperature(logits, all.y, classes.length);
    if (logLoss < best.logLoss) best = { index, temperature, logLoss };
  });
  // The last fold's solution at the chosen penalty is a close start for the fit on everything.
  const model = fitLogistic(all, lambdas[best.index] as number, path.lastWeights[best.index]);
  return { classes, model, temperature: best.temperature, cvLogLoss: best.logLoss, folds: nFolds };
}

/** Calibrated probabilities (n x classes, rows summing to 1) for raw feature rows. */
export function classify(clf: CalibratedClassifier, x: Float32Array, n: number): Float64Array {
  return calibratedProbabilities(logisticLogits(clf.model, x, n), clf.classes.length, clf.temperature);
}
