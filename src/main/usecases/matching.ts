/**
 * Matching a case against the gallery in one embedding model: the fitted matcher is kept while the
 * gallery version stays the same, and every result names the model, gallery version and method.
 */
import { UserError } from '../errors.js';
import { expandPhotoArgs, streamAnalyses } from '../face/batch.js';
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
import { calibrationOf, DISCRIMINANT_FROM } from '../match/gallery-classifier.js';
import { OPEN_SET_QUANTILE } from '../match/openset.js';
import { dot, fuse } from '../match/vectors.js';
import type { GalleryEmbedding, Store } from '../store/store.js';
import { appVersion } from '../version.js';
import { LearntSpaces } from './learnt-space.js';
import type { LearntSpace } from './learnt-space.js';
import type { Workspace } from './workspace.js';
import type { MatchResult, ModelRef, Neighbour, Provenance } from '../../shared/api.js';

export { CALIBRATION, OPEN_SET_QUANTILE, calibrationOf };

const METHODS = {
  logistic:
    'calibrated class-balanced logistic regression (patient-level cross-validation); nearest cases by cosine similarity',
  discriminant:
    "calibrated shrinkage discriminant in the gallery's leading principal components (patient-level cross-validation; syndromes of 1-2 patients by their nearest cases); nearest cases by cosine similarity",
};

interface Fitted {
  key: string;
  matcher: Matcher;
  /** Gallery rows in the space matching uses (the learnt one where it was kept). */
  rows: GalleryEmbedding[];
  space: LearntSpace | null;
  /** Whether the fit was one the store kept (restored), and how long it took to have it. */
  kept: boolean;
  ms: number;
}

/** One face to match: a stored photo's (photoId) or a photo's not in the store (null). */
export interface FaceVector {
  photoId: number | null;
  vector: Float32Array;
}

/** A match of faces that are not a stored case (a command's photo files): no case id. */
export type FacesMatch = Omit<MatchResult, 'caseId'>;

export class Matching {
  private fitted: Fitted | null = null;

  constructor(
    private readonly store: Store,
    private readonly spaces: LearntSpaces,
  ) {}

  /** Provenance of a match in `model`; `scheme`: the classifier the gallery's size chose (bench:matcher). */
  provenance(
    model: ModelRef,
    space: LearntSpace | null = null,
    scheme: keyof typeof METHODS = 'logistic',
  ): Provenance {
    const base = METHODS[scheme];
    const method = space ? `${base}, in the ${space.description}` : `${base}, in the plain embedding`;
    return { model, galleryVersion: this.store.galleryVersion(), appVersion, method };
  }

  /**
   * The case's primary-face embeddings in `modelId`, one per photo that has one, and the case's id as the
   * store spells it (ids are case-insensitive: every comparison with gallery rows uses this spelling).
   */
  caseVectors(caseId: string, modelId: string): { patient: string; vectors: FaceVector[] } {
    const view = this.store.caseView(caseId);
    const vectors: FaceVector[] = [];
    for (const photo of view.photos) {
      const face = photo.faces.find((f) => f.isPrimary);
      const e = face && this.store.faces.embedding(face.id, modelId);
      if (e) vectors.push({ photoId: photo.id, vector: e.vector });
    }
    return { patient: view.patient.pseudonym, vectors };
  }

