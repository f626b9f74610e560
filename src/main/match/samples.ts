import type { TrainingSet } from './logistic.js';

/** One photo's features with the patient it belongs to and the class it teaches. */
export interface Sample {
  patient: string;
  label: string;
  vector: Float32Array;
}

/** Sorted class names of a set of samples. */
export function classesOf(samples: readonly Sample[]): string[] {
  return [...new Set(samples.map((s) => s.label))].sort();
}

/** Packs samples (all of one dimension) into a training set over the given classes. */
export function trainingSet(samples: readonly Sample[], classes: string[]): TrainingSet {
  const dim = samples[0]?.vector.length ?? 0;
  const x = new Float32Array(samples.length * dim);
  const y = new Int32Array(samples.length);
  samples.forEach((s, i) => {
    if (s.vector.length !== dim)
      throw new Error(`sample ${i} (patient ${s.patient}) has ${s.vector.length} values, expected ${dim}`);
    x.set(s.vector, i * dim);
    const c = classes.indexOf(s.label);
    if (c < 0) throw new Error(`sample ${i}: label '${s.label}' is not one of the classes`);
    y[i] = c;
  });
  return { x, dim, y, classes };
}

export function subset<T>(items: readonly T[], keep: (i: number) => boolean): T[] {
  return items.filter((_, i) => keep(i));
}
