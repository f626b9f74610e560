/**
 * Matching a case against the gallery in one embedding model: the fitted matcher is kept while the
 * gallery version stays the same, and every result names the model, gallery version and method.
 */
import { UserError } from '../errors.js';
import { CALIBRATION } from '../match/evaluate-folder.js';
import {
  fitMatcher,
  fittedParts,
  matchPatient,
  restoreMatcher,
  UNAFFECTED,
  type FittedParts,
  type Matcher,
} from '../match/matcher.js';
import { OPEN_SET_QUANTILE } from '../match/openset.js';
import { dot, fuse } from '../match/vectors.js';
import type { GalleryEmbedding, Store } from '../store/store.js';
import { appVersion } from '../version.js';
import type { LearntSpace, LearntSpaces } from './learnt-space.js';
import type { MatchResult, ModelRef, Neighbour, Provenance } from '../../shared/api.js';

const METHOD =
  'calibrated class-balanced logistic regression (patient-level cross-validation); nearest cases by cosine similarity';

interface Fitted {
  key: string;
  matcher: Matcher;
  /** Gallery rows in the space matching uses (the learnt one where it was kept). */
  rows: GalleryEmbedding[];
  space: LearntSpace | null;
}

export class Matching {
  private fitted: Fitted | null = null;

  constructor(
    private readonly store: Store,
    private readonly spaces: LearntSpaces,
  ) {}

  provenance(model: ModelRef, space: LearntSpace | null = null): Provenance {
    const method = space ? `${METHOD}, in the ${space.description}` : `${METHOD}, in the plain embedding`;
    return { model, galleryVersion: this.store.galleryVersion(), appVersion, method };
  }

  /** The patient's primary-face embeddings in `modelId`, one per photo that has one. */
  caseVectors(pseudonym: string, modelId: string): { photoId: number; vector: Float32Array }[] {
    const view = this.store.openCase(pseudonym);
    const out: { photoId: number; vector: Float32Array }[] = [];
    for (const photo of view.photos) {
      const face = photo.faces.find((f) => f.isPrimary);
      const e = face && this.store.faces.embedding(face.id, modelId);
      if (e) out.push({ photoId: photo.id, vector: e.vector });
    }
    return out;
  }

