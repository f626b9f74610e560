/**
 * The case's variants, for the app and for `facepheno vcf` and `facepheno variants`: VCF import (as a job in
 * the app: progress by line, cancellable, all or nothing), the gene-syndrome catalogue, and the ranking
 * whose face component is the case's match against the gallery, as Matching computes it for the Matches
 * screen (same model, learnt space and gallery version).
 */
import { dirname } from 'node:path';
import type { Catalogue } from '../genomics/catalogue.js';
import type { InputFile } from '../input-file.js';
import { faceMatcherFromRanking } from '../genomics/face-link.js';
import { readPed } from '../genomics/pedigree.js';
import {
  DEFAULT_FILTER,
  DEFAULT_WEIGHTS,
  compareRanked,
  isCandidate,
  scoreVariant,
  type CandidateFilter as Filter,
  type FaceMatch,
  type FaceMatcher,
  type PriorityWeights,
  type RankedVariant as Ranked,
  type SyndromeMatch,
} from '../genomics/rank.js';
import { UserError } from '../errors.js';
import { isPostgresUrl } from '../store/postgres/target.js';
import type { ImportResult, VcfImport } from '../store/repos/genomics.js';
import type { Store } from '../store/store.js';
import type {
  CandidateFilter,
  CatalogueInfo,
  MatchResult,
  ModelRef,
  Provenance,
  RankedVariant,
  VariantList,
  VcfImportInfo,
} from '../../shared/api.js';
import type { JobContext } from './job-context.js';
import { LearntSpaces } from './learnt-space.js';
import { Matching } from './matching.js';

// What the command's options are checked against and its help states.
export { IMPACTS, type Impact } from '../genomics/annotation.js';
export { DEFAULT_FILTER, DEFAULT_WEIGHTS } from '../genomics/rank.js';

export interface RankOptions {
  filter?: Filter;
  weights?: PriorityWeights;
  /** The face-match component (from the matching side). */
  faceMatch?: FaceMatcher;
  /** Without faceMatch: why there is none, shown in every variant's face component. */
  faceUnavailable?: string;
}

export interface VariantRanking {
  import: VcfImport;
  /** Alleles stored for the import and how many passed the candidate filter. */
  stored: number;
  candidates: number;
  filter: Filter;
  variants: Ranked[];
}

export interface VcfFileOptions {
  /** The proband's sample column (else the pedigree's child, else the first). */
  sample?: string;
  /** A PED file naming the proband's parents (else the VCF's ##PEDIGREE lines). */
  ped?: string;
  /** INFO keys or CSQ/ANN/BCSQ fields to read gnomAD frequencies from besides the common names. */
  frequencyFields?: string[];
}

/** Progress is reported every this many records: often enough to move a bar, rarely enough to cost nothing. */
const PROGRESS_EVERY = 2000;

export class Genomics {
  constructor(private readonly store: Store) {}

  /**
   * Imports the proband's variants from a VCF into the case, all or nothing; the same file and sample again
   * changes nothing. The whole import record: what the command reports.
   */
  async importVcfFile(caseId: string, path: InputFile, opts: VcfFileOptions = {}): Promise<ImportResult> {
    const pedigree = opts.ped === undefined ? undefined : await readPed(opts.ped);
    return this.store.genomics.importVcf(caseId, path, {
      sample: opts.sample,
      pedigree,
      frequencyFields: opts.frequencyFields,
    });
  }

  /** importVcfFile as the app's job: the import as the app shows it. */
  async importVcf(
    caseId: string,
    path: InputFile,
    sample: string | null,
    ctx: JobContext,
  ): Promise<{ import: VcfImportInfo; alreadyImported: boolean }> {
    ctx.progress('reading the VCF', 0, 0);
    const r = await this.store.genomics.importVcf(caseId, path, {
      ...(sample === null ? {} : { sample }),
      // ctx.progress throws once the job is cancelled: the import then rolls back.
      onRecord: (line) => {
        if (ctx.signal.aborted || line % PROGRESS_EVERY === 0) ctx.progress('reading the VCF', line, 0);
      },
    });
    return { import: importInfo(r.import), alreadyImported: r.alreadyImported };
  }

