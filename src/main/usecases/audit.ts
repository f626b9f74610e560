/**
 * The audit log read back: its entries listed, and its hash chain verified. Listing is itself a read of
 * patient data (the entries name patients and what was done to them), so it is recorded; verifying is not.
 */
import type { AuditChainReport, AuditEntry } from '../store/repos/audit.js';
import type { Workspace } from './workspace.js';

export type { AuditChainReport, AuditEntry };

/** The whole chain checked; `anchor`, a head hash written down earlier, must be one of its entries. */
export function verifyAudit(ws: Workspace, opts: { anchor?: string } = {}): AuditChainReport {
  return ws.store.audit.verify(opts);
}

/**
 * The latest entries, newest first, of one patient where given: by the store's spelling of a patient it
 * has, else as given (the log outlives a deleted patient).
 */
export function listAudit(ws: Workspace, opts: { patient?: string; limit: number }): AuditEntry[] {
  const patient =
    opts.patient === undefined
      ? undefined
      : (ws.store.patients.find(opts.patient)?.pseudonym ?? opts.patient);
  const entries = ws.store.audit.recent(opts.limit, patient);
  ws.store.audit.record('audit.list', patient ?? null, { limit: opts.limit });
  return entries;
}
