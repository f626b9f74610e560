import { basename } from 'node:path';
import type { Db } from '../db.js';
import { UserError } from '../../errors.js';
import type { PhotoAnalysis } from '../../face/pipeline.js';
import type { PhotoFiles } from '../photo-files.js';
import type { AuditLog } from './audit.js';
import type { EmbeddingModelRef, Faces } from './faces.js';
import type { Role } from '../roles.js';
import { write } from './write.js';

/** A photo read and analysed, ready to be stored. */
export interface AnalyzedPhoto {
  file: string;
  bytes: Buffer;
  sha256: string;
  analysis: PhotoAnalysis;
  ageYears?: number | null;
}

export interface Photo {
  id: number;
  patientId: number;
  sha256: string;
  bytes: number;
  originalName: string;
  width: number;
  height: number;
  ageYears: number | null;
  addedAt: string;
  settingsId: number;
  /** The stored file in the data directory. */
  path: string;
}

interface PhotoRow {
  id: number;
  patient_id: number;
  sha256: string;
  bytes: number;
  original_name: string;
  width: number;
  height: number;
  age_years: number | null;
  added_at: string;
  settings_id: number;
}

export class Photos {
  private readonly insert;
  private readonly ofPatient;
  private readonly byPatientSha;
  private readonly byId;
  private readonly deleteRow;
  private readonly shaUses;
  private readonly allShas;

  constructor(
    private readonly db: Db,
    private readonly files: PhotoFiles,
    private readonly faces: Faces,
    private readonly audit: AuditLog,
    private readonly role: Role = 'clinician',
  ) {
    this.insert = db.prepare(`INSERT INTO photos
      (patient_id, sha256, bytes, original_name, width, height, age_years, added_at, settings_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.ofPatient = db.prepare('SELECT * FROM photos WHERE patient_id = ? ORDER BY id');
    this.byPatientSha = db.prepare('SELECT id FROM photos WHERE patient_id = ? AND sha256 = ?');
    this.byId = db.prepare('SELECT * FROM photos WHERE id = ?');
    this.deleteRow = db.prepare('DELETE FROM photos WHERE id = ?');
    this.shaUses = db.prepare('SELECT count(*) AS n FROM photos WHERE sha256 = ?');
    this.allShas = db.prepare('SELECT DISTINCT sha256 FROM photos').pluck();
  }

  /**
   * Stores a photo of a patient: the file first, then its row, faces and embeddings, all under the write
   * lock, so that a crash leaves at most a file without a row, which the next open sweeps away.
   */
  add(
    patient: { id: number; pseudonym: string },
    photo: AnalyzedPhoto,
    settingsId: number,
    models: ReadonlyMap<string, EmbeddingModelRef>,
  ): number {
    return write(this.db, () => {
      if (this.byPatientSha.get(patient.id, photo.sha256))
        throw new UserError(`this photo is already in case '${patient.pseudonym}'`, { file: photo.file });
      this.files.put(photo.bytes, photo.sha256);
      const a = photo.analysis;
      const photoId = Number(
        this.insert.run(
          patient.id,
          photo.sha256,
          photo.bytes.length,
          basename(photo.file),
          a.width,
          a.height,
          photo.ageYears ?? null,
          new Date().toISOString(),
          settingsId,
        ).lastInsertRowid,
      );
      a.faces.forEach((face, i) => this.faces.add(photoId, i, i === a.primary, face, models));
      this.audit.record('photo.add', patient.pseudonym, {
        photoId,
        sha256: photo.sha256,
        file: basename(photo.file),
        faces: a.faces.length,
      });
      return photoId;
    });
  }

  has(patientId: number, sha256: string): boolean {
    return this.byPatientSha.get(patientId, sha256) !== undefined;
  }

  forPatient(patientId: number): Photo[] {
    return (this.ofPatient.all(patientId) as PhotoRow[]).map((r) => this.toPhoto(r));
  }

  get(photoId: number): Photo | undefined {
    const r = this.byId.get(photoId) as PhotoRow | undefined;
    return r && this.toPhoto(r);
  }

  /** Deletes the row (faces and embeddings with it); Store.deletePhoto removes the file when no row names it. */
  delete(photo: Photo, pseudonym: string): void {
    write(this.db, () => {
      this.deleteRow.run(photo.id);
      this.audit.record('photo.delete', pseudonym, {
        photoId: photo.id,
        sha256: photo.sha256,
        file: photo.originalName,
      });
    });
  }

  /** Those of these photos that no row names any more (asked inside the deleting write transaction). */
  unused(shas: Iterable<string>): string[] {
    return [...new Set(shas)].filter((sha) => (this.shaUses.get(sha) as { n: number }).n === 0);
  }

  /** The sha256 of every photo that some row names. */
  referenced(): Set<string> {
    return new Set(this.allShas.all() as string[]);
  }

  private toPhoto(r: PhotoRow): Photo {
    return {
      id: r.id,
      patientId: r.patient_id,
      sha256: r.sha256,
      bytes: r.bytes,
      // A file's name can name the patient: a researcher sees the photo's number instead.
      originalName: this.role === 'clinician' ? r.original_name : `photo ${r.id}`,
      width: r.width,
      height: r.height,
      ageYears: r.age_years,
      addedAt: r.added_at,
      settingsId: r.settings_id,
      path: this.files.path(r.sha256),
    };
  }
}
