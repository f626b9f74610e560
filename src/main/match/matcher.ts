import { classify, fitCalibratedClassifier, type CalibratedClassifier } from './classifier.js';
import {
  indexGallery,
  rankByNearestCases,
  type GalleryFace,
  type GalleryIndex,
  type NearestPatient,
} from './nearest.js';
import { fitOpenSet, type OpenSetRule } from './openset.js';
import { fuse } from './vectors.js';

/** The class that every controls label joins. */
export const UNAFFECTED = 'unaffected';

/** A gallery photo as the store gives it. */
export interface GalleryRow {
  patient: string;
  label: string;
  isControl: boolean;
  vector: Float32Array;
}

export interface Provenance {
  modelId: string;
  galleryVersion: string;
}

/** Everything fitted from one gallery in one embedding space; a match is only as current as its provenance. */
export interface Matcher {
  provenance: Provenance;
  classifier: CalibratedClassifier;
  openSet: OpenSetRule;
  gallery: GalleryIndex;
}

export interface LabelMatch {
  label: string;
  probability: number;
  nearest: NearestPatient[];
}

export interface MatchResult {
  ranking: LabelMatch[];
  /** True when the patient is farther from every gallery photo than the open-set rule allows. */
  noneOfThese: boolean;
  bestSimilarity: number;
}

/** Gallery rows as classifier samples: controls labels become one 'unaffected' class. */
export function galleryFaces(rows: readonly GalleryRow[]): GalleryFace[] {
  return rows.map((r) => ({
    patient: r.patient,
    label: r.isControl ? UNAFFECTED : r.label,
    vector: r.vector,
  }));
}

export function fitMatcher(rows: readonly GalleryRow[], provenance: Provenance): Matcher {
  const faces = galleryFaces(rows);
  return {
    provenance,
    classifier: fitCalibratedClassifier(faces),
    openSet: fitOpenSet(faces),
    gallery: indexGallery(faces),
  };
}

/**
 * Matches one patient (one or more photos, fused): calibrated probabilities over the gallery's classes,
 * best first, each with its nearest gallery patients; and the open-set verdict.
 */
export function matchPatient(
  m: Matcher,
  photos: readonly Float32Array[],
  opts: { excludePatient?: string; nearestPerLabel?: number } = {},
): MatchResult {
  const fused = fuse(photos);
  const probs = classify(m.classifier, fused, 1);
  const nearest = rankByNearestCases(m.gallery, [fused], {
    perLabel: opts.nearestPerLabel ?? 3,
    excludePatient: opts.excludePatient,
  });
  const nearestOf = new Map(nearest.map((n) => [n.label, n.nearest]));
  const bestSimilarity = Math.max(-1, ...nearest.map((n) => n.nearest[0]?.similarity ?? -1));
  const ranking = m.classifier.classes
    .map((label, c) => ({ label, probability: probs[c] as number, nearest: nearestOf.get(label) ?? [] }))
    .sort((a, b) => b.probability - a.probability);
  return { ranking, noneOfThese: bestSimilarity < m.openSet.threshold, bestSimilarity };
}
