import type { Db } from '../db.js';
import { UserError } from '../../errors.js';
import { hpoIdPattern } from '../hpo/parse.js';
import type { AuditLog } from './audit.js';
import type { Hpo } from './hpo.js';
import { write } from './write.js';

export interface PatientTerm {
  termId: string;
  label: string;
  /** Looked for and found absent. */
  excluded: boolean;
  recordedAt: string;
}

export interface PatientTermInput {
  termId: string;
  excluded?: boolean;
  /** Used only while no ontology is loaded; with one, the ontology's name is stored. */
  label?: string;
}

interface TermRow {
  term_id: string;
  label: string;
  excluded: number;
  recorded_at: string;
}

/** A patient's HPO terms, present or excluded. */
export class PatientTerms {
  private readonly upsert;
  private readonly ofPatient;
  private readonly remove;

  constructor(
    private readonly db: Db,
    private readonly hpo: Hpo,
    private readonly audit: AuditLog,
  ) {
    this.upsert = db.prepare(`INSERT INTO patient_terms (patient_id, term_id, label, excluded, recorded_at)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (patient_id, term_id) DO UPDATE SET label = excluded.label,
      excluded = excluded.excluded, recorded_at = excluded.recorded_at`);
    this.ofPatient = db.prepare(
      'SELECT * FROM patient_terms WHERE patient_id = ? ORDER BY excluded, term_id',
    );
    this.remove = db.prepare('DELETE FROM patient_terms WHERE patient_id = ? AND term_id = ?');
  }

  /**
   * Records a term for the patient. With an ontology loaded the id must be a current term; without one
   * the id is only checked for form and the caller's label is kept.
   */
  set(patient: { id: number; pseudonym: string }, t: PatientTermInput): void {
    write(this.db, () => {
      const id = t.termId.trim();
      let label: string;
      if (this.hpo.release()) label = this.hpo.current(id).name;
      else if (!hpoIdPattern.test(id))
        throw new UserError(`'${id}' is not an HPO id (expected HP: and 7 digits)`);
      else label = t.label?.trim() || id;
      const excluded = t.excluded ?? false;
      this.upsert.run(patient.id, id, label, excluded ? 1 : 0, new Date().toISOString());
      this.audit.record('term.set', patient.pseudonym, { termId: id, excluded });
    });
  }

  unset(patient: { id: number; pseudonym: string }, termId: string): void {
    write(this.db, () => {
      this.remove.run(patient.id, termId);
      this.audit.record('term.remove', patient.pseudonym, { termId });
    });
  }

  forPatient(patientId: number): PatientTerm[] {
    return (this.ofPatient.all(patientId) as TermRow[]).map((r) => ({
      termId: r.term_id,
      label: r.label,
      excluded: r.excluded === 1,
      recordedAt: r.recorded_at,
    }));
  }
}
