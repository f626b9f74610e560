import type { Db } from '../db.js';
import type { Role } from '../roles.js';
import { write } from './write.js';

export interface AuditEntry {
  id: number;
  at: string;
  osUser: string;
  action: string;
  patient: string | null;
  details: unknown;
}

interface AuditRow {
  id: number;
  at: string;
  os_user: string;
  action: string;
  patient: string | null;
  details: string | null;
}

/**
 * Who (the OS user) did what to which patient, when. Written in the same transaction as the change.
 * A researcher reads the entries without their details, which can hold notes, birth years and file names.
 */
export class AuditLog {
  private readonly insert;
  private readonly byPatient;
  private readonly latest;

  constructor(
    private readonly db: Db,
    readonly osUser: string,
    private readonly role: Role = 'clinician',
  ) {
    this.insert = db.prepare(
      'INSERT INTO audit_log (at, os_user, action, patient, details) VALUES (?, ?, ?, ?, ?)',
    );
    this.byPatient = db.prepare('SELECT * FROM audit_log WHERE patient = ? ORDER BY id');
    this.latest = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
  }

  /** Joins the caller's transaction; on its own (a read being recorded), a full disk is a UserError too. */
  record(action: string, patient: string | null, details?: unknown): void {
    write(this.db, () =>
      this.insert.run(
        new Date().toISOString(),
        this.osUser,
        action,
        patient,
        details === undefined ? null : JSON.stringify(details),
      ),
    );
  }

  forPatient(pseudonym: string): AuditEntry[] {
    return (this.byPatient.all(pseudonym) as AuditRow[]).map((r) => this.entry(r));
  }

  recent(limit = 100): AuditEntry[] {
    return (this.latest.all(limit) as AuditRow[]).map((r) => this.entry(r));
  }

  private entry(r: AuditRow): AuditEntry {
    return {
      id: r.id,
      at: r.at,
      osUser: r.os_user,
      action: r.action,
      patient: r.patient,
      details: r.details === null || this.role === 'researcher' ? null : JSON.parse(r.details),
    };
  }
}
