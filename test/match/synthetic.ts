import { seededRandom } from '../../src/main/match/random.js';
import type { Sample } from '../../src/main/match/samples.js';
import { l2Normalize } from '../../src/main/match/vectors.js';

/** Standard normal draws from a seeded generator. */
export function gaussian(seed: number): () => number {
  const rand = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

export function randomUnit(dim: number, g: () => number): Float32Array {
  return l2Normalize(Float32Array.from({ length: dim }, g));
}

/**
 * Unit embeddings in `labels.length` clusters: each patient sits near their label's centre
 * (`spread` sets how near) and each of their photos near the patient.
 */
export function clusteredSamples(opts: {
  labels: { name: string; patients: number }[];
  dim: number;
  photosPerPatient?: number;
  spread?: number;
  seed?: number;
}): Sample[] {
  const g = gaussian(opts.seed ?? 1);
  const spread = opts.spread ?? 1;
  const samples: Sample[] = [];
  for (const { name, patients } of opts.labels) {
    const centre = randomUnit(opts.dim, g);
    for (let p = 0; p < patients; p++) {
      const person = Float32Array.from(centre, (c) => c + (spread * g()) / Math.sqrt(opts.dim));
      for (let k = 0; k < (opts.photosPerPatient ?? 1); k++)
        samples.push({
          patient: `${name}-${p}`,
          label: name,
          vector: l2Normalize(Float32Array.from(person, (v) => v + (0.2 * g()) / Math.sqrt(opts.dim))),
        });
    }
  }
  return samples;
}

/** The value, which the test knows is there (indexing under noUncheckedIndexedAccess). */
export function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
