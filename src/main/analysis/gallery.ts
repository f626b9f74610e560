import type { Store } from '../store/store.js';
import { ageBand, type Sex } from '../../shared/vocabulary.js';

/** A gallery face with what the maps are coloured by and what the average faces need. */
export interface Member {
  patientId: number;
  patient: string;
  faceId: number;
  photoId: number;
  label: string;
  isControl: boolean;
  sex: Sex;
  ageYears: number | null;
  vector: Float32Array;
}

/**
 * The store's own gallery of one embedding model, each face with its patient's sex and the photo's age.
 * Pack members from other centres are left out: maps, clusters and average faces are of photos here.
 */
export function readMembers(store: Store, modelId: string): Member[] {
  const sexes = new Map<number, Sex>();
  return store.galleryEmbeddings(modelId).flatMap((r) => {
    if (r.patientId === null || r.faceId === null || r.photoId === null) return [];
    let sex = sexes.get(r.patientId);
    if (!sex) sexes.set(r.patientId, (sex = store.patients.getById(r.patientId).sex));
    return {
      patientId: r.patientId,
      patient: r.patient,
      faceId: r.faceId,
      photoId: r.photoId,
      label: r.label,
      isControl: r.isControl,
      sex,
      ageYears: store.photos.get(r.photoId)?.ageYears ?? null,
      vector: r.vector,
    };
  });
}

export const colourings = ['syndrome', 'sex', 'age'] as const;
export type Colouring = (typeof colourings)[number];

export function categoryOf(m: Member, by: Colouring): string {
  return by === 'syndrome' ? m.label : by === 'sex' ? m.sex : ageBand(m.ageYears);
}