  /** Replaces the gene-syndrome catalogue with the file's: what was read of it, as the command reports. */
  importCatalogueFile(path: InputFile): Promise<Catalogue & { sha256: string }> {
    return this.store.genomics.importCatalogue(path);
  }

  /** importCatalogueFile for the app: the catalogue now in use. */
  async importCatalogue(path: InputFile): Promise<CatalogueInfo> {
    await this.importCatalogueFile(path);
    return this.catalogue() as CatalogueInfo;
  }

  catalogue(): CatalogueInfo | null {
    return this.store.genomics.catalogueInfo();
  }

  /** The case's ranked candidates from its latest VCF, the face component from `face`. */
  async list(caseId: string, filter: CandidateFilter | null, face: CaseFaceMatch): Promise<VariantList> {
    this.store.audit.record('variants.list', this.store.patients.get(caseId).pseudonym);
    const latest = this.store.genomics.imports(caseId)[0];
    const faceMatch =
      'unavailable' in face ? { unavailable: face.unavailable } : { provenance: face.provenance };
    if (!latest) {
      return {
        caseId,
        import: null,
        filter: filter ?? defaultFilter(),
        stored: 0,
        candidates: 0,
        faceMatch,
        variants: [],
      };
    }
    const ranking = await this.rank(latest, {
      ...(filter ? { filter } : {}),
      ...('unavailable' in face ? { faceUnavailable: face.unavailable } : { faceMatch: face.faceMatch }),
    });
    return {
      caseId,
      import: importInfo(ranking.import),
      filter: ranking.filter,
      stored: ranking.stored,
      candidates: ranking.candidates,
      faceMatch,
      variants: ranking.variants.map(rankedView),
    };
  }

  /**
   * The patient's candidate variants from their latest VCF import, ranked by combined priority, each
   * with its components and its gene's syndromes (with the face match where they are in the gallery).
   */
  async rankVariants(caseId: string, opts: RankOptions = {}): Promise<VariantRanking> {
    this.store.audit.record('variants.list', this.store.patients.get(caseId).pseudonym);
    const latest = this.store.genomics.imports(caseId)[0];
    if (!latest) throw noVcf(caseId);
    return this.rank(latest, opts);
  }

  private async rank(latest: VcfImport, opts: RankOptions): Promise<VariantRanking> {
    const repo = this.store.genomics;
    const filter = opts.filter ?? DEFAULT_FILTER;
    const candidates = repo.possibleCandidates(latest.id, filter).filter((v) => isCandidate(v, filter));

    const { faceMatch } = opts;
    const faceUnavailable = faceMatch ? undefined : (opts.faceUnavailable ?? 'no face matcher was given');
    const byGene = new Map<string, SyndromeMatch[]>();
    for (const gene of new Set(candidates.map((v) => v.gene).filter((g): g is string => g !== null))) {
      const matches: SyndromeMatch[] = [];
      for (const s of repo.syndromesOfGene(gene)) {
        if (!faceMatch) {
          matches.push({ ...s, face: null, inGallery: null });
          continue;
        }
        const found = s.syndromeId === null ? [] : await faceMatch([s.syndromeId]);
        const best = found.reduce<FaceMatch | null>(
          (b, f) => (b && b.probability >= f.probability ? b : f),
          null,
        );
        matches.push({ ...s, face: best, inGallery: best !== null });
      }
      byGene.set(gene, matches);
    }
    const weights = opts.weights ?? DEFAULT_WEIGHTS;
    const ranked = candidates
      .map((v) => scoreVariant(v, (v.gene && byGene.get(v.gene)) || [], filter, weights, faceUnavailable))
      .sort(compareRanked);
    return { import: latest, stored: latest.variants, candidates: ranked.length, filter, variants: ranked };
  }
}

export type CaseFaceMatch = { faceMatch: FaceMatcher; provenance: Provenance } | { unavailable: string };

/**
 * The face component of a case's variant ranking: the case's match against the gallery in `model`, as
 * the Matches screen shows it; or, in words, why there is none (no photo, no model, gallery too small).
 */
