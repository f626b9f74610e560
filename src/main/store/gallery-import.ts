/**
 * The store's part of a gallery import: writing photos already read, checked and analysed (the use case,
 * usecases/gallery.ts, does that) as patients, confirmed diagnoses, controls and photos. Store.addGallery
 * runs it in one transaction.
 */
import { UserError } from '../errors.js';
import type { FacePipeline, PhotoAnalysis } from '../face/pipeline.js';
import { appVersion } from '../version.js';
import type { Sex } from '../../shared/vocabulary.js';
import type { AuditLog } from './repos/audit.js';
import type { Diagnoses } from './repos/diagnoses.js';
import type { Gallery } from './repos/gallery.js';
import type { Patients } from './repos/patients.js';
import type { Photos } from './repos/photos.js';
import type { AnalysisSettingsRepo } from './repos/settings.js';
import { diseaseIdKind, type Syndromes } from './repos/syndromes.js';

/** One analysed photo of a gallery, as it is written. */
export interface GalleryRow {
  file: string;
  /** Where the row came from (a CSV line, a metadata.csv line, the photo): a refusal names it. */
  where: { file: string; line?: number };
  patient: string;
  label: string;
  isControl: boolean;
  sex: Sex;
  ageYears: number | null;
  gene: string | null;
  diseaseId: string | null;
  sha256: string;
  analysis: PhotoAnalysis;
  /** The photo's bytes, read when its row is written: a whole gallery is too large to hold. */
  bytes(): Buffer;
}

/** What was written, as the audit log records it. */
export interface GalleryWritten {
  source: string;
  patients: number;
  controls: number;
  photos: number;
  faces: number;
  syndromes: string[];
  /** Photos stored although no face was found in them. */
  noFace: number;
}

export interface GalleryWriteOptions {
  /** The gallery file or folder, for the audit log. */
  source: string;
  onStored?: (done: number, file: string) => void;
}

/** The repositories a gallery's rows go to (the Store's). */
export interface GalleryRepos {
  settings: AnalysisSettingsRepo;
  patients: Patients;
  gallery: Gallery;
  syndromes: Syndromes;
  diagnoses: Diagnoses;
  photos: Photos;
  audit: AuditLog;
}

/** Writes the rows; the caller holds the transaction, so a refusal at any row leaves nothing written. */
export function writeGallery(
  store: GalleryRepos,
  rows: readonly GalleryRow[],
  analyzer: Pick<FacePipeline, 'embeddingModels' | 'provider'>,
  opts: GalleryWriteOptions,
): GalleryWritten {
  const models = new Map(analyzer.embeddingModels.map((m) => [m.id, m]));
  const settingsId = store.settings.intern({
    appVersion,
    provider: analyzer.provider,
    embeddingModels: analyzer.embeddingModels,
  });
  const patients = new Map<string, { id: number; pseudonym: string }>();
  const syndromes = new Set<string>();
  const diagnosed = new Set<string>();
  let faces = 0;
  let noFace = 0;
  for (const [i, p] of rows.entries()) {
    atRow(p, () => {
      let patient = patients.get(p.patient);
      if (!patient) {
        patient = store.patients.create({
          pseudonym: p.patient,
          sex: p.sex,
          isControl: p.isControl,
          kind: 'reference',
        });
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
      const photo = {
        file: p.file,
        bytes: p.bytes(),
        sha256: p.sha256,
        analysis: p.analysis,
        ageYears: p.ageYears,
      };
      store.photos.add(patient, photo, settingsId, models);
    });
    faces += p.analysis.faces.length;
    if (p.analysis.primary === null) noFace++;
    opts.onStored?.(i + 1, p.file);
  }
  const written = {
    source: opts.source,
    patients: patients.size,
    controls: new Set(rows.filter((p) => p.isControl).map((p) => p.patient)).size,
    photos: rows.length,
    faces,
    syndromes: [...syndromes].sort(),
    noFace,
  };
  store.audit.record('gallery.import', null, written);
  return written;
}

/** Runs one row's writes; a refusal without a place of its own gets the row's file and line. */
function atRow(p: GalleryRow, write: () => void): void {
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
