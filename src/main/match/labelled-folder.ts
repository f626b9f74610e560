import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { photoExtensions } from '../../shared/vocabulary.js';
import { readCsv } from '../gallery/csv.js';
import { parseCorner, type Corner } from '../gallery/mask.js';

/** One photo of a DIR/<label>/<photos> evaluation folder. */
export interface LabelledPhoto {
  file: string;
  label: string;
  /** `<label>/<patient>`: the unit of every split. */
  patient: string;
  /** The corner to mask before any model sees the photo, from metadata.csv's `mask` column. */
  mask: Corner | null;
}

/**
 * DIR/<label>/<photos>. Each photo is its own patient unless DIR/<label>/metadata.csv names one
 * (column `patient`, or `paper_patient_id` as the 22q11.2DS figure's metadata has it); an optional `mask`
 * column names a corner to mask (none, top-left, top-right, bottom-left, bottom-right).
 */
export function readLabelledFolder(dir: string): LabelledPhoto[] {
  if (!existsSync(dir)) throw new UserError('no such folder', { file: dir });
  const labels = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (labels.length < 2) throw new UserError('expected a folder per label, at least two', { file: dir });
  return labels.flatMap((label) => {
    const folder = join(dir, label);
    const meta = join(folder, 'metadata.csv');
    const rows = existsSync(meta)
      ? metadata(meta)
      : new Map<string, { patient: string | null; mask: Corner | null }>();
    const photos = readdirSync(folder)
      .filter((f) => photoExtensions.has(extname(f).toLowerCase()))
      .sort();
    if (photos.length === 0) throw new UserError('no photos in this label folder', { file: folder });
    return photos.map((f) => {
      const m = rows.get(f);
      return {
        file: join(folder, f),
        label,
        patient: `${label}/${m?.patient ?? basename(f, extname(f))}`,
        mask: m?.mask ?? null,
      };
    });
  });
}

function metadata(file: string): Map<string, { patient: string | null; mask: Corner | null }> {
  const { header, records } = readCsv(file);
  if (!header.includes('file')) throw new UserError(`the header lacks a 'file' column`, { file, line: 1 });
  const patientColumn = ['patient', 'paper_patient_id'].find((c) => header.includes(c));
  const rows = new Map<string, { patient: string | null; mask: Corner | null }>();
  for (const r of records) {
    const at = { file, line: r.line };
    const name = basename(r.values.get('file') ?? '');
    if (!name) throw new UserError(`the 'file' field is empty`, at);
    if (rows.has(name)) throw new UserError(`'${name}' is listed twice`, at);
    rows.set(name, {
      patient: (patientColumn && r.values.get(patientColumn)) || null,
      mask: parseCorner(r.values.get('mask') ?? '', at),
    });
  }
  return rows;
}

/** The masks that DIR/<label>/metadata.csv files ask for, by photo path: for importers with their own planner. */
export function masksIn(dir: string): Map<string, Corner> {
  const masks = new Map<string, Corner>();
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const meta = join(dir, d.name, 'metadata.csv');
    if (!d.isDirectory() || !existsSync(meta)) continue;
    for (const [name, row] of metadata(meta)) if (row.mask) masks.set(resolve(dir, d.name, name), row.mask);
  }
  return masks;
}
