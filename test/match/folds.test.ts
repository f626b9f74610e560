import { must } from './synthetic.js';
import { describe, expect, it } from 'vitest';
import { patientFolds } from '../../src/main/match/folds.js';

describe('patient-level folds', () => {
  const items = Array.from({ length: 300 }, (_, i) => ({
    patient: `p${Math.floor(i / 3)}`, // three photos each
    label: i < 90 ? 'rare' : 'common',
  }));

  it('keeps every photo of a patient in one fold and balances labels across folds', () => {
    const folds = patientFolds(items, 5);
    const foldOf = new Map<string, number>();
    items.forEach((it, i) => {
      expect(foldOf.get(it.patient) ?? folds[i]).toBe(folds[i]);
      foldOf.set(it.patient, must(folds[i]));
    });
    for (let f = 0; f < 5; f++) {
      const rare = items.filter((it, i) => folds[i] === f && it.label === 'rare').length;
      expect(rare).toBe(18); // 30 rare patients x 3 photos / 5 folds
    }
  });

  it('is reproducible for a seed and refuses fewer than two folds', () => {
    expect(patientFolds(items, 4, 9)).toEqual(patientFolds(items, 4, 9));
    expect(patientFolds(items, 4, 9)).not.toEqual(patientFolds(items, 4, 10));
    expect(() => patientFolds(items, 1)).toThrow(/at least 2 folds/);
  });
});

describe('patient-level folds under other pseudonyms', () => {
  const vectorOf = (p: number, photo: number) =>
    Float32Array.from({ length: 8 }, (_, d) => Math.sin(p * 13 + photo * 7 + d));
  const gallery = (name: (p: number) => string) =>
    Array.from({ length: 120 }, (_, i) => ({
      patient: name(Math.floor(i / 2)),
      label: i < 40 ? 'rare' : 'common',
      vector: vectorOf(Math.floor(i / 2), i % 2),
    }));

  it('deals the same patients to the same folds whatever their ids and their order', () => {
    const own = gallery((p) => `p${p}`);
    const renamed = gallery((p) => `Centre A/${((p * 7919) % 1000).toString(16)}`).reverse();
    const foldOf = (items: typeof own) => {
      const folds = patientFolds(items, 5);
      return new Map(items.map((it, i) => [Array.from(it.vector).join(), folds[i]]));
    };
    expect(foldOf(renamed)).toEqual(foldOf(own));
  });
});
