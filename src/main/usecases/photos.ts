/**
 * A case's photos: read, analysed by the face pipeline (found, aligned, measured, embedded) and stored with
 * the settings that produced them; shown as the original or the aligned face.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import type { Point } from '../face/geometry.js';
import { sha256Hex } from '../store/photo-files.js';
import type { AddedPhoto } from '../store/store.js';
import { alignedView, displayCopy } from './images.js';
import type { Workspace } from './workspace.js';

export type { AddedPhoto };

/** A photo as the user gave it: its name (a path, or an upload's name) and its bytes. */
export interface PhotoSource {
  file: string;
  bytes: Buffer;
}

/** The bytes of a photo file, or a refusal naming it. */
async function readPhotoFile(file: string): Promise<PhotoSource> {
  try {
    return { file, bytes: await readFile(file) };
  } catch (err) {
    throw new UserError(`cannot read the photo: ${(err as Error).message}`, { file, cause: err });
  }
}

/**
 * Analyses the photos and stores them in the case, all or none. A photo in which no face is found is
 * stored and reported (faceFound false), never dropped. An unknown case is refused before any model loads.
 */
export async function addPhotos(
  ws: Workspace,
  caseId: string,
  /** A photo's bytes, or a file to read. */
  photos: (PhotoSource | string)[],
): Promise<AddedPhoto[]> {
  ws.store.patients.get(caseId);
  const pipeline = await ws.facePipeline();
  const analysed = [];
  for (const photo of photos) {
    const { file, bytes } = typeof photo === 'string' ? await readPhotoFile(photo) : photo;
    analysed.push({
      file,
      bytes,
      sha256: sha256Hex(bytes),
      analysis: await pipeline.analyze({ file, bytes }),
    });
  }
  return ws.store.addPhotos(caseId, analysed, pipeline);
}

/** A stored photo for the screen: the original (a display copy), or its primary face aligned. */
export async function photoImage(
  ws: Workspace,
  photoId: number,
  kind: 'original' | 'aligned',
): Promise<{ mime: string; data: string }> {
  const photo = ws.store.photos.get(photoId);
  if (!photo) throw new UserError(`no photo ${photoId}`);
  const bytes = ws.store.photoBytes(photo);
  // Recorded before it is shown: a view the log cannot take is refused.
  const patient = ws.store.patients.getById(photo.patientId).pseudonym;
  ws.store.audit.record('photo.view', patient, { photoId: photo.id, kind });
  if (kind === 'original') return displayCopy(bytes);
  const face = ws.store.faces.forPhoto(photo.id).find((f) => f.isPrimary);
  if (!face) throw new UserError(`${photo.originalName}: no face found in this photo`);
  const v = await alignedView(photo.originalName, bytes, face.points5 as Point[], null);
  return { mime: 'image/png', data: v.png.toString('base64') };
}