  /** The embedding models the case's measured faces have, by id. */
  caseModels(pseudonym: string): ModelRef[] {
    const models = new Map<string, ModelRef>();
    for (const photo of this.store.openCase(pseudonym).photos)
      for (const face of photo.faces.filter((f) => f.isPrimary))
        for (const id of face.embeddingModels) {
          const e = this.store.faces.embedding(face.id, id);
          if (e && !models.has(id)) models.set(id, { id, sha256: e.modelSha256 });
        }
    return [...models.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  match(pseudonym: string, model: ModelRef): MatchResult {
    const vectors = this.caseVectors(pseudonym, model.id);
    if (vectors.length === 0) {
      throw new UserError(
        `case '${pseudonym}' has no photo with a measured face yet: add a frontal photo first`,
      );
    }
    const fitted = this.matcher(model);
    const { rows, space } = fitted;
    // A gallery patient is matched against everyone else: their own photos would vouch for their label.
    const own = rows.some((r) => r.patient === pseudonym);
    const matcher = own
      ? fitGallery(
          rows.filter((r) => r.patient !== pseudonym),
          model.id,
          fitted.matcher.provenance.galleryVersion,
        )
      : fitted.matcher;
    const inSpace = vectors.map((v) => (space ? space.project(v.vector) : v.vector));
    const r = matchPatient(matcher, inSpace, { excludePatient: pseudonym });
    const query = fuse(inSpace);
    const ranking = r.ranking.map((l) => {
      const nearest: Neighbour[] = l.nearest.map((n) => {
        const best = closestPhoto(rows, n.patient, query);
        return {
          patientId: n.patient,
          photoId: best.photoId === null ? null : String(best.photoId),
          faceId: best.faceId === null ? null : String(best.faceId),
          centre: best.centre,
          similarity: n.similarity,
        };
      });
      const similarity =
        nearest.length > 0 ? nearest.reduce((s, n) => s + n.similarity, 0) / nearest.length : 0;
      return {
        label: l.label,
        isControl: l.label === UNAFFECTED,
        probability: l.probability,
        similarity,
        nearest,
      };
    });
    return {
      caseId: pseudonym,
      photos: vectors.length,
      ranking,
      noneOfThese: r.noneOfThese,
      bestSimilarity: r.bestSimilarity,
      provenance: { ...this.provenance(model, space), galleryVersion: matcher.provenance.galleryVersion },
    };
  }

  /** The gallery label of a gallery patient, as matching uses it. */
  labelOf(pseudonym: string, model: ModelRef): string | null {
    return this.matcher(model).rows.find((r) => r.patient === pseudonym)?.label ?? null;
  }

  private matcher(model: ModelRef): Fitted {
    const galleryVersion = this.store.galleryVersion();
    const space = this.spaces.current(model.id, galleryVersion);
    const key = `${model.id}@${galleryVersion}/${space?.description ?? 'plain'}`;
    if (this.fitted?.key !== key) {
      const stored = this.store.galleryEmbeddings(model.id);
      const rows = space ? stored.map((r) => ({ ...r, vector: space.project(r.vector) })) : stored;
      checkGallery(rows);
      const { matcher } = storedMatcher(this.store, rows, model, galleryVersion, space?.description);
      this.fitted = { key, rows, space, matcher };
    }
    return this.fitted;
  }
}

/** Names what a kept matcher was fitted by: a kept one fitted by other code is refitted. */
export const MATCHER_METHOD = `${CALIBRATION}; open set at the ${OPEN_SET_QUANTILE} quantile; control sources apart; v1`;

/**
 * The gallery's matcher in one model and space: the one the store keeps for this gallery version and
 * method, or fitted now and kept (replacing the older one), so only the first match after a gallery
 * change pays for the fit. `rows` must be the gallery of `galleryVersion`.
 */
export function storedMatcher(
  store: Store,
  rows: readonly GalleryEmbedding[],
  model: ModelRef,
  galleryVersion: string,
  space = 'plain embedding',
): { matcher: Matcher; cached: boolean } {
  const key = { modelId: model.id, modelSha256: model.sha256, space, galleryVersion, method: MATCHER_METHOD };
  const provenance = { modelId: model.id, galleryVersion };
  const parts = store.gallery.cachedFit(key) as FittedParts | null;
  if (parts) return { matcher: restoreMatcher(rows, parts, provenance), cached: true };
  const matcher = fitMatcher(rows, provenance);
  try {
    store.gallery.saveFit({ ...key, fitted: fittedParts(matcher) });
  } catch (err) {
    // Matching only reads the case: a disk that cannot keep the fit (full, read-only) costs the next
    // match a refit, and must not refuse this one.
    if (!(err instanceof UserError)) throw err;
  }
  return { matcher, cached: false };
}

/** The matcher of the gallery rows; refused, in words, where there is not enough to tell labels apart. */
function fitGallery(rows: GalleryEmbedding[], modelId: string, galleryVersion: string): Matcher {
  checkGallery(rows);
  return fitMatcher(rows, { modelId, galleryVersion });
}

function checkGallery(rows: readonly GalleryEmbedding[]): void {
  const labels = new Set(rows.map((r) => (r.isControl ? UNAFFECTED : r.label)));
  if (labels.size < 2) {
    throw new UserError(
      rows.length === 0
        ? 'the gallery is empty: import confirmed cases (Gallery & model) before matching'
        : `the gallery has only '${[...labels][0]}': probabilities need at least two syndromes, or a syndrome and controls`,
    );
  }
}

/** The gallery patient's photo closest to the query: the one to show beside the patient. */
function closestPhoto(
  rows: readonly GalleryEmbedding[],
  patient: string,
  query: Float32Array,
): GalleryEmbedding {
  let best: GalleryEmbedding | undefined;
  let bestScore = -Infinity;
  for (const r of rows) {
    if (r.patient !== patient) continue;
    const s = dot(r.vector, query);
    if (s > bestScore) {
      bestScore = s;
      best = r;
    }
  }
  if (!best) throw new Error(`gallery patient ${patient} has no rows`);
  return best;
}
