import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { inputAt } from '../input-file.js';
import type { SealKey } from '../sealed-file.js';
import { diseaseIdKind } from '../../shared/vocabulary.js';
import { readCsv } from './csv.js';
import { ageOf, maskOf, needColumns, photoFile, required, sexOf } from './fields.js';
import type { GalleryPhoto } from './photo.js';

/**
 * The gallery CSV: a row per photo with columns patient, photo (relative to the CSV's folder) and syndrome;
 * optional sex, age, gene, disease_id (or omim, orpha) and mask. The patient is taken as written.
 */
export function readGalleryCsv(csv: string, sealedWith?: SealKey): GalleryPhoto[] {
  const { header, records } = readCsv(inputAt(csv, sealedWith));
  needColumns(header, ['patient', 'photo', 'syndrome'], csv);
  const base = dirname(csv);
  return records.map((r) => {
    const at = { file: csv, line: r.line };
    const label = required(r, 'syndrome', at);
    const diseaseId = r.values.get('disease_id') || r.values.get('omim') || r.values.get('orpha') || null;
    if (diseaseId && !diseaseIdKind(diseaseId))
      throw new UserError(
        `'${diseaseId}' is not an OMIM, ORPHA or MONDO id (e.g. OMIM:190685, ORPHA:870)`,
        at,
      );
    return {
      file: photoFile(resolve(base, required(r, 'photo', at)), at),
      where: at,
      patient: required(r, 'patient', at),
      label,
      sex: sexOf(r, at),
      ageYears: ageOf(r, at),
      gene: r.values.get('gene') || null,
      diseaseId,
      mask: maskOf(r, at),
    };
  });
}
