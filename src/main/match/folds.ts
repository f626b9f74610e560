import { seededRandom, shuffled } from './random.js';

/**
 * Patient-level K-fold assignment: every photo of a patient falls in the same fold, so no photo of a
 * test patient is ever in training. Patients are dealt round-robin within each label (after a seeded
 * shuffle), which keeps each label's share alike across folds.
 * Returns the fold of each item, in item order.
 */
export function patientFolds(
  items: readonly { patient: string; label: string }[],
  k: number,
  seed = 1,
): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`patientFolds: need at least 2 folds, got ${k}`);
  const labelOf = new Map<string, string>();
  for (const it of items) if (!labelOf.has(it.patient)) labelOf.set(it.patient, it.label);
  const byLabel = new Map<string, string[]>();
  for (const [patient, label] of labelOf) byLabel.set(label, [...(byLabel.get(label) ?? []), patient]);
  const rand = seededRandom(seed);
  const foldOf = new Map<string, number>();
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const patient of shuffled((byLabel.get(label) ?? []).sort(), rand)) {
      foldOf.set(patient, next % k);
      next++;
    }
  }
  return items.map((it) => foldOf.get(it.patient) as number);
}
