/**
 * What Settings shows about this workstation: the models (and what is wrong with them, if anything), the
 * case database and role, the HPO release, and the gallery the matches come from.
 */
import { UserError } from '../errors.js';
import type { Manifest } from '../models/manifest.js';
import { dialectOf } from '../store/db.js';
import type { Role } from '../store/roles.js';
import { hpoRelease, type HpoRelease } from './phenotype.js';
import type { Workspace } from './workspace.js';
import { verifyAudit, type AuditChainReport } from './audit.js';
import type { AuditState } from '../../shared/api.js';

export interface WorkstationInfo {
  manifest: Manifest;
  /** Why the models cannot be used (missing, altered): Settings must open to say so. */
  modelsProblem: string | null;
  /** The inference provider, once the models have loaded. */
  provider: string | null;
  database: {
    kind: 'sqlite' | 'postgres';
    location: string;
    role: Role;
    access: string;
    connectionWarning: string | null;
  };
  hpo: HpoRelease | null;
  gallery: {
    version: string;
    patients: number;
    photos: number;
    labels: { label: string; isControl: boolean; patients: number; photos: number }[];
  };
}

export async function workstationInfo(ws: Workspace): Promise<WorkstationInfo> {
  const { store } = ws;
  let manifest: Manifest = { format: 1, generatedBy: '', models: [] };
  let modelsProblem: string | null = null;
  try {
    manifest = ws.manifest();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    modelsProblem = err.message;
  }
  const pipeline = await ws.startedPipeline();
  const model = manifest.models.find((m) => m.task === 'face-embedding');
  const rows = model ? store.galleryEmbeddings(model.id) : [];
  const labels = new Map<string, { isControl: boolean; patients: Set<string>; photos: number }>();
  for (const r of rows) {
    const l = labels.get(r.label) ?? { isControl: r.isControl, patients: new Set(), photos: 0 };
    l.patients.add(r.patient);
    l.photos++;
    labels.set(r.label, l);
  }
  return {
    manifest,
    modelsProblem,
    provider: pipeline?.provider ?? null,
    database: {
      kind: dialectOf(store.db),
      location: store.file,
      role: store.role,
      access: store.access,
      connectionWarning: store.connectionWarning,
    },
    hpo: hpoRelease(ws),
    gallery: {
      version: store.galleryVersion(),
      patients: new Set(rows.map((r) => r.patient)).size,
      photos: rows.length,
      labels: [...labels].map(([label, l]) => ({
        label,
        isControl: l.isControl,
        patients: l.patients.size,
        photos: l.photos,
      })),
    },
  };
}

/** The chain's report in the API's one shape. */
export function auditState(ws: Workspace): AuditState {
  let r: AuditChainReport;
  try {
    r = verifyAudit(ws);
  } catch (err) {
    // A login that may not read the whole log (a researcher's on a department database): Settings still
    // opens, saying why the chain was not checked here.
    const why = (err as Error).message;
    return {
      ok: false,
      entries: 0,
      unchained: 0,
      head: null,
      brokenAt: null,
      problem: `not verified here: ${why}`,
    };
  }
  return r.ok
    ? { ok: true, entries: r.entries, unchained: r.unchained, head: r.head, brokenAt: null, problem: null }
    : {
        ok: false,
        entries: r.entries,
        unchained: r.unchained,
        head: null,
        brokenAt: r.brokenAt,
        problem: r.problem,
      };
}
