import { classify, fitCalibratedClassifier } from './classifier.js';
import { patientFolds } from './folds.js';
import { projectSamples, trainHead, type HeadOptions } from './head.js';
import {
  brier,
  ece,
  oneVsRestAuc,
  oneVsRestBrier,
  topKPerImage,
  topKPerLabel,
  withInterval,
  type Interval,
  type Predictions,
} from './metrics.js';
import { classesOf, subset, trainingSet, type Sample } from './samples.js';

/** Trains on `train` and returns calibrated probabilities (test rows x classes) for `test`. */
export type FitPredict = (train: Sample[], test: Sample[], classes: string[]) => Float64Array;

/** The default learner: the calibrated, class-balanced logistic regression over the samples' vectors. */
export const calibratedLogistic: FitPredict = (train, test, classes) => {
  const clf = fitCalibratedClassifier(train);
  const probs = classify(clf, trainingSet(test, clf.classes).x, test.length);
  // The fold's classifier may lack a class that no training patient had: give it probability 0.
  const k = classes.length;
  const out = new Float64Array(test.length * k);
  clf.classes.forEach((name, c) => {
    const to = classes.indexOf(name);
    for (let r = 0; r < test.length; r++) out[r * k + to] = probs[r * clf.classes.length + c] as number;
  });
  return out;
};

/** The learnt space: a projection head trained on the training fold only, then the calibrated classifier in it. */
export function learntSpace(options: HeadOptions = {}): FitPredict {
  return (train, test, classes) => {
    const head = trainHead(train, options);
    return calibratedLogistic(projectSamples(head, train), projectSamples(head, test), classes);
  };
}

/** Patient-level K-fold held-out predictions for every sample. */
export function crossValidatedPredictions(
  samples: readonly Sample[],
  opts: { folds: number; seed?: number; fitPredict?: FitPredict },
): Predictions {
  const classes = classesOf(samples);
  const k = classes.length;
  const folds = patientFolds(samples, opts.folds, opts.seed ?? 1);
  const fitPredict = opts.fitPredict ?? calibratedLogistic;
  const probs = new Float64Array(samples.length * k);
  for (let f = 0; f < opts.folds; f++) {
    const testIdx = folds.flatMap((g, i) => (g === f ? [i] : []));
    if (testIdx.length === 0) continue;
    const p = fitPredict(
      subset(samples, (i) => folds[i] !== f),
      testIdx.map((i) => samples[i] as Sample),
      classes,
    );
    testIdx.forEach((i, j) => probs.set(p.subarray(j * k, (j + 1) * k), i * k));
  }
  return {
    classes,
    probs,
    y: Int32Array.from(samples, (s) => classes.indexOf(s.label)),
    patient: samples.map((s) => s.patient),
  };
}

export interface EvaluationReport {
  images: number;
  patients: number;
  classes: string[];
  /** Top-k accuracy over photos, for k = 1, 5, 10, 30 (k at or above the number of classes is trivially 1). */
  topKPerImage: Record<string, Interval>;
  /** Top-k accuracy of each label, averaged over labels. */
  topKPerLabel: Record<string, Interval>;
  /** One-vs-rest AUC of each label. */
  auc: Record<string, Interval>;
  /** Multi-class Brier score (sum over classes). */
  brier: Interval;
  /** One-vs-rest Brier score of each label. */
  brierByLabel: Record<string, Interval>;
  /** Expected calibration error of the top label, 15 bins. */
  ece: Interval;
}

export function summarise(p: Predictions, bootstrap = 1000): EvaluationReport {
  const ks = [1, 5, 10, 30];
  const byLabel = (m: (c: number) => Parameters<typeof withInterval>[1]) =>
    Object.fromEntries(p.classes.map((name, c) => [name, withInterval(p, m(c), bootstrap)]));
  return {
    images: p.y.length,
    patients: new Set(p.patient).size,
    classes: p.classes,
    topKPerImage: Object.fromEntries(ks.map((k) => [`top${k}`, withInterval(p, topKPerImage(k), bootstrap)])),
    topKPerLabel: Object.fromEntries(ks.map((k) => [`top${k}`, withInterval(p, topKPerLabel(k), bootstrap)])),
    auc: byLabel(oneVsRestAuc),
    brier: withInterval(p, brier, bootstrap),
    brierByLabel: byLabel(oneVsRestBrier),
    ece: withInterval(p, ece, bootstrap),
  };
}

/** Mean one-vs-rest AUC over labels. */
export function macroAuc(r: EvaluationReport): number {
  const v = Object.values(r.auc).map((iv) => iv.value);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * The learnt space is used only when it beats the raw one in the same patient-level evaluation: a higher
 * mean one-vs-rest AUC and a lower Brier score, both.
 */
export function learntBeatsRaw(raw: EvaluationReport, learnt: EvaluationReport): boolean {
  return macroAuc(learnt) > macroAuc(raw) && learnt.brier.value < raw.brier.value;
}
