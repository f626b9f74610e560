import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, parse, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { photoExtensions } from '../../shared/vocabulary.js';
import type { PhotoAnalysis } from '../face/pipeline.js';
import { appVersion } from '../version.js';
import { readCsv, type CsvRecord } from './csv.js';
import { sha256Hex } from './photo-files.js';
import { sexes, type Sex } from './repos/patients.js';
import { diseaseIdKind } from './repos/syndromes.js';
import type { PhotoAnalyzer, Store } from './store.js';

export interface GalleryImportOptions {
  /** Labels (syndrome column or folder names) that mean an unaffected control; compared case-insensitively. */
  controlLabels?: string[];
  onProgress?: (p: { phase: 'analyze' | 'store'; done: number; total: number; file: string }) => void;
}

export interface GalleryImportReport {
  source: string;
  patients: number;
  controls: number;
  photos: number;
  faces: number;
  syndromes: string[];
  /** Photos stored although no face was found in them: check them. */
  noFace: { file: string; where: string; patient: string }[];
  galleryVersion: string;
}

export const defaultControlLabels = [
  'control',
  'controls',
  'unaffected',
  'healthy',
  'healthy_control',
  'healthy_controls',
  'normal',
];

/** One photo of the gallery as planned from the source, before anything is read or written. */
interface PlannedPhoto {
  file: string;
  /** 'gallery.csv:12' or 'down/metadata.csv:3' or the folder: where to look when it is wrong. */
  where: { file: string; line?: number };
  patient: string;
  label: string;
  isControl: boolean;
  sex: Sex;
  ageYears: number | null;
  gene: string | null;
  diseaseId: string | null;
}

interface AnalysedPhoto extends PlannedPhoto {
  sha256: string;
  analysis: PhotoAnalysis;
}

/**
 * Imports a gallery of confirmed cases, all or nothing: every row is checked and every photo analysed
 * before one transaction writes files and rows; any bad row or unreadable photo throws a UserError that
 * names the file and line, and nothing is stored.
 */
export async function importGallery(
  store: Store,
  source: string,
  analyzer: PhotoAnalyzer,
  opts: GalleryImportOptions = {},
): Promise<GalleryImportReport> {
  const controls = new Set((opts.controlLabels ?? defaultControlLabels).map((l) => l.toLowerCase()));
  const src = resolve(source);
  if (!existsSync(src)) throw new UserError('no such gallery file or folder', { file: src });
  const planned = statSync(src).isDirectory() ? planFolder(src, controls) : planCsv(src, controls);
  if (planned.length === 0) throw new UserError('the gallery has no photos', { file: src });
  checkPatients(store, planned);

  const analysed = await analyseAll(planned, analyzer, opts.onProgress);
  checkDuplicates(analysed);

  const models = new Map(analyzer.embeddingModels.map((m) => [m.id, m]));
  const report = store.transaction(() => {
    const settingsId = store.settings.intern({
      appVersion,
      provider: analyzer.provider,
      embeddingModels: analyzer.embeddingModels,
    });
    const patients = new Map<string, { id: number; pseudonym: string }>();
    const syndromes = new Set<string>();
    const noFace: GalleryImportReport['noFace'] = [];
    let faces = 0;
    const diagnosed = new Set<string>();
    for (const [i, p] of analysed.entries()) {
      const { sha256, analysis } = p;
      atRow(p, () => {
        let patient = patients.get(p.patient);
        if (!patient) {
          patient = store.patients.create({ pseudonym: p.patient, sex: p.sex, isControl: p.isControl });
          patients.set(p.patient, patient);
          // Matching models each source of controls as its own class: keep which one this is.
          if (p.isControl) store.gallery.setControlSource(patient.id, p.label);
        }
        if (!p.isControl) {
          const s = store.syndromes.ensure({
            name: p.label,
            ...diseaseIds(p.diseaseId),
            genes: p.gene ? [p.gene] : [],
          });
          if (!diagnosed.has(`${patient.id}:${s.id}`))
            store.diagnoses.set(patient, { syndromeId: s.id, status: 'confirmed', gene: p.gene });
          diagnosed.add(`${patient.id}:${s.id}`);
          syndromes.add(s.name);
        }
        const bytes = readPhoto(p);
        if (sha256Hex(bytes) !== sha256)
          throw new UserError(`the photo ${p.file} changed while the gallery was being imported`);
        const photo = { file: p.file, bytes, sha256, analysis, ageYears: p.ageYears };
        store.photos.add(patient, photo, settingsId, models);
      });
      faces += analysis.faces.length;
      if (analysis.primary === null) noFace.push({ file: p.file, where: where(p), patient: p.patient });
      opts.onProgress?.({ phase: 'store', done: i + 1, total: planned.length, file: p.file });
    }
    const summary = {
      source: src,
      patients: patients.size,
      controls: [...new Set(planned.filter((p) => p.isControl).map((p) => p.patient))].length,
      photos: planned.length,
      faces,
      syndromes: [...syndromes].sort(),
      noFace,
    };
    store.audit.record('gallery.import', null, { ...summary, noFace: noFace.length });
    return summary;
  });
  return { ...report, galleryVersion: store.galleryVersion() };
}

