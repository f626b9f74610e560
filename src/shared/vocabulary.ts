/**
 * The terms every part of FacePheno spells the same way: the store's columns, the API contract, the
 * gallery readers and the screens. The renderer imports this module too, so it imports nothing.
 */

export const sexes = ['female', 'male', 'other', 'unknown'] as const;
export type Sex = (typeof sexes)[number];

export const diagnosisStatuses = ['confirmed', 'suspected', 'excluded'] as const;
export type DiagnosisStatus = (typeof diagnosisStatuses)[number];

/** File endings taken as photos when a folder is listed; a file named explicitly is tried whatever its ending. */
export const photoExtensions: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.heic',
  '.heif',
  '.avif',
]);

/**
 * Age bands of dysmorphology practice: infancy, early and middle childhood, adolescence, adulthood. A face
 * changes most in childhood, so the bands are narrow there; gallery packs record a photo's age as its band.
 */
const bands: readonly (readonly [below: number, band: string])[] = [
  [2, '0-1 y'],
  [6, '2-5 y'],
  [12, '6-11 y'],
  [18, '12-17 y'],
  [40, '18-39 y'],
  [Infinity, '40+ y'],
];

/** The band an age in years falls in; 'age unknown' without one. */
export function ageBand(age: number | null): string {
  if (age === null) return 'age unknown';
  return (bands.find(([below]) => age < below) as (typeof bands)[number])[1];
}

const diseaseIdPatterns = {
  omim: /^OMIM:(PS)?\d{6}$/,
  orpha: /^ORPHA:\d+$/,
  mondo: /^MONDO:\d{7}$/,
} as const;
export type DiseaseIdKind = keyof typeof diseaseIdPatterns;
export const diseaseIdKinds = Object.keys(diseaseIdPatterns) as DiseaseIdKind[];

/** Which catalogue a disease CURIE (OMIM:..., ORPHA:..., MONDO:...) belongs to; undefined if none. */
export function diseaseIdKind(curie: string): DiseaseIdKind | undefined {
  return diseaseIdKinds.find((k) => diseaseIdPatterns[k].test(curie));
}
