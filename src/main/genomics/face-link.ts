import type { FaceMatch, FaceMatcher } from './rank.js';

/** One gallery label of a patient's face match, as matching ranks them (best first). */
export interface RankedLabel {
  label: string;
  probability: number;
  nearest: { patient: string; similarity: number }[];
}

/**
 * The face-match component from one match of the patient against the gallery. The store's gallery
 * labels a confirmed case by its syndrome's name, so a syndrome id finds its label through the name;
 * a syndrome with no label in the ranking is not in the gallery.
 */
export function faceMatcherFromRanking(
  ranking: readonly RankedLabel[],
  syndromeName: (syndromeId: number) => string | undefined,
): FaceMatcher {
  const byLabel = new Map<string, FaceMatch>();
  [...ranking]
    .sort((a, b) => b.probability - a.probability)
    .forEach((l, i) => byLabel.set(l.label.toLowerCase(), { ...l, rank: i + 1 }));
  return (syndromeIds) =>
    syndromeIds.flatMap((id) => {
      const match = byLabel.get(syndromeName(id)?.toLowerCase() ?? '');
      return match ? [match] : [];
    });
}
