import { outOfFoldLogits } from './classifier.js';
import { crossValidatedPredictions } from './evaluation.js';
import { patientFolds } from './folds.js';
import { auc, oneVsRestAuc, oneVsRestBrier, withInterval, type Interval } from './metrics.js';
import { seededRandom, shuffled } from './random.js';
import type { Sample } from './samples.js';

export interface GroupResult {
  patients: number;
  controls: number;
  /** Cross-validated AUC of the calibrated classifier, syndrome vs controls, 95% interval over patients. */
  auc: Interval;
  brier: Interval;
  /** Permutation test of the cross-validated AUC: patients' labels shuffled, (1 + #{AUC_perm >= AUC}) / (1 + n). */
  permutationP: number;
  permutations: number;
}

const CASE = 'case';
const CONTROL = 'control';

/** Held-out AUC of a fixed-penalty logistic regression: the permutation test's statistic (cheap to refit). */
function foldAuc(samples: readonly Sample[], folds: number[]): number {
  const logits = outOfFoldLogits(samples, [CASE, CONTROL], folds, 0.1);
  return auc(
    Array.from(samples, (_, i) => (logits[2 * i] as number) - (logits[2 * i + 1] as number)),
    samples.map((s) => s.label === CASE),
  );
}

/**
 * PhenoScore's question: can a syndrome's patients be told from matched controls by face? Both sets are
 * relabelled case/control; evaluation is patient-level K-fold throughout.
 */
export function groupQuestion(
  cases: readonly Sample[],
  controls: readonly Sample[],
  opts: { folds?: number; permutations?: number; seed?: number } = {},
): GroupResult {
  const folds = opts.folds ?? 5;
  const permutations = opts.permutations ?? 200;
  const samples: Sample[] = [
    ...cases.map((s) => ({ ...s, label: CASE })),
    ...controls.map((s) => ({ ...s, label: CONTROL })),
  ];
  const preds = crossValidatedPredictions(samples, { folds, seed: opts.seed });
  const c = preds.classes.indexOf(CASE);
  const foldOf = patientFolds(samples, folds, opts.seed ?? 1);
  const observed = foldAuc(samples, foldOf);
  const patientLabel = new Map(samples.map((s) => [s.patient, s.label]));
  const patients = [...patientLabel.keys()];
  const rand = seededRandom((opts.seed ?? 1) + 1);
  let atLeast = 0;
  for (let i = 0; i < permutations; i++) {
    const relabel = new Map(
      shuffled(
        patients.map((p) => patientLabel.get(p) as string),
        rand,
      ).map((l, j) => [patients[j] as string, l]),
    );
    const permuted = samples.map((s) => ({ ...s, label: relabel.get(s.patient) as string }));
    if (foldAuc(permuted, patientFolds(permuted, folds, opts.seed ?? 1)) >= observed) atLeast++;
  }
  return {
    patients: new Set(cases.map((s) => s.patient)).size,
    controls: new Set(controls.map((s) => s.patient)).size,
    auc: withInterval(preds, oneVsRestAuc(c)),
    brier: withInterval(preds, oneVsRestBrier(c)),
    permutationP: (1 + atLeast) / (1 + permutations),
    permutations,
  };
}

/** An equal number of control patients (all their photos), drawn at random with a seed. */
export function sampleControls(controls: readonly Sample[], patients: number, seed = 1): Sample[] {
  const ids = shuffled([...new Set(controls.map((s) => s.patient))].sort(), seededRandom(seed)).slice(
    0,
    patients,
  );
  const keep = new Set(ids);
  return controls.filter((s) => keep.has(s.patient));
}