/** Photos analysed at once: enough to keep every inference worker busy while another photo decodes. */
const IN_FLIGHT = 4;

/** Analyses every planned photo, several at a time, in their order; the first refusal stops the rest. */
async function analyseAll(
  planned: readonly PlannedPhoto[],
  analyzer: PhotoAnalyzer,
  onProgress: GalleryImportOptions['onProgress'],
): Promise<AnalysedPhoto[]> {
  const analysed: AnalysedPhoto[] = new Array(planned.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < planned.length && !failed; i = next++) {
      const p = planned[i] as PlannedPhoto;
      try {
        const bytes = readPhoto(p);
        analysed[i] = {
          ...p,
          sha256: sha256Hex(bytes),
          analysis: await analyzer.analyze({ file: p.file, bytes }),
        };
      } catch (err) {
        failed = true;
        if (err instanceof UserError) throw new UserError(err.message, { ...p.where, cause: err });
        throw err;
      }
      onProgress?.({ phase: 'analyze', done: ++done, total: planned.length, file: p.file });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return analysed;
}

function readPhoto(p: PlannedPhoto): Buffer {
  try {
    return readFileSync(p.file);
  } catch (err) {
    throw new UserError(`cannot read the photo ${p.file}: ${(err as Error).message}`, {
      ...p.where,
      cause: err,
    });
  }
}

/** Runs one row's writes; a refusal without a place of its own gets the row's file and line. */
function atRow(p: PlannedPhoto, write: () => void): void {
  try {
    write();
  } catch (err) {
    if (err instanceof UserError && err.file === undefined)
      throw new UserError(err.message, { ...p.where, cause: err });
    throw err;
  }
}

/** The catalogue column a disease id goes in, e.g. { omim: 'OMIM:190685' }. */
function diseaseIds(id: string | null): Partial<Record<'omim' | 'orpha' | 'mondo', string>> {
  const kind = id === null ? undefined : diseaseIdKind(id);
  return kind && id ? { [kind]: id } : {};
}

function where(p: PlannedPhoto): string {
  return p.where.line === undefined ? p.where.file : `${p.where.file}:${p.where.line}`;
}

function planCsv(csv: string, controls: Set<string>): PlannedPhoto[] {
  const { header, records } = readCsv(csv);
  for (const need of ['patient', 'photo', 'syndrome'])
    if (!header.includes(need))
      throw new UserError(`the header lacks a '${need}' column (has: ${header.join(', ')})`, {
        file: csv,
        line: 1,
      });
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
      isControl: controls.has(label.toLowerCase()),
      sex: sexOf(r, at),
      ageYears: ageOf(r, at),
      gene: r.values.get('gene') || null,
      diseaseId,
    };
  });
}

