/** The store's records as the contract shows them (ids become strings; the mesh loses its z). */
import type { CaseDetail, CaseSummary, Face } from '../../shared/api.js';
import { eyeMeasurements, refinedMeshPoints } from '../face/iris.js';
import type { CaseView, Store } from '../store/store.js';
import type { CaseSummary as StoredSummary } from '../store/repos/patients.js';
import type { StoredFace } from '../store/repos/faces.js';

export function caseSummary(r: StoredSummary): CaseSummary {
  return {
    id: r.pseudonym,
    sex: r.sex,
    birthYear: r.birthYear,
    photos: r.photos,
    diagnosis: r.diagnoses.length > 0 ? r.diagnoses.join(', ') : r.isControl ? 'unaffected control' : null,
    createdAt: r.createdAt,
  };
}

/** Mesh x,y pairs in image pixels from the stored x,y,z triples. */
function flatMesh(mesh: Float32Array | null): number[] | null {
  if (!mesh) return null;
  const out: number[] = [];
  for (let i = 0; i + 2 < mesh.length; i += 3) out.push(mesh[i] as number, mesh[i + 1] as number);
  return out;
}

function face(store: Store, f: StoredFace): Face {
  const mesh = store.faces.mesh(f.id);
  return {
    id: String(f.id),
    box: f.box,
    score: f.score,
    points5: f.points5,
    mesh: flatMesh(mesh),
    measurements: mesh && mesh.length === refinedMeshPoints * 3 ? eyeMeasurements(mesh) : null,
    quality: f.quality,
    primary: f.isPrimary,
  };
}

export function caseDetail(store: Store, v: CaseView): CaseDetail {
  return {
    id: v.patient.pseudonym,
    sex: v.patient.sex,
    birthYear: v.patient.birthYear,
    notes: v.patient.notes,
    kind: v.patient.kind,
    solvedAt: v.patient.solvedAt,
    createdAt: v.patient.createdAt,
    updatedAt: v.patient.updatedAt,
    photos: v.photos.map((p) => ({
      id: String(p.id),
      file: p.originalName,
      width: p.width,
      height: p.height,
      addedAt: p.addedAt,
      faces: p.faces.map((f) => face(store, f)),
      hasAligned: p.faces.some((f) => f.isPrimary),
    })),
    terms: v.terms.map((t) => ({ id: t.termId, name: t.label, status: t.excluded ? 'excluded' : 'present' })),
    diagnoses: v.diagnoses.map((d) => ({
      syndromeId: String(d.syndromeId),
      name: d.syndrome,
      status: d.status,
      gene: d.gene,
      date: d.date ?? d.recordedAt.slice(0, 10),
    })),
  };
}
