import {
  classifyGallery,
  fitGalleryClassifier,
  galleryClassifierParts,
  restoreGalleryClassifier,
  type GalleryClassifier,
  type GalleryClassifierParts,
} from './gallery-classifier.js';
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
  /** A control's source (the label it was imported under); each source is a class of its own. */
  source?: string | null;
  /** The centre of a gallery pack's member. */
  centre?: string | null;
  vector: Float32Array;
}

export interface Provenance {
  modelId: string;
  galleryVersion: string;
}

/** Everything fitted from one gallery in one embedding space; a match is only as current as its provenance. */
export interface Matcher {
  provenance: Provenance;
  classifier: GalleryClassifier;
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
    centre: r.centre ?? null,
  }));
}

/**
 * The class the classifier learns a gallery row as: each source of controls apart ('unaffected:<source>'),
 * because sources differ in photo style and one linear class cannot hold several clusters; their
 * probabilities are summed into 'unaffected' in every result.
 */
export function classifierClass(r: GalleryRow): string {
  return r.isControl ? (r.source ? `${UNAFFECTED}:${r.source}` : UNAFFECTED) : r.label;
}

/** The label a classifier class is reported as. */
export function reportedLabel(cls: string): string {
  return cls.startsWith(`${UNAFFECTED}:`) ? UNAFFECTED : cls;
}

/** Gallery rows as classifier samples, controls of each source a class of their own. */
export function classifierSamples(rows: readonly GalleryRow[]): GalleryFace[] {
  return rows.map((r) => ({ patient: r.patient, label: classifierClass(r), vector: r.vector }));
}

export function fitMatcher(
  rows: readonly GalleryRow[],
  provenance: Provenance,
  scheme?: 'logistic' | 'discriminant',
): Matcher {
  const faces = galleryFaces(rows);
  return {
    provenance,
    classifier: fitGalleryClassifier(classifierSamples(rows), scheme),
    openSet: fitOpenSet(faces),
    gallery: indexGallery(faces),
  };
}

/** What of a matcher is fitted (and worth keeping): the rest is rebuilt from the same gallery rows. */
export interface FittedParts {
  classifier: GalleryClassifierParts;
  openSet: OpenSetRule;
}

export function fittedParts(m: Matcher): FittedParts {
  return { classifier: galleryClassifierParts(m.classifier), openSet: m.openSet };
}

/** The matcher of `rows` from parts fitted to exactly these rows before (same gallery version). */
export function restoreMatcher(
  rows: readonly GalleryRow[],
  parts: FittedParts,
  provenance: Provenance,
): Matcher {
  return {
    provenance,
    classifier: restoreGalleryClassifier(parts.classifier, classifierSamples(rows)),
    openSet: parts.openSet,
    gallery: indexGallery(galleryFaces(rows)),
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
  const fine = classifyGallery(m.classifier, fused, 1);
  const probs = new Map<string, number>();
  m.classifier.classes.forEach((cls, c) => {
    const label = reportedLabel(cls);
    probs.set(label, (probs.get(label) ?? 0) + (fine[c] as number));
  });
  const nearest = rankByNearestCases(m.gallery, [fused], {
    perLabel: opts.nearestPerLabel ?? 3,
    excludePatient: opts.excludePatient,
  });
  const nearestOf = new Map(nearest.map((n) => [n.label, n.nearest]));
  const bestSimilarity = Math.max(-1, ...nearest.map((n) => n.nearest[0]?.similarity ?? -1));
  const ranking = [...probs]
    .map(([label, probability]) => ({ label, probability, nearest: nearestOf.get(label) ?? [] }))
    .sort((a, b) => b.probability - a.probability);
  return { ranking, noneOfThese: bestSimilarity < m.openSet.threshold, bestSimilarity };
}
