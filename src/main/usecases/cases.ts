/**
 * A patient's case: created, listed, opened (audited), edited, its terms and diagnoses set, exported to and
 * imported from a GA4GH Phenopacket. A case id is the pseudonym as the store spells it; the store finds a
 * case case-insensitively, so every use case that compares ids takes that spelling from the store.
 */
import { writeFileDurably } from '../durable-file.js';
import { UserError } from '../errors.js';
import { exportPhenopacket, importPhenopacket } from '../store/phenopacket.js';
import type { CaseList, CaseListQuery, NewPatient, Patient } from '../store/repos/patients.js';
import type { CaseView } from '../store/store.js';
import type { Workspace } from './workspace.js';

export type { CaseList, CaseView, NewPatient, Patient };
export { sexes, type Sex } from '../store/repos/patients.js';

export function createCase(ws: Workspace, p: NewPatient): Patient {
  return ws.store.transaction(() => ws.store.patients.create(p));
}

/** A person listing cases: recorded (what they searched for, how many were shown). */
export function listCases(ws: Workspace, q: CaseListQuery): CaseList {
  const list = ws.store.patients.list(q);
  ws.store.audit.record('case.list', null, {
    filter: q.filter ?? null,
    shown: list.rows.length,
    total: list.total,
  });
  return list;
}

/** A person opening a case: recorded in the audit log (who read which case, when). */
export function openCase(ws: Workspace, id: string): CaseView {
  return ws.store.openCase(id);
}

/** The case shown again after the user's own change: not a new opening, so not audited. */
export function caseAgain(ws: Workspace, id: string): CaseView {
  return ws.store.caseView(id);
}

/**
 * Saves a case's own fields; `expectedUpdatedAt` is the version the user was shown, so a save over another
 * workstation's later change is refused, naming who made it.
 */
export function updateCase(
  ws: Workspace,
  id: string,
  changes: Omit<NewPatient, 'pseudonym'>,
  expectedUpdatedAt: string,
): Patient {
  return ws.store.patients.update(id, changes, { expectedUpdatedAt });
}

/** Records a term as present or excluded, or (status null) removes it. */
export function setTerm(
  ws: Workspace,
  id: string,
  termId: string,
  status: 'present' | 'excluded' | null,
): void {
  const patient = ws.store.patients.get(id);
  ws.store.transaction(() =>
    status === null
      ? ws.store.terms.unset(patient, termId)
      : ws.store.terms.set(patient, { termId, excluded: status === 'excluded' }),
  );
}

export function setDiagnosis(
  ws: Workspace,
  id: string,
  d: Parameters<Workspace['store']['diagnoses']['set']>[1],
): void {
  const patient = ws.store.patients.get(id);
  ws.store.transaction(() => ws.store.diagnoses.set(patient, d));
}

/** Writes the case as a phenopacket to `out`, whole or not at all. */
export function exportCase(ws: Workspace, id: string, out: string): void {
  const packet = exportPhenopacket(ws.store, id);
  try {
    writeFileDurably(out, Buffer.from(JSON.stringify(packet, null, 2) + '\n'));
  } catch (err) {
    throw new UserError(`cannot write the phenopacket: ${(err as Error).message}`, { file: out, cause: err });
  }
}

/** Creates a case from a phenopacket file, all or nothing, and opens it. */
export function importCase(ws: Workspace, file: string): CaseView {
  return ws.store.openCase(importPhenopacket(ws.store, file).pseudonym);
}