/** DIR/<label>/<photos>, each photo its own patient unless DIR/<label>/metadata.csv (file,patient) groups them. */
function planFolder(dir: string, controls: Set<string>): PlannedPhoto[] {
  const planned: PlannedPhoto[] = [];
  const labels = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (labels.length === 0) throw new UserError('expected one folder per syndrome label', { file: dir });
  for (const label of labels) {
    const folder = join(dir, label);
    const meta = join(folder, 'metadata.csv');
    const rows = existsSync(meta) ? metadataRows(meta, folder) : new Map<string, MetadataRow>();
    const photos = readdirSync(folder)
      .filter((f) => photoExtensions.has(extname(f).toLowerCase()))
      .sort();
    for (const f of photos) {
      const m = rows.get(f);
      planned.push({
        file: join(folder, f),
        where: m ? { file: meta, line: m.line } : { file: join(folder, f) },
        patient: `${label}/${m?.patient ?? parse(f).name}`,
        label,
        isControl: controls.has(label.toLowerCase()),
        sex: m?.sex ?? 'unknown',
        ageYears: m?.ageYears ?? null,
        gene: null,
        diseaseId: null,
      });
    }
  }
  return planned;
}

interface MetadataRow {
  line: number;
  patient: string;
  sex: Sex;
  ageYears: number | null;
}

function metadataRows(meta: string, folder: string): Map<string, MetadataRow> {
  const { header, records } = readCsv(meta);
  for (const need of ['file', 'patient'])
    if (!header.includes(need))
      throw new UserError(`the header lacks a '${need}' column (has: ${header.join(', ')})`, {
        file: meta,
        line: 1,
      });
  const rows = new Map<string, MetadataRow>();
  for (const r of records) {
    const at = { file: meta, line: r.line };
    const file = basename(required(r, 'file', at));
    photoFile(join(folder, file), at);
    if (rows.has(file)) throw new UserError(`'${file}' is listed twice`, at);
    rows.set(file, {
      line: r.line,
      patient: required(r, 'patient', at),
      sex: sexOf(r, at),
      ageYears: ageOf(r, at),
    });
  }
  return rows;
}

function required(r: CsvRecord, column: string, at: { file: string; line: number }): string {
  const v = r.values.get(column);
  if (!v) throw new UserError(`the '${column}' field is empty`, at);
  return v;
}

function photoFile(path: string, at: { file: string; line: number }): string {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`photo not found: ${path}`, at);
  return path;
}

function sexOf(r: CsvRecord, at: { file: string; line: number }): Sex {
  const v = (r.values.get('sex') ?? '').toLowerCase();
  if (!v) return 'unknown';
  const s = ({ f: 'female', m: 'male' } as Record<string, Sex>)[v] ?? (v as Sex);
  if (!sexes.includes(s))
    throw new UserError(`sex must be one of ${sexes.join(', ')}, F or M (got '${v}')`, at);
  return s;
}

function ageOf(r: CsvRecord, at: { file: string; line: number }): number | null {
  const v = r.values.get('age');
  if (!v) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 130)
    throw new UserError(`age must be years from 0 to 130 (got '${v}')`, at);
  return n;
}

/** One patient is one sex and one kind (control or not), and must be new to the store. */
function checkPatients(store: Store, planned: PlannedPhoto[]): void {
  const first = new Map<string, PlannedPhoto>();
  for (const p of planned) {
    const f = first.get(p.patient);
    if (!f) {
      first.set(p.patient, p);
      if (store.patients.find(p.patient))
        throw new UserError(`patient '${p.patient}' is already in the case store`, p.where);
      continue;
    }
    if (f.sex !== p.sex)
      throw new UserError(`patient '${p.patient}' is ${p.sex} here but ${f.sex} at ${where(f)}`, p.where);
    if (f.isControl !== p.isControl)
      throw new UserError(`patient '${p.patient}' is a control at only one of here and ${where(f)}`, p.where);
  }
}

function checkDuplicates(analysed: AnalysedPhoto[]): void {
  const seen = new Map<string, PlannedPhoto>();
  analysed.forEach((p) => {
    const key = `${p.patient}\u0000${p.sha256}`;
    const f = seen.get(key);
    if (f)
      throw new UserError(`the same photo twice for patient '${p.patient}' (also at ${where(f)})`, p.where);
    seen.set(key, p);
  });
}
