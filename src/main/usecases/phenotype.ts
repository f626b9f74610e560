/**
 * The vocabularies a case is described in: the department's HPO release (loaded, searched) and the
 * syndromes the store knows (searched by name, OMIM/ORPHA/MONDO id or gene).
 */
import { UserError } from '../errors.js';
import type { InputFile } from '../input-file.js';
import type { HpoHit, HpoRelease } from '../store/repos/hpo.js';
import type { Syndrome } from '../store/repos/syndromes.js';
import type { Workspace } from './workspace.js';

export type { HpoHit, HpoRelease, Syndrome };

/** Loads an HPO release (hp.json or hp.obo) in place of the one loaded before. */
export function loadHpo(ws: Workspace, file: InputFile): HpoRelease {
  ws.store.hpo.load(file);
  const release = ws.store.hpo.release();
  if (!release) throw new Error('the HPO release was not recorded');
  return release;
}

export function hpoRelease(ws: Workspace): HpoRelease | null {
  return ws.store.hpo.release() ?? null;
}

export function searchTerms(ws: Workspace, query: string, limit: number): HpoHit[] {
  if (!ws.store.hpo.release())
    throw new UserError('no phenotype ontology (HPO) is loaded yet: load the hp.json release in Settings');
  return ws.store.hpo.search(query, limit);
}

export function searchSyndromes(ws: Workspace, query: string, limit: number): Syndrome[] {
  const q = query.trim().toLowerCase();
  return ws.store.syndromes
    .list()
    .filter((s) => [s.name, s.omim, s.orpha, s.mondo, ...s.genes].some((v) => v?.toLowerCase().includes(q)))
    .slice(0, limit);
}
