import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, parse } from 'node:path';
import { UserError } from '../errors.js';
import { inputAt } from '../input-file.js';
import type { SealKey } from '../sealed-file.js';
import { photoExtensions, type Sex } from '../../shared/vocabulary.js';
import { readCsv } from './csv.js';
import { ageOf, maskOf, needColumns, photoFile, required, sexOf } from './fields.js';
import type { Corner } from './mask.js';
import type { GalleryPhoto } from './photo.js';

/**
 * DIR/<label>/<photos>. Each photo is its own patient unless DIR/<label>/metadata.csv names one (column
 * `patient`, or `paper_patient_id` as the 22q11.2DS figure's metadata has it); metadata.csv may also give a
 * photo's sex, age and a corner to mask (none, top-left, top-right, bottom-left, bottom-right). `sealedWith`:
 * the key the folder's files are sealed under (a browser upload).
 */
export function readLabelledFolder(dir: string, sealedWith?: SealKey): GalleryPhoto[] {
  const labels = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  // The import said 'one folder per syndrome label', the evaluation 'a folder per label': this says both.
  if (labels.length === 0)
    throw new UserError('expected a folder per label (one folder per syndrome label, or of controls)', {
      file: dir,
    });
  return labels.flatMap((label) => {
    const folder = join(dir, label);
    const meta = join(folder, 'metadata.csv');
    const rows = existsSync(meta) ? metadataRows(meta, folder, sealedWith) : new Map<string, MetadataRow>();
    const photos = readdirSync(folder)
      .filter((f) => photoExtensions.has(extname(f).toLowerCase()))
      .sort();
    if (photos.length === 0) throw new UserError('no photos in this label folder', { file: folder });
    return photos.map((f) => {
      const m = rows.get(f);
      return {
        file: join(folder, f),
        where: m ? { file: meta, line: m.line } : { file: join(folder, f) },
        patient: `${label}/${m?.patient ?? parse(f).name}`,
        label,
        sex: m?.sex ?? 'unknown',
        ageYears: m?.ageYears ?? null,
        gene: null,
        diseaseId: null,
        mask: m?.mask ?? null,
      };
    });
  });
}

interface MetadataRow {
  line: number;
  /** Null: the photo is its own patient. */
  patient: string | null;
  sex: Sex;
  ageYears: number | null;
  mask: Corner | null;
}

function metadataRows(meta: string, folder: string, sealedWith?: SealKey): Map<string, MetadataRow> {
  const { header, records } = readCsv(inputAt(meta, sealedWith));
  needColumns(header, ['file'], meta);
  const patientColumn = ['patient', 'paper_patient_id'].find((c) => header.includes(c));
  const rows = new Map<string, MetadataRow>();
  for (const r of records) {
    const at = { file: meta, line: r.line };
    const file = basename(required(r, 'file', at));
    photoFile(join(folder, file), at);
    if (rows.has(file)) throw new UserError(`'${file}' is listed twice`, at);
    rows.set(file, {
      line: r.line,
      patient: (patientColumn && r.values.get(patientColumn)) || null,
      sex: sexOf(r, at),
      ageYears: ageOf(r, at),
      mask: maskOf(r, at),
    });
  }
  return rows;
}
