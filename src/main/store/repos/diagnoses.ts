import type { Db } from '../db.js';
import { UserError } from '../../errors.js';
import type { AuditLog } from './audit.js';
import { isIsoDate } from './dates.js';
import { write } from './write.js';
import { diagnosisStatuses, type DiagnosisStatus } from '../../../shared/vocabulary.js';

export { diagnosisStatuses, type DiagnosisStatus };

export interface DiagnosisInput {
  syndromeId: number;
  status: DiagnosisStatus;
  gene?: string | null;
  variant?: string | null;
  /** YYYY-MM-DD */
  date?: string | null;
}

export interface Diagnosis {
  id: number;
  patientId: number;
  syndromeId: number;
  syndrome: string;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
  status: DiagnosisStatus;
  gene: string | null;
  variant: string | null;
  date: string | null;
  recordedAt: string;
}

interface DiagnosisRow {
  id: number;
  patient_id: number;
  syndrome_id: number;
  name: string;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
  status: DiagnosisStatus;
  gene: string | null;
  variant: string | null;
  diagnosed_on: string | null;
  recorded_at: string;
}

/** A patient's confirmed, suspected or excluded syndromes, one row per patient and syndrome. */
export class Diagnoses {
  private readonly upsert;
  private readonly ofPatient;
  private readonly remove;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
  ) {
    this.upsert = db.prepare(`INSERT INTO diagnoses
      (patient_id, syndrome_id, status, gene, variant, diagnosed_on, recorded_at)
      VALUES (:patientId, :syndromeId, :status, :gene, :variant, :date, :now)
      ON CONFLICT (patient_id, syndrome_id) DO UPDATE SET status = excluded.status, gene = excluded.gene,
        variant = excluded.variant, diagnosed_on = excluded.diagnosed_on, recorded_at = excluded.recorded_at`);
    this.ofPatient = db.prepare(`SELECT d.*, s.name, s.omim, s.orpha, s.mondo
      FROM diagnoses d JOIN syndromes s ON s.id = d.syndrome_id WHERE d.patient_id = ? ORDER BY d.id`);
    this.remove = db.prepare('DELETE FROM diagnoses WHERE patient_id = ? AND syndrome_id = ?');
  }

  /** Records (or replaces) the patient's diagnosis of this syndrome. */
  set(patient: { id: number; pseudonym: string }, d: DiagnosisInput): void {
    write(this.db, () => {
      if (!diagnosisStatuses.includes(d.status))
        throw new UserError(
          `diagnosis status must be one of ${diagnosisStatuses.join(', ')} (got '${d.status}')`,
        );
      const date = d.date ?? null;
      if (date !== null && !isIsoDate(date))
        throw new UserError(`diagnosis date must be YYYY-MM-DD (got '${date}')`);
      this.upsert.run({
        patientId: patient.id,
        syndromeId: d.syndromeId,
        status: d.status,
        gene: d.gene?.trim() || null,
        variant: d.variant?.trim() || null,
        date,
        now: new Date().toISOString(),
      });
      this.audit.record('diagnosis.set', patient.pseudonym, d);
    });
  }

  unset(patient: { id: number; pseudonym: string }, syndromeId: number): void {
    write(this.db, () => {
      this.remove.run(patient.id, syndromeId);
      this.audit.record('diagnosis.remove', patient.pseudonym, { syndromeId });
    });
  }

  forPatient(patientId: number): Diagnosis[] {
    return (this.ofPatient.all(patientId) as DiagnosisRow[]).map((r) => ({
      id: r.id,
      patientId: r.patient_id,
      syndromeId: r.syndrome_id,
      syndrome: r.name,
      omim: r.omim,
      orpha: r.orpha,
      mondo: r.mondo,
      status: r.status,
      gene: r.gene,
      variant: r.variant,
      date: r.diagnosed_on,
      recordedAt: r.recorded_at,
    }));
  }
}
