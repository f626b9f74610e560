/**
 * Lays out the shared evaluation photos as the gallery the issue names, without copying a photo:
 *   OUT/22q11ds/            links to 22q11ds/22q11ds/*, metadata.csv: file, patient (the paper's patient
 *                           number, so a patient's photos stay together), mask=bottom-right (the printed
 *                           patient number in that corner)
 *   OUT/children_controls/  links to children_controls/*
 *   OUT/down_syndrome/, OUT/healthy_control/   links to down_syndrome_kaggle/<label>/*
 * Usage: node dist/tools/match/prepare-facedata.js OUT [--facedata DIR]
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readCsv } from '../../src/main/gallery/csv.js';
import { photoExtensions } from '../../src/shared/vocabulary.js';
import { extname } from 'node:path';

const { values, positionals } = parseArgs({
  options: { facedata: { type: 'string' } },
  allowPositionals: true,
  strict: true,
});
const out = resolve(positionals[0] ?? '');
if (!positionals[0]) throw new Error('usage: prepare-facedata.js OUT [--facedata DIR]');
const facedata = resolve(
  values.facedata ??
    process.env.FACEPHENO_FACEDATA ??
    join(import.meta.dirname, '../../../../shared/facedata'),
);

function linkFolder(from: string, label: string): string[] {
  const dir = join(out, label);
  mkdirSync(dir, { recursive: true });
  const photos = readdirSync(from).filter((f) => photoExtensions.has(extname(f).toLowerCase()));
  for (const f of photos) symlinkSync(join(from, f), join(dir, f));
  return photos;
}

if (existsSync(out)) rmSync(out, { recursive: true });
const photos22 = linkFolder(join(facedata, '22q11ds', '22q11ds'), '22q11ds');
const meta = readCsv(join(facedata, '22q11ds', 'metadata.csv'));
const patientOf = new Map(
  meta.records.map((r) => [basename(r.values.get('file') ?? ''), r.values.get('paper_patient_id') ?? '']),
);
const rows = photos22.map((f) => {
  const patient = patientOf.get(f);
  if (!patient) throw new Error(`22q11ds/metadata.csv has no paper_patient_id for ${f}`);
  return `${f},${patient},bottom-right`;
});
writeFileSync(join(out, '22q11ds', 'metadata.csv'), ['file,patient,mask', ...rows].join('\n') + '\n');
linkFolder(join(facedata, 'children_controls'), 'children_controls');
for (const label of ['down_syndrome', 'healthy_control'])
  linkFolder(join(facedata, 'down_syndrome_kaggle', label), label);
console.log(
  `wrote ${out}: 22q11ds ${photos22.length} photos of ${new Set(rows.map((r) => r.split(',')[1])).size} patients`,
);
