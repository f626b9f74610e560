import { createHash } from 'node:crypto';
import { seededRandom, shuffled } from './random.js';

interface FoldItem {
  patient: string;
  label: string;
  vector?: Float32Array;
}

/**
 * Patient-level K-fold assignment: every photo of a patient falls in the same fold, so no photo of a
 * test patient is ever in training. Patients are dealt round-robin within each label (after a seeded
 * shuffle), which keeps each label's share alike across folds.
 * Patients are ordered by their faces' vectors where given, not by their ids, so that the same gallery
 * under other pseudonyms (a pack added at another centre) gets the same folds and the same calibration.
 * Returns the fold of each item, in item order.
 */
export function patientFolds(items: readonly FoldItem[], k: number, seed = 1): number[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`patientFolds: need at least 2 folds, got ${k}`);
  const labelOf = new Map<string, string>();
  for (const it of items) if (!labelOf.has(it.patient)) labelOf.set(it.patient, it.label);
  const orderKey = patientOrderKeys(items);
  const byLabel = new Map<string, string[]>();
  for (const [patient, label] of labelOf) byLabel.set(label, [...(byLabel.get(label) ?? []), patient]);
  const rand = seededRandom(seed);
  const foldOf = new Map<string, number>();
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const patients = (byLabel.get(label) ?? []).sort((a, b) =>
      compare(orderKey.get(a) as string, orderKey.get(b) as string),
    );
    for (const patient of shuffled(patients, rand)) {
      foldOf.set(patient, next % k);
      next++;
    }
  }
  return items.map((it) => foldOf.get(it.patient) as number);
}

/** A patient's key: a digest of the digests of its vectors, in sorted order; its id when it has none. */
function patientOrderKeys(items: readonly FoldItem[]): Map<string, string> {
  const digests = new Map<string, string[]>();
  for (const it of items) {
    const list = digests.get(it.patient) ?? [];
    if (it.vector) list.push(digest(it.vector));
    digests.set(it.patient, list);
  }
  const keys = new Map<string, string>();
  for (const [patient, list] of digests) {
    keys.set(
      patient,
      list.length === 0
        ? `id:${patient}`
        : `v:${createHash('sha256').update(list.sort().join()).digest('hex')}`,
    );
  }
  return keys;
}

function digest(v: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
