import { SearchIndex } from './topk.js';
import { fuse, stack } from './vectors.js';
import type { GalleryFace } from './nearest.js';

/**
 * The open-set rule: a patient is 'none of these' when their best similarity to any gallery photo is
 * below the gallery's own 1st percentile of that figure, measured with each gallery patient left out
 * (their fused photos against every photo of everyone else). So 99% of the gallery's own patients,
 * were they new, would be placed; anyone farther from the gallery than that is not.
 */
export const OPEN_SET_QUANTILE = 0.01;

export interface OpenSetRule {
  quantile: number;
  /** Similarity below which a patient is 'none of these'. */
  threshold: number;
}

export function fitOpenSet(faces: readonly GalleryFace[], quantile = OPEN_SET_QUANTILE): OpenSetRule {
  const byPatient = new Map<string, Float32Array[]>();
  for (const f of faces) byPatient.set(f.patient, [...(byPatient.get(f.patient) ?? []), f.vector]);
  if (byPatient.size < 2) return { quantile, threshold: -1 };
  const patients = [...byPatient.keys()];
  const mostPhotos = Math.max(...[...byPatient.values()].map((v) => v.length));
  const index = new SearchIndex(stack(faces.map((f) => f.vector)));
  const hits = index.search(stack(patients.map((p) => fuse(byPatient.get(p) ?? []))), mostPhotos + 1);
  const best = patients
    .map((p, i) => (hits[i] ?? []).find((h) => faces[h.index]?.patient !== p)?.score ?? -1)
    .sort((a, b) => a - b);
  return { quantile, threshold: best[Math.floor(quantile * (best.length - 1))] as number };
}
