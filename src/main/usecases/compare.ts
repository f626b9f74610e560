/**
 * Side-by-side comparison of a patient's face with a gallery case's: both aligned, the landmarks drawn,
 * and their similarity in the space matching uses, with the provenance of that figure.
 */
import { UserError } from '../errors.js';
import type { Point } from '../face/geometry.js';
import { dot } from '../match/vectors.js';
import type { AlignedFace, ModelRef, Provenance } from '../../shared/api.js';
import { alignedView } from './images.js';
import type { Matching } from './matching.js';
import type { Workspace } from './workspace.js';

export interface Comparison {
  patient: AlignedFace;
  gallery: AlignedFace;
  similarity: number;
  provenance: Provenance;
}

/**
 * Compares the case's photo `photoId` (null: the one most like the gallery face) with the gallery photo.
 */
export async function compareFaces(
  ws: Workspace,
  matching: Matching,
  model: ModelRef,
  q: { caseId: string; photoId: number | null; galleryPhotoId: number },
): Promise<Comparison> {
  const gallery = await alignedFace(ws, matching, q.galleryPhotoId, model);
  const own = matching.caseVectors(q.caseId, model.id).vectors;
  const chosen =
    q.photoId === null
      ? own.reduce<(typeof own)[number] | undefined>(
          (best, v) => (!best || dot(v.vector, gallery.vector) > dot(best.vector, gallery.vector) ? v : best),
          undefined,
        )
      : own.find((v) => v.photoId === q.photoId);
  if (chosen?.photoId == null)
    throw new UserError(`case '${q.caseId}' has no photo with a face measured by ${model.id}`);
  const patient = await alignedFace(ws, matching, chosen.photoId, model);
  recordComparison(ws, q.caseId, chosen.photoId, q.galleryPhotoId);
  return {
    patient: patient.view,
    gallery: gallery.view,
    similarity: dot(patient.vector, gallery.vector),
    provenance: matching.provenance(model),
  };
}

/** Both patients' photos were shown: an entry for each, in one transaction. */
function recordComparison(ws: Workspace, caseId: string, photoId: number, galleryPhotoId: number): void {
  const { store } = ws;
  const own = store.patients.get(caseId).pseudonym;
  const galleryPhoto = store.photos.get(galleryPhotoId);
  const other = galleryPhoto ? store.patients.getById(galleryPhoto.patientId).pseudonym : null;
  store.transaction(() => {
    store.audit.record('compare', own, { photoId, galleryPhotoId, with: other });
    if (other !== null && other !== own)
      store.audit.record('compare', other, { photoId: galleryPhotoId, galleryOf: own });
  });
}

/** A stored photo's primary face aligned for the screen, with its embedding in `model`. */
async function alignedFace(
  ws: Workspace,
  matching: Matching,
  photoId: number,
  model: ModelRef,
): Promise<{ view: AlignedFace; vector: Float32Array }> {
  const { store } = ws;
  const photo = store.photos.get(photoId);
  const face = photo && store.faces.forPhoto(photo.id).find((f) => f.isPrimary);
  const embedding = face && store.faces.embedding(face.id, model.id);
  if (!photo || !face || !embedding)
    throw new UserError(`photo ${photoId} has no face measured by ${model.id}`);
  const patient = store.patients.getById(photo.patientId).pseudonym;
  const v = await alignedView(
    photo.originalName,
    store.photoBytes(photo),
    face.points5 as Point[],
    store.faces.mesh(face.id),
  );
  return {
    view: {
      photoId: String(photo.id),
      patientId: patient,
      label: matching.labelOf(patient, model),
      png: v.png.toString('base64'),
      points5: v.points5,
      landmarks: v.landmarks,
    },
    vector: embedding.vector,
  };
}
