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

/** Out-of-fold logits (n x classes) of a fixed penalty. */
export function outOfFoldLogits(
  samples: readonly Sample[],
  classes: string[],
  folds: number[],
  lambda: number,
): Float64Array {
  const k = classes.length;
  const logits = new Float64Array(samples.length * k);
  const nFolds = Math.max(...folds) + 1;
  for (let f = 0; f < nFolds; f++) {
    const train = subset(samples, (i) => folds[i] !== f);
    const testIdx = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (testIdx.length === 0 || train.length === 0) continue;
    const model = fitLogistic(trainingSet(train, classes), lambda);
    const test = trainingSet(
      testIdx.map((i) => samples[i] as Sample),
      classes,
    );
    const l = logisticLogits(model, test.x, testIdx.length);
    testIdx.forEach((i, j) => logits.set(l.subarray(j * k, (j + 1) * k), i * k));
  }
  return logits;
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
  let best = { lambda: NaN, temperature: 1, logLoss: Infinity };
  for (const lambda of opts.lambdas ?? defaultLambdas) {
    const logits = outOfFoldLogits(samples, classes, folds, lambda);
    const { temperature, logLoss } = fitTemperature(logits, all.y, classes.length);
    if (logLoss < best.logLoss) best = { lambda, temperature, logLoss };
  }
  const model = fitLogistic(all, best.lambda);
  return { classes, model, temperature: best.temperature, cvLogLoss: best.logLoss, folds: nFolds };
}

/** Calibrated probabilities (n x classes, rows summing to 1) for raw feature rows. */
export function classify(clf: CalibratedClassifier, x: Float32Array, n: number): Float64Array {
  return calibratedProbabilities(logisticLogits(clf.model, x, n), clf.classes.length, clf.temperature);
}
