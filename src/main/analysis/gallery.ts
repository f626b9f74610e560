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

export const colourings = ['syndrome', 'sex', 'age'] as const;
export type Colouring = (typeof colourings)[number];

export function categoryOf(m: Member, by: Colouring): string {
  return by === 'syndrome' ? m.label : by === 'sex' ? m.sex : ageBand(m.ageYears);
}
