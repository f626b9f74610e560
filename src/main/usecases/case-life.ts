/**
 * A case's life after it is made: a photo, a VCF import or the whole case deleted (rows in one transaction,
 * photo files no other row names removed, the audit log recording who removed what); a clinic case marked
 * solved with its confirmed diagnosis; a solved case added to the gallery, which only a user's explicit
 * action does. A researcher changes none of it.
 */
import { UserError } from '../errors.js';
import type { Patient } from '../store/repos/patients.js';
import type { Syndrome } from '../store/repos/syndromes.js';
import type { Photo } from '../store/repos/photos.js';
import type { VcfImport } from '../store/repos/genomics.js';
import type { CaseRemoved } from '../store/store.js';

export type { VcfImport };
import type { Workspace } from './workspace.js';

/** A researcher records nothing and removes nothing (on a department database the server refuses it too). */
function mayChange(ws: Workspace, what: string): void {
  if (ws.store.role === 'researcher') throw new UserError(`a researcher cannot ${what}: a clinician can`);
}

/** Deletes the case and everything it holds; what it held, as the audit entry records it. */
export function deleteCase(ws: Workspace, id: string): CaseRemoved {
  mayChange(ws, 'delete a case');
  return ws.store.deletePatient(id);
}

/** Deletes one photo of the case (its faces and embeddings with it; the file unless another row names it). */
export function deletePhoto(ws: Workspace, caseId: string, photoId: number): Photo {
  mayChange(ws, 'delete a photo');
  const patient = ws.store.patients.get(caseId);
  const photo = ws.store.photos.get(photoId);
  if (!photo || photo.patientId !== patient.id)
    throw new UserError(`case '${patient.pseudonym}' has no photo ${photoId}`);
  return ws.store.deletePhoto(photoId);
}

/** Deletes one VCF import of the case with its variants. */
export function deleteVcfImport(ws: Workspace, caseId: string, importId: number): VcfImport {
  mayChange(ws, 'delete a VCF import');
  return ws.store.genomics.deleteImport(caseId, importId);
}

/** The syndrome a user named: its row id, a disease id (OMIM:, ORPHA:, MONDO:) or its name. */
export function syndromeNamed(ws: Workspace, named: string | number): Syndrome {
  const s = ws.store.syndromes;
  const found =
    typeof named === 'number'
      ? s.list().find((x) => x.id === named)
      : (s.findByDiseaseId(named.trim()) ?? s.findByName(named));
  if (!found)
    throw new UserError(
      `no syndrome '${String(named)}' in the catalogue: give its name or disease id as the gallery or a ` +
        'diagnosis recorded it',
    );
  return found;
}

/**
 * Marks a clinic case solved: its diagnosis recorded as confirmed, the case stamped solved, in one
 * transaction. It stays a clinic case: the gallery changes only when a user adds it (addToGallery).
 */
export function solveCase(
  ws: Workspace,
  id: string,
  diagnosis: { syndrome: string | number; gene?: string | null },
): Patient {
  mayChange(ws, 'mark a case solved');
  const store = ws.store;
  return store.transaction(() => {
    const patient = store.patients.get(id);
    if (patient.kind !== 'clinic')
      throw new UserError(`case '${patient.pseudonym}' is a gallery case: only a clinic case is solved`);
    const syndrome = syndromeNamed(ws, diagnosis.syndrome);
    store.diagnoses.set(patient, {
      syndromeId: syndrome.id,
      status: 'confirmed',
      gene: diagnosis.gene ?? null,
    });
    store.patients.markSolved(patient);
    store.audit.record('case.solve', patient.pseudonym, {
      syndrome: syndrome.name,
      gene: diagnosis.gene ?? null,
    });
    return store.patients.get(patient.pseudonym);
  });
}

/**
 * Adds a solved clinic case to the gallery: it becomes a reference case, a confirmed member the next match
 * is fitted with (the gallery version moves), shown read-only in the Gallery screen from then on.
 */
export function addToGallery(ws: Workspace, id: string): Patient {
  mayChange(ws, 'add a case to the gallery');
  const store = ws.store;
  return store.transaction(() => {
    const patient = store.patients.get(id);
    if (patient.kind === 'reference')
      throw new UserError(`case '${patient.pseudonym}' is already in the gallery`);
    const confirmed = store.diagnoses.forPatient(patient.id).some((d) => d.status === 'confirmed');
    if (patient.solvedAt === null || !confirmed)
      throw new UserError(
        `case '${patient.pseudonym}' is not solved: mark it solved with its diagnosis before adding it to the gallery`,
      );
    const withFace = store.photos
      .forPatient(patient.id)
      .some((p) => store.faces.forPhoto(p.id).some((f) => f.isPrimary));
    if (!withFace)
      throw new UserError(
        `case '${patient.pseudonym}' has no photo with a face found: the gallery could not use it`,
      );
    store.patients.setKind(patient, 'reference', 'case.to_gallery');
    return store.patients.get(patient.pseudonym);
  });
}

/** The case's VCF imports, newest first: what a deletion names by id. */
export function vcfImports(ws: Workspace, id: string): VcfImport[] {
  return ws.store.genomics.imports(id);
}