  /** The embedding models the case's measured faces have, by id. */
  caseModels(caseId: string): ModelRef[] {
    const models = new Map<string, ModelRef>();
    for (const photo of this.store.caseView(caseId).photos)
      for (const face of photo.faces.filter((f) => f.isPrimary))
        for (const id of face.embeddingModels) {
          const e = this.store.faces.embedding(face.id, id);
          if (e && !models.has(id)) models.set(id, { id, sha256: e.modelSha256 });
        }
    return [...models.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Matches a stored case, its photos fused; a gallery member is matched against everyone else. */
  match(caseId: string, model: ModelRef): MatchResult {
    const { patient, vectors } = this.caseVectors(caseId, model.id);
    if (vectors.length === 0) {
      throw new UserError(
        `case '${patient}' has no photo with a measured face yet: add a frontal photo first`,
      );
    }
    const result = { caseId: patient, ...this.rank(vectors, model, patient) };
    this.store.audit.record('match', patient, { model: model.id });
    return result;
  }

  /** Matches faces of photos that are not in the store, fused, against the whole gallery. */
  matchFaces(vectors: FaceVector[], model: ModelRef): FacesMatch {
    const result = this.rank(vectors, model, null);
    // The gallery's patients were read: recorded, though no one patient was asked about.
    this.store.audit.record('match', null, { model: model.id, faces: vectors.length });
    return result;
  }

  /** The gallery's matcher in `model` (fitted, or restored from the store), with how it was had. */
  galleryMatcher(model: ModelRef): { matcher: Matcher; kept: boolean; ms: number } {
    const { matcher, kept, ms } = this.matcher(model);
    return { matcher, kept, ms };
  }

  private rank(vectors: FaceVector[], model: ModelRef, patient: string | null): FacesMatch {
    const fitted = this.matcher(model);
    const { rows, space } = fitted;
    // A gallery patient is matched against everyone else: their own photos would vouch for their label.
    const own = patient !== null && rows.some((r) => r.patient === patient);
    const matcher = own
      ? fitGallery(
          rows.filter((r) => r.patient !== patient),
          model.id,
          fitted.matcher.provenance.galleryVersion,
        )
      : fitted.matcher;
    const inSpace = vectors.map((v) => (space ? space.project(v.vector) : v.vector));
    const r = matchPatient(matcher, inSpace, patient === null ? {} : { excludePatient: patient });
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
      photos: vectors.length,
      ranking,
      noneOfThese: r.noneOfThese,
      bestSimilarity: r.bestSimilarity,
      provenance: {
        ...this.provenance(model, space, 'scheme' in matcher.classifier ? 'discriminant' : 'logistic'),
        galleryVersion: matcher.provenance.galleryVersion,
      },
    };
  }

  /** The gallery label of a gallery patient, as matching uses it. */
  labelOf(caseId: string, model: ModelRef): string | null {
    const patient = this.store.patients.get(caseId).pseudonym;
    return this.matcher(model).rows.find((r) => r.patient === patient)?.label ?? null;
  }

  private matcher(model: ModelRef): Fitted {
    const keyOf = (version: string) => {
      const space = this.spaces.current(model.id, version);
      return { space, key: `${model.id}@${version}/${space?.description ?? 'plain'}` };
    };
    if (this.fitted?.key === keyOf(this.store.galleryVersion()).key) return this.fitted;
    // One read transaction: the rows are the gallery of exactly this version.
    const { galleryVersion, stored } = this.store.db.transaction(() => ({
      galleryVersion: this.store.galleryVersion(),
      stored: this.store.galleryEmbeddings(model.id),
    }))();
    const { space, key } = keyOf(galleryVersion);
    const rows = space ? stored.map((r) => ({ ...r, vector: space.project(r.vector) })) : stored;
    checkGallery(rows);
    const started = performance.now();
    const { matcher, cached } = storedMatcher(this.store, rows, model, galleryVersion, space?.description);
    const ms = Math.round(performance.now() - started);
    this.fitted = { key, rows, space, matcher, kept: cached, ms };
    return this.fitted;
  }
}

/** Names what a kept matcher was fitted by: a kept one fitted by other code is refitted. */
export const MATCHER_METHOD = `${CALIBRATION}; open set at the ${OPEN_SET_QUANTILE} quantile; control sources apart; discriminant from ${DISCRIMINANT_FROM} photos x values x classes; v2`;

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

/** The store's matching, in the learnt space of `dataDir` where one was kept for this gallery. */
export function matchingOf(ws: Workspace, dataDir: string): Matching {
  return new Matching(ws.store, new LearntSpaces(dataDir, ws.store.config.key));
}

/** A photo file's match against the gallery, or why it has none. */
export type PhotoFileMatch = ({ file: string } & FacesMatch) | { file: string; error: string };

/**
 * Matches each photo of IMAGE|DIR arguments on its own against the whole gallery, handing each result
 * to `onResult` in argument order as soon as it is ready: photos are analysed a few at a time while
 * earlier ones are matched, and no result is kept here, so any number of photos runs in bounded memory.
 * A photo the user must fix (unreadable, no face) gets its error; the others are matched. Resolves to
 * the number of photos.
 */
export async function matchPhotoFiles(
  ws: Workspace,
  matching: Matching,
  model: ModelRef,
  args: readonly string[],
  onResult: (m: PhotoFileMatch) => void | Promise<void>,
): Promise<number> {
  const files = expandPhotoArgs(args);
  if (files.length === 0) return 0;
  const pipeline = await ws.facePipeline();
  return streamAnalyses(pipeline, files, async ({ file, analysis, error }) => {
    if (error !== null) return onResult({ file, error });
    const vector =
      analysis.primary === null ? undefined : analysis.faces[analysis.primary]?.embeddings[model.id];
    return onResult(
      vector
        ? { file, ...matching.matchFaces([{ photoId: null, vector }], model) }
        : { file, error: 'no face found' },
    );
  });
}
