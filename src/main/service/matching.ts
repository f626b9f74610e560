/**
 * Matching a case against the gallery in one embedding model: the fitted matcher is kept while the
 * gallery version stays the same, and every result names the model, gallery version and method.
 */
import { UserError } from '../errors.js';
import { fitMatcher, matchPatient, UNAFFECTED, type Matcher } from '../match/matcher.js';
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

  match(pseudonym: string, model: ModelRef): MatchResult {
    const vectors = this.caseVectors(pseudonym, model.id);
    if (vectors.length === 0) {
      throw new UserError(
        `case '${pseudonym}' has no photo with a measured face yet: add a frontal photo first`,
      );
    }
    const { matcher, rows, space } = this.matcher(model);
    const inSpace = vectors.map((v) => (space ? space.project(v.vector) : v.vector));
    const r = matchPatient(matcher, inSpace, { excludePatient: pseudonym });
    const query = fuse(inSpace);
    const ranking = r.ranking.map((l) => {
      const nearest: Neighbour[] = l.nearest.map((n) => {
        const best = closestPhoto(rows, n.patient, query);
        return {
          patientId: n.patient,
          photoId: String(best.photoId),
          faceId: String(best.faceId),
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
      const labels = new Set(rows.map((r) => (r.isControl ? UNAFFECTED : r.label)));
      if (labels.size < 2) {
        throw new UserError(
          rows.length === 0
            ? 'the gallery is empty: import confirmed cases (Gallery & model) before matching'
            : `the gallery has only '${[...labels][0]}': probabilities need at least two syndromes, or a syndrome and controls`,
        );
      }
      this.fitted = { key, rows, space, matcher: fitMatcher(rows, { modelId: model.id, galleryVersion }) };
    }
    return this.fitted;
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