export function caseFaceMatch(
  store: Store,
  matching: Matching,
  caseId: string,
  model: () => ModelRef,
): CaseFaceMatch {
  let result: MatchResult;
  try {
    result = matching.match(caseId, model());
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { unavailable: err.message };
  }
  const ranking = result.ranking.map((l) => ({
    label: l.label,
    probability: l.probability,
    nearest: l.nearest.map((n) => ({ patient: n.patientId, similarity: n.similarity })),
  }));
  return {
    provenance: result.provenance,
    faceMatch: faceMatcherFromRanking(ranking, (id) => store.syndromes.get(id).name),
  };
}

/**
 * `facepheno variants`: the case's ranked candidates, the face component in one of its own embedding models
 * (`modelId`, else the first by id that its photos have) and in the learnt space the app keeps for this
 * store: in the data directory that holds a SQLite file, in this workstation's `dataDir` for a shared
 * PostgreSQL one. Unlike the app's list, a case without a VCF is refused.
 */
export async function rankCaseVariants(
  store: Store,
  caseId: string,
  filter: CandidateFilter,
  opts: { modelId?: string; dataDir: string },
): Promise<VariantList & { import: VcfImportInfo }> {
  const target = store.config.target;
  const matching = new Matching(
    store,
    new LearntSpaces(isPostgresUrl(target) ? opts.dataDir : dirname(target), store.config.key),
  );
  const list = await new Genomics(store).list(
    caseId,
    filter,
    ownModelFaceMatch(store, matching, caseId, opts.modelId),
  );
  if (!list.import) throw noVcf(caseId);
  return { ...list, import: list.import };
}

/** caseFaceMatch in `modelId`, else in the first (by id) of the models the case's photos have. */
function ownModelFaceMatch(
  store: Store,
  matching: Matching,
  caseId: string,
  modelId: string | undefined,
): CaseFaceMatch {
  const models = matching.caseModels(caseId);
  if (models.length === 0) return { unavailable: 'the patient has no photo with a measured face' };
  const model = modelId === undefined ? models[0] : models.find((m) => m.id === modelId);
  if (!model)
    return {
      unavailable: `the patient has no face embedding from model '${modelId}' (has: ${models.map((m) => m.id).join(', ')})`,
    };
  return caseFaceMatch(store, matching, caseId, () => model);
}

function noVcf(caseId: string): UserError {
  return new UserError(`patient '${caseId.trim()}' has no imported VCF (facepheno vcf import)`);
}

function defaultFilter(): CandidateFilter {
  return {
    maxGnomadAf: DEFAULT_FILTER.maxGnomadAf,
    impacts: [...DEFAULT_FILTER.impacts],
    clinvarPathogenic: DEFAULT_FILTER.clinvarPathogenic,
  };
}

function importInfo(i: VcfImport): VcfImportInfo {
  return {
    id: String(i.id),
    fileName: i.fileName,
    sha256: i.sha256,
    sample: i.sample,
    samples: i.samples,
    build: i.build,
    records: i.records,
    variants: i.variants,
    father: i.father,
    mother: i.mother,
    frequencyFields: i.frequencyFields,
    warnings: i.warnings,
    importedAt: i.importedAt,
  };
}

function rankedView(r: Ranked): RankedVariant {
  const v = r.variant;
  return {
    variant: `${v.chrom}:${v.pos} ${v.ref}>${v.alt}`,
    gene: v.gene,
    transcript: v.transcript,
    hgvsC: v.hgvsC,
    hgvsP: v.hgvsP,
    consequence: v.consequence,
    impact: v.impact,
    genotype: v.genotype,
    zygosity: v.zygosity,
    fatherGenotype: v.fatherGenotype,
    motherGenotype: v.motherGenotype,
    segregation: v.segregation,
    gnomadAf: v.gnomadAf,
    clinvar: v.clinvar,
    cadd: v.cadd,
    revel: v.revel,
    priority: r.priority,
    components: r.components,
    syndromes: r.syndromes.map((s) => ({
      diseaseId: s.diseaseId,
      name: s.name,
      inheritance: s.inheritance,
      inGallery: s.inGallery,
      face: s.face,
    })),
  };
}
