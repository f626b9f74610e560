import type { Sex } from '../../shared/vocabulary.js';
import type { Corner } from './mask.js';

/** Where a photo's row is, for messages: a CSV line, a metadata.csv line, or the photo itself. */
export interface Place {
  file: string;
  line?: number;
}

/** One photo of a gallery source as read: checked, not yet decoded. */
export interface GalleryPhoto {
  file: string;
  where: Place;
  /** The unit of every split and of the store: `<label>/<patient>` in a folder, as written in a CSV. */
  patient: string;
  /** The syndrome, or the label of a source of controls. */
  label: string;
  sex: Sex;
  ageYears: number | null;
  gene: string | null;
  /** An OMIM, ORPHA or MONDO id of the syndrome. */
  diseaseId: string | null;
  /** The corner to mask before any model sees the photo (printed patient numbers). */
  mask: Corner | null;
}

/** 'gallery.csv:12', or the file alone when the place has no line. */
export function placeText(p: Place): string {
  return p.line === undefined ? p.file : `${p.file}:${p.line}`;
}
