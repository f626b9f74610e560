import type { Sex } from '../../shared/api.js';

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

/** Age bands of dysmorphology practice: infancy, early and middle childhood, adolescence, adulthood. */
const bands: [number, string][] = [
  [2, '0-1 y'],
  [6, '2-5 y'],
  [12, '6-11 y'],
  [18, '12-17 y'],
  [40, '18-39 y'],
  [Infinity, '40+ y'],
];

export function ageBand(age: number | null): string {
  if (age === null) return 'age unknown';
  return (bands.find(([below]) => age < below) as [number, string])[1];
}

export function categoryOf(m: Member, by: Colouring): string {
  return by === 'syndrome' ? m.label : by === 'sex' ? m.sex : ageBand(m.ageYears);
}
