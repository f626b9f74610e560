/** Category colours and order shared by the analysis figures (main) and the interactive map (renderer). */

/** Okabe-Ito's colour-blind-safe palette, then Tableau's, for categories in order. */
export const palette = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
  '#8c564b',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function colourOf(index: number): string {
  return palette[index % palette.length] as string;
}

/** Orders category names with their numbers as numbers: age bands 2-5 y before 12-17 y, cluster 2 before 10. */
export const byNumbers = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
