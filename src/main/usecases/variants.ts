/**
 * The case's variants in the app: VCF import as a job (progress by line, cancellable, all or nothing),
 * the gene-syndrome catalogue, and the ranking whose face component is the case's match against the
 * gallery, as Matching computes it for the Matches screen (same model, learnt space and gallery version);
 * `facepheno variants` ranks with the same face component.
 */
import { faceMatcherFromRanking } from '../genomics/face-link.js';
import { GenomicsRepository, type VcfImport } from '../genomics/repository.js';
import { DEFAULT_FILTER, type FaceMatcher, type RankedVariant as Ranked } from '../genomics/rank.js';
import { UserError } from '../errors.js';
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
import type { Matching } from './matching.js';

/** Progress is reported every this many records: often enough to move a bar, rarely enough to cost nothing. */
const PROGRESS_EVERY = 2000;

export class Genomics {
  private readonly repo: GenomicsRepository;

  constructor(private readonly store: Store) {
    this.repo = new GenomicsRepository(store);
  }

  async importVcf(
    caseId: string,
    path: string,
    sample: string | null,
    ctx: JobContext,
  ): Promise<{ import: VcfImportInfo; alreadyImported: boolean }> {
    ctx.progress('reading the VCF', 0, 0);
    const r = await this.repo.importVcf(caseId, path, {
      ...(sample === null ? {} : { sample }),
      // ctx.progress throws once the job is cancelled: the import then rolls back.
      onRecord: (line) => {
        if (ctx.signal.aborted || line % PROGRESS_EVERY === 0) ctx.progress('reading the VCF', line, 0);
      },
    });
    return { import: importInfo(r.import), alreadyImported: r.alreadyImported };
  }

  async importCatalogue(path: string): Promise<CatalogueInfo> {
    await this.repo.importCatalogue(path);
    return this.catalogue() as CatalogueInfo;
  }

  catalogue(): CatalogueInfo | null {
    return this.repo.catalogueInfo();
  }

  /** The case's ranked candidates from its latest VCF, the face component from `face`. */
  async list(caseId: string, filter: CandidateFilter | null, face: CaseFaceMatch): Promise<VariantList> {
    this.store.patients.get(caseId);
    const latest = this.repo.imports(caseId)[0];
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
    const ranking = await this.repo.rankVariants(caseId, {
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

function defaultFilter(): CandidateFilter {
  return {
    maxGnomadAf: DEFAULT_FILTER.maxGnomadAf,
    impacts: [...DEFAULT_FILTER.impacts],
    clinvarPathogenic: DEFAULT_FILTER.clinvarPathogenic,
  };
}

function importInfo(i: VcfImport): VcfImportInfo {
  return {
    fileName: i.fileName,
    sha256: i.sha256,
    sample: i.sample,
    samples: i.samples,
    build: i.build,
    records: i.records,
    variants: i.variants,
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
