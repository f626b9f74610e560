import {
  CALIBRATION,
  classifierParts,
  classify,
  fitCalibratedClassifier,
  restoreClassifier,
  type CalibratedClassifier,
  type ClassifierParts,
} from './classifier.js';
import {
  classifyDiscriminant,
  DISCRIMINANT_CALIBRATION,
  discriminantParts,
  fitDiscriminantClassifier,
  restoreDiscriminant,
  type DiscriminantClassifier,
  type DiscriminantParts,
} from './discriminant.js';
import type { Sample } from './samples.js';

/**
 * The gallery's classifier: the calibrated logistic regression where its fit is quick (its cost grows
 * as photos x values x classes, times folds, penalties and iterations), the shrinkage discriminant in a
 * shared low-rank projection beyond (bench:matcher: 8,000 faces / 300 labels in well under a minute).
 */
export type GalleryClassifier = CalibratedClassifier | DiscriminantClassifier;
export type GalleryClassifierParts = ClassifierParts | DiscriminantParts;

/** Photos x values x classes from which the discriminant is fitted (500 x 1024 x 40 took a minute). */
export const DISCRIMINANT_FROM = 10_000_000;

/** `scheme`: the one to fit whatever the size (benchmarks compare the two on one gallery). */
export function fitGalleryClassifier(
  samples: readonly Sample[],
  scheme?: 'logistic' | 'discriminant',
): GalleryClassifier {
  const dim = samples[0]?.vector.length ?? 0;
  const classes = new Set(samples.map((s) => s.label)).size;
  const chosen =
    scheme ?? (samples.length * dim * classes >= DISCRIMINANT_FROM ? 'discriminant' : 'logistic');
  return chosen === 'discriminant' ? fitDiscriminantClassifier(samples) : fitCalibratedClassifier(samples);
}

const isDiscriminant = (c: GalleryClassifier | GalleryClassifierParts): c is DiscriminantClassifier =>
  'scheme' in c && c.scheme === 'discriminant';

/** Calibrated probabilities (n x classes, rows summing to 1) for raw feature rows. */
export function classifyGallery(clf: GalleryClassifier, x: Float32Array, n: number): Float64Array {
  return isDiscriminant(clf) ? classifyDiscriminant(clf, x, n) : classify(clf, x, n);
}

/** How the classifier was calibrated, in words, and its penalty. */
export function calibrationOf(clf: GalleryClassifier): { method: string; lambda: number } {
  return isDiscriminant(clf)
    ? { method: DISCRIMINANT_CALIBRATION, lambda: clf.lambda }
    : { method: CALIBRATION, lambda: clf.model.lambda };
}

export function galleryClassifierParts(clf: GalleryClassifier): GalleryClassifierParts {
  return isDiscriminant(clf) ? discriminantParts(clf) : classifierParts(clf);
}

export function restoreGalleryClassifier(
  parts: GalleryClassifierParts,
  samples: readonly Sample[],
): GalleryClassifier {
  return 'scheme' in parts && parts.scheme === 'discriminant'
    ? restoreDiscriminant(parts, samples)
    : restoreClassifier(parts as ClassifierParts, samples);
}
