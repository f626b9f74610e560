import { UNAFFECTED, fitMatcher, matchPatient } from '../match/matcher.js';
import type { Store } from '../store/store.js';
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

export type PatientFaceMatch =
  { faceMatch: FaceMatcher; modelId: string; galleryVersion: string } | { unavailable: string };

/**
 * The patient's face match against the store's gallery in one embedding model (default: the first,
 * by id, that the patient's photos have), as the ranking's face component; or why there is none.
 */
export function patientFaceMatch(store: Store, pseudonym: string, modelId?: string): PatientFaceMatch {
  const view = store.openCase(pseudonym);
  const self = view.patient.pseudonym;
  const primaries = view.photos.flatMap((p) => p.faces.filter((f) => f.isPrimary));
  const models = [...new Set(primaries.flatMap((f) => f.embeddingModels))].sort();
  const model = modelId ?? models[0];
  if (model === undefined) return { unavailable: 'the patient has no photo with a measured face' };
  const vectors = primaries
    .map((f) => store.faces.embedding(f.id, model)?.vector)
    .filter((v): v is Float32Array => v !== undefined);
  if (vectors.length === 0)
    return {
      unavailable: `the patient has no face embedding from model '${model}' (has: ${models.join(', ') || 'none'})`,
    };
  // The patient's own confirmed photos, if any, would match themselves: the gallery is everyone else.
  const rows = store.galleryEmbeddings(model).filter((r) => r.patient !== self);
  const labels = new Set(rows.map((r) => (r.isControl ? UNAFFECTED : r.label)));
  if (labels.size < 2)
    return {
      unavailable:
        rows.length === 0
          ? `the gallery has no confirmed case in model '${model}'`
          : `the gallery has only '${[...labels].join('')}': probabilities need two syndromes, or one and controls`,
    };
  const galleryVersion = store.galleryVersion();
  const matcher = fitMatcher(rows, { modelId: model, galleryVersion });
  const { ranking } = matchPatient(matcher, vectors);
  return {
    faceMatch: faceMatcherFromRanking(ranking, (id) => store.syndromes.get(id).name),
    modelId: model,
    galleryVersion,
  };
}
