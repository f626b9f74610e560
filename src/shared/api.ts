/**
 * The API contract between the renderer and the Service: every call's input and output, every event,
 * as zod schemas (checked at each boundary) and the TypeScript types inferred from them. The renderer
 * sees it as `window.api`; the Electron shell carries it over IPC, `facepheno serve` over HTTP.
 */
import { z } from 'zod';
import { diagnosisStatuses, sexes } from './vocabulary.js';

// ---------------------------------------------------------------- building blocks

const text = (max: number) => z.string().max(max);
const name = z.string().trim().min(1).max(200);
/** Ids of rows the Service handed out (patients, photos, faces, syndromes, jobs). */
const rowId = z.string().min(1).max(200);
const count = z.number().int().nonnegative();
const point = z.tuple([z.number(), z.number()]);

/** A photo's bytes as base64; ~60 MB of text at most (45 MB of image), the pipeline refuses larger ones. */
export const Base64 = z.string().max(60_000_000);

/** A plain file name as the user saw it: no folders, so it can never be taken for a path. */
const fileName = name.refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'a file name, not a path');

/** A relative path inside an uploaded folder ('label/photo.jpg'); checked again where it is written. */
const relativePath = z
  .string()
  .min(1)
  .max(1000)
  .refine(
    (s) =>
      !s.startsWith('/') && !/\\|\0|^[a-zA-Z]:/.test(s) && !s.split('/').some((p) => p === '..' || p === '.'),
    'a relative path inside the folder',
  );

/**
 * A file given by the user. Renderers never name paths: a file is either its bytes (drag and drop,
 * or the browser's file picker) or a token the Electron shell issued for a file chosen in its dialog.
 */
export const FileSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bytes'), name: fileName, data: Base64 }),
  z.object({ kind: z.literal('token'), token: z.string().min(16).max(128) }),
]);
export type FileSource = z.infer<typeof FileSource>;

export const Sex = z.enum(sexes);
export type Sex = z.infer<typeof Sex>;

/** A clinic case is the department's patient; a reference case belongs to the gallery (read-only on screen). */
export const CaseKind = z.enum(['clinic', 'reference']);
export type CaseKind = z.infer<typeof CaseKind>;

export const ModelRef = z.object({ id: z.string(), sha256: z.string() });
export type ModelRef = z.infer<typeof ModelRef>;

/** Where a figure a clinician acts on came from (DESIGN: model, gallery and version). */
export const Provenance = z.object({
  model: ModelRef,
  galleryVersion: z.string(),
  appVersion: z.string(),
  method: z.string(),
});
export type Provenance = z.infer<typeof Provenance>;

// ---------------------------------------------------------------- cases

export const CaseSummary = z.object({
  id: rowId,
  sex: Sex,
  birthYear: z.number().int().nullable(),
  photos: count,
  diagnosis: z.string().nullable(),
  createdAt: z.string(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

export const Quality = z.object({
  interocularPx: z.number(),
  yaw: z.number(),
  pitch: z.number(),
  roll: z.number(),
  blur: z.number(),
  exposure: z.number(),
  flags: z.array(z.string()),
});
export type Quality = z.infer<typeof Quality>;

/** Eye distances in image pixels and as fractions of the outer canthal distance (needs the irises in the mesh). */
export const EyeMeasurements = z.object({
  interpupillaryPx: z.number(),
  innerCanthalPx: z.number(),
  outerCanthalPx: z.number(),
  interpupillaryRatio: z.number(),
  innerCanthalRatio: z.number(),
});
export type EyeMeasurements = z.infer<typeof EyeMeasurements>;

export const Face = z.object({
  id: rowId,
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  score: z.number(),
  points5: z.array(point),
  /** Mesh landmarks x,y in image pixels (z dropped), or null where the mesh was not computed. */
  mesh: z.array(z.number()).nullable(),
  /** From the stored mesh; null for faces stored before the iris model (their mesh has no irises). */
  measurements: EyeMeasurements.nullable(),
  quality: Quality,
  primary: z.boolean(),
});
export type Face = z.infer<typeof Face>;

export const Photo = z.object({
  id: rowId,
  file: z.string(),
  width: count,
  height: count,
  addedAt: z.string(),
  faces: z.array(Face),
  hasAligned: z.boolean(),
});
export type Photo = z.infer<typeof Photo>;

export const TermStatus = z.enum(['present', 'excluded']);
export const CaseTerm = z.object({ id: z.string(), name: z.string(), status: TermStatus });
export type CaseTerm = z.infer<typeof CaseTerm>;

export const DiagnosisStatus = z.enum(diagnosisStatuses);
export const Diagnosis = z.object({
  syndromeId: rowId,
  name: z.string(),
  status: DiagnosisStatus,
  gene: z.string().nullable(),
  date: z.string(),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

export const CaseDetail = z.object({
  id: rowId,
  sex: Sex,
  birthYear: z.number().int().nullable(),
  notes: z.string(),
  kind: CaseKind,
  /** When a user marked the case solved with its confirmed diagnosis; null while it is not. */
  solvedAt: z.string().nullable(),
  createdAt: z.string(),
  /** When the case was last saved: given back with an edit, so a save over another user's change is refused. */
  updatedAt: z.string(),
  photos: z.array(Photo),
  terms: z.array(CaseTerm),
  diagnoses: z.array(Diagnosis),
});
export type CaseDetail = z.infer<typeof CaseDetail>;

// ---------------------------------------------------------------- matching and comparison

export const Neighbour = z.object({
  patientId: z.string(),
  /** The gallery photo and face to show; null for a member of another centre's gallery pack (no photo). */
  photoId: z.string().nullable(),
  faceId: z.string().nullable(),
  /** The centre whose gallery pack the case came from; null for this store's own cases. */
  centre: z.string().nullable(),
  similarity: z.number(),
});
export type Neighbour = z.infer<typeof Neighbour>;

export const Ranked = z.object({
  label: z.string(),
  isControl: z.boolean(),
  /** Calibrated probability; the ranking's probabilities sum to 1 (with 'none of these' where given). */
  probability: z.number().min(0).max(1),
  /** The label's score in the nearest-case space (its closest cases), shown beside the probability. */
  similarity: z.number(),
  nearest: z.array(Neighbour),
});
export type Ranked = z.infer<typeof Ranked>;

export const MatchResult = z.object({
  caseId: rowId,
  photos: count,
  ranking: z.array(Ranked),
  /** Open set: the patient is farther from every gallery case than the gallery's own cases are from each other. */
  noneOfThese: z.boolean(),
  /** Cosine similarity of the closest gallery case. */
  bestSimilarity: z.number(),
  provenance: Provenance,
});
export type MatchResult = z.infer<typeof MatchResult>;

/** A face in the 112x112 aligned frame (ArcFace template): the image and its landmarks there. */
export const AlignedFace = z.object({
  photoId: rowId,
  patientId: z.string(),
  label: z.string().nullable(),
  png: Base64,
  points5: z.array(point),
  landmarks: z.array(point),
});
export type AlignedFace = z.infer<typeof AlignedFace>;

export const Comparison = z.object({
  patient: AlignedFace,
  gallery: AlignedFace,
  similarity: z.number(),
  provenance: Provenance,
});
export type Comparison = z.infer<typeof Comparison>;

// ---------------------------------------------------------------- analysis (researchers)

/** Clusters of the gallery's faces compared with their labels. */
const partition = z.object({
  method: z.string(),
  clusters: z.number().int(),
  noise: z.number().int(),
  adjustedRandIndex: z.number(),
  normalisedMutualInformation: z.number(),
  overallPurity: z.number(),
  perCluster: z.array(
    z.object({
      cluster: z.number().int(),
      size: z.number().int(),
      majority: z.string(),
      purity: z.number(),
      labels: z.array(z.object({ label: z.string(), count: z.number().int() })),
    }),
  ),
  shared: z.array(
    z.object({ labels: z.tuple([z.string(), z.string()]), clusters: z.array(z.number().int()) }),
  ),
});

export const SpaceView = z.object({
  model: z.string(),
  galleryVersion: z.string(),
  appVersion: z.string(),
  seed: z.number().int(),
  spaces: z.array(
    z.object({
      space: z.enum(['raw', 'learnt']),
      note: z.string(),
      pcaExplained: z.array(z.number()),
      clusters: z.object({ dbscan: partition, agglomerative: partition }),
      placement: z
        .object({
          patient: z.string(),
          x: z.number(),
          y: z.number(),
          neighbours: z.array(z.object({ patient: z.string(), label: z.string(), similarity: z.number() })),
        })
        .nullable(),
      points: z.array(
        z.object({
          patient: z.string(),
          photoId: z.string(),
          label: z.string(),
          sex: z.string(),
          ageBand: z.string(),
          umap: z.tuple([z.number(), z.number()]),
          pca: z.tuple([z.number(), z.number()]),
          dbscan: z.number().int(),
          agglomerative: z.number().int(),
        }),
      ),
    }),
  ),
  averages: z.array(
    z.object({
      label: z.string(),
      cases: z.number().int(),
      controls: z.number().int(),
      meanDisplacementPx: z.number(),
      png: z.string(),
    }),
  ),
});
export type SpaceView = z.infer<typeof SpaceView>;

export const HeatmapView = z.object({
  caseId: z.string(),
  label: z.string(),
  model: z.string(),
  /** The case's score for the label, unoccluded (mean similarity of its closest gallery patients). */
  score: z.number(),
  png: z.string(),
});
export type HeatmapView = z.infer<typeof HeatmapView>;

// ---------------------------------------------------------------- genomics

const FaceMatchOfSyndrome = z.object({
  label: z.string(),
  probability: z.number(),
  /** 1 = the patient's best-matching label in the gallery. */
  rank: z.number().int(),
  nearest: z.array(z.object({ patient: z.string(), similarity: z.number() })),
});

export const VcfImportInfo = z.object({
  id: rowId,
  fileName: z.string(),
  sha256: z.string(),
  sample: z.string(),
  samples: z.array(z.string()),
  build: z.string().nullable(),
  records: count,
  /** Alleles the proband carries, stored. */
  variants: count,
  /** The proband's parents' sample columns, where a pedigree named them. */
  father: z.string().nullable(),
  mother: z.string().nullable(),
  /** Where the gnomAD frequencies were read from; none: every allele counted as unseen (rare). */
  frequencyFields: z.array(z.string()),
  warnings: z.array(z.string()),
  importedAt: z.string(),
});
export type VcfImportInfo = z.infer<typeof VcfImportInfo>;

export const Impact = z.enum(['HIGH', 'MODERATE', 'LOW', 'MODIFIER']);

export const CandidateFilter = z.object({
  /** Rare: gnomAD allele frequency at most this (an allele gnomAD has not seen counts as rare). */
  maxGnomadAf: z.number().gt(0).max(1),
  /** Protein-altering: the primary annotation has one of these impacts. */
  impacts: z.array(Impact).min(1),
  /** ClinVar pathogenic / likely pathogenic alleles qualify whatever their consequence. */
  clinvarPathogenic: z.boolean(),
});
export type CandidateFilter = z.infer<typeof CandidateFilter>;

/** A candidate variant with its combined priority and every component of it. */
export const RankedVariant = z.object({
  variant: z.string(),
  gene: z.string().nullable(),
  transcript: z.string().nullable(),
  hgvsC: z.string().nullable(),
  hgvsP: z.string().nullable(),
  consequence: z.string().nullable(),
  impact: Impact.nullable(),
  genotype: z.string().nullable(),
  zygosity: z.string(),
  /** The parents' GT and whom the allele is from (de_novo, paternal, ...), where the import named them. */
  fatherGenotype: z.string().nullable(),
  motherGenotype: z.string().nullable(),
  segregation: z.enum(['de_novo', 'paternal', 'maternal', 'both_parents', 'unknown']).nullable(),
  gnomadAf: z.number().nullable(),
  clinvar: z.string().nullable(),
  cadd: z.number().nullable(),
  revel: z.number().nullable(),
  priority: z.number(),
  components: z.object({
    deleteriousness: z.number(),
    impact: z.number(),
    clinvar: z.number(),
    inSilico: z.number().nullable(),
    rarity: z.number(),
    face: z.number(),
    faceSyndrome: z.string().nullable(),
    faceNote: z.string(),
    weights: z.object({ deleteriousness: z.number(), rarity: z.number(), face: z.number() }),
  }),
  syndromes: z.array(
    z.object({
      diseaseId: z.string(),
      name: z.string().nullable(),
      inheritance: z.string().nullable(),
      inGallery: z.boolean().nullable(),
      face: FaceMatchOfSyndrome.nullable(),
    }),
  ),
});
export type RankedVariant = z.infer<typeof RankedVariant>;

export const VariantList = z.object({
  caseId: rowId,
  /** The VCF the ranking is from (the case's latest import), or null before one is imported. */
  import: VcfImportInfo.nullable(),
  filter: CandidateFilter,
  stored: count,
  candidates: count,
  /** Where the face component came from (the case's match against the gallery), or why there is none. */
  faceMatch: z.union([z.object({ provenance: Provenance }), z.object({ unavailable: z.string() })]),
  variants: z.array(RankedVariant),
});
export type VariantList = z.infer<typeof VariantList>;

export const CatalogueInfo = z.object({
  fileName: z.string(),
  layout: z.string(),
  links: count,
  genes: count,
  sha256: z.string(),
  importedAt: z.string(),
});
export type CatalogueInfo = z.infer<typeof CatalogueInfo>;

// ---------------------------------------------------------------- gallery, model, jobs

export const GalleryInfo = z.object({
  version: z.string(),
  patients: count,
  photos: count,
  labels: z.array(z.object({ label: z.string(), isControl: z.boolean(), patients: count, photos: count })),
});
export type GalleryInfo = z.infer<typeof GalleryInfo>;

export const JobKind = z.enum([
  'gallery.import',
  'model.evaluate',
  'model.train',
  'analysis.space',
  'variants.import',
]);
export type JobKind = z.infer<typeof JobKind>;
export const JobRef = z.object({ jobId: rowId, kind: JobKind });
export type JobRef = z.infer<typeof JobRef>;

export const Interval = z.object({ value: z.number(), low: z.number(), high: z.number() });
export const EvaluationReport = z.object({
  folds: count,
  patients: count,
  images: count,
  model: ModelRef,
  /** Named figures with their 95% intervals: top1, top5, auc, brier, ece, ... */
  metrics: z.record(z.string(), Interval),
  perLabel: z.array(
    z.object({ label: z.string(), images: count, metrics: z.record(z.string(), z.number()) }),
  ),
  /** Reliability diagram: mean predicted probability vs observed frequency per bin. */
  calibration: z.array(z.object({ predicted: z.number(), observed: z.number(), count: count })),
});
export type EvaluationReport = z.infer<typeof EvaluationReport>;

export const JobResult = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gallery.import'), patients: count, photos: count, labels: count }),
  z.object({ kind: z.literal('model.evaluate'), report: EvaluationReport }),
  z.object({ kind: z.literal('model.train'), summary: z.string() }),
  z.object({ kind: z.literal('analysis.space'), view: SpaceView }),
  z.object({ kind: z.literal('variants.import'), import: VcfImportInfo, alreadyImported: z.boolean() }),
]);
export type JobResult = z.infer<typeof JobResult>;

// ---------------------------------------------------------------- settings

export const HpoRelease = z.object({ version: z.string(), terms: count, loadedAt: z.string() });
export type HpoRelease = z.infer<typeof HpoRelease>;

/**
 * The audit log's hash chain as `facepheno audit verify` checks it: intact (with its head, to be written
 * down elsewhere), or the first entry found edited, deleted or out of chain.
 */
export const AuditState = z.object({
  ok: z.boolean(),
  entries: count,
  /** Entries from before the chain (schema migration 0004): counted, not covered. */
  unchained: count,
  head: z.object({ id: z.number().int(), hash: z.string() }).nullable(),
  /** The first entry found wrong; null with a problem when the chain could not be read here. */
  brokenAt: z.number().int().nullable(),
  problem: z.string().nullable(),
});
export type AuditState = z.infer<typeof AuditState>;

export const AppInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  /** The case database in use: this workstation's SQLite file or a department's PostgreSQL (no password). */
  database: z.object({
    kind: z.enum(['sqlite', 'postgres']),
    location: z.string(),
    /** clinician sees identities; researcher sees pseudonymised cases. */
    role: z.enum(['clinician', 'researcher']),
    /** What the role means here: enforced by the PostgreSQL server, or (SQLite) a display mode only. */
    access: z.string(),
    /** Why the connection to the database server is less protected than verified TLS; null when not. */
    connectionWarning: z.string().nullable(),
  }),
  provider: z.string().nullable(),
  /** Why the models cannot be used (missing, damaged), or null. */
  modelsProblem: z.string().nullable(),
  models: z.array(
    z.object({
      id: z.string(),
      task: z.string(),
      sha256: z.string(),
      source: z.string(),
      licence: z.string(),
    }),
  ),
  gallery: GalleryInfo,
  /** The loaded HPO release that term search uses, or null before one is loaded. */
  hpo: HpoRelease.nullable(),
});
export type AppInfo = z.infer<typeof AppInfo>;

// ---------------------------------------------------------------- the calls

const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output });

export const calls = {
  'app.info': call(z.object({}), AppInfo),
  /** The whole chain walked and rehashed: asked for by Settings, not with every app.info. */
  'audit.state': call(z.object({}), AuditState),

  /** The clinic's own cases newest first, or (kind reference) the gallery's cases by id. */
  'cases.list': call(
    z.object({
      filter: text(200).default(''),
      limit: z.number().int().min(1).max(100_000).default(10_000),
      kind: CaseKind.default('clinic'),
    }),
    z.object({ total: count, rows: z.array(CaseSummary) }),
  ),
  'cases.create': call(
    z.object({
      id: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore (64 at most)'),
      sex: Sex.default('unknown'),
      birthYear: z.number().int().min(1900).max(2100).nullable().default(null),
      notes: text(10_000).default(''),
    }),
    CaseDetail,
  ),
  'cases.get': call(z.object({ id: rowId }), CaseDetail),
  /** Saves the case's own fields; refused when the case changed after `updatedAt` (another workstation's save). */
  'cases.update': call(
    z.object({
      id: rowId,
      updatedAt: z.iso.datetime(),
      sex: Sex.optional(),
      birthYear: z.number().int().min(1900).max(2100).nullable().optional(),
      notes: text(10_000).optional(),
    }),
    CaseDetail,
  ),
  'cases.setTerm': call(
    z.object({ caseId: rowId, termId: z.string().regex(/^HP:\d{7}$/), status: TermStatus.nullable() }),
    CaseDetail,
  ),
  'cases.setDiagnosis': call(
    z.object({
      caseId: rowId,
      syndromeId: rowId,
      status: DiagnosisStatus,
      gene: z.string().trim().max(40).nullable().default(null),
    }),
    CaseDetail,
  ),

  /** Deletes the case with its photos (files no other case shares), terms, diagnoses and VCF imports. */
  'cases.delete': call(z.object({ id: rowId }), z.object({ id: rowId, photos: count, vcfImports: count })),
  /** Marks a clinic case solved: the diagnosis recorded as confirmed; the gallery is not changed. */
  'cases.solve': call(
    z.object({ caseId: rowId, syndromeId: rowId, gene: z.string().trim().max(40).nullable().default(null) }),
    CaseDetail,
  ),
  /** Adds a solved case to the gallery (the user's explicit action): it becomes a reference case. */
  'cases.addToGallery': call(z.object({ caseId: rowId }), CaseDetail),

  /** Adds photos to a case, running the face pipeline on each; one bad file fails that file only. */
  'photos.add': call(
    z.object({ caseId: rowId, files: z.array(FileSource).min(1).max(50) }),
    z.object({
      case: CaseDetail,
      results: z.array(
        z.object({ name: z.string(), photoId: z.string().nullable(), error: z.string().nullable() }),
      ),
    }),
  ),
  'photos.image': call(
    z.object({ photoId: rowId, kind: z.enum(['original', 'aligned']) }),
    z.object({ mime: z.string(), data: Base64 }),
  ),
  /** Deletes one photo of the case; its file goes unless another case has the same photo. */
  'photos.delete': call(z.object({ caseId: rowId, photoId: rowId }), CaseDetail),
  /** Electron only: the open dialog; returns tokens for the chosen files (or folder), never paths. */
  'files.open': call(
    z.object({ kind: z.enum(['images', 'folder', 'ontology', 'vcf', 'catalogue']) }),
    z.object({ files: z.array(z.object({ token: z.string(), name: z.string() })) }),
  ),

  'terms.search': call(
    z.object({ query: text(200), limit: z.number().int().min(1).max(200).default(20) }),
    z.object({
      terms: z.array(z.object({ id: z.string(), name: z.string(), synonyms: z.array(z.string()) })),
    }),
  ),
  /** Loads (replaces) the HPO ontology from the department's hp.json or hp.obo. */
  'terms.load': call(z.object({ file: FileSource }), HpoRelease),
  'syndromes.search': call(
    z.object({ query: text(200), limit: z.number().int().min(1).max(200).default(20) }),
    z.object({ syndromes: z.array(z.object({ id: rowId, name: z.string(), genes: z.array(z.string()) })) }),
  ),

  'match.case': call(z.object({ caseId: rowId }), MatchResult),
  'compare.faces': call(
    z.object({ caseId: rowId, photoId: rowId.nullable().default(null), galleryPhotoId: rowId }),
    Comparison,
  ),

  /** Imports a gallery (a folder per label): a folder chosen in the dialog, or the files of one uploaded. */
  'gallery.import': call(
    z.object({
      source: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('token'), token: z.string().min(16).max(128) }),
        z.object({
          kind: z.literal('files'),
          files: z
            .array(z.object({ path: relativePath, data: Base64 }))
            .min(1)
            .max(20_000),
        }),
      ]),
      controls: z.array(name).max(100).default([]),
    }),
    JobRef,
  ),
  'model.evaluate': call(z.object({ folds: z.number().int().min(2).max(20).default(5) }), JobRef),
  /** Trains the learnt face space on the gallery; it is used only where it beats the raw space. */
  'model.train': call(z.object({}), JobRef),

  /** The gallery's map, clusters and average faces (a job: large galleries take a while); cached per seed. */
  'analysis.space': call(
    z.object({
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1)
        .default(1),
    }),
    JobRef,
  ),
  /** Which regions of the case's aligned face move its score for a gallery label (occlusion). */
  'analysis.heatmap': call(z.object({ caseId: rowId, label: name }), HeatmapView),

  /** Imports the case's VCF (plain or bgzip); the proband is `sample`, else the first sample column. */
  'variants.import': call(
    z.object({ caseId: rowId, file: FileSource, sample: name.nullable().default(null) }),
    JobRef,
  ),
  /** The case's candidate variants, ranked with every priority component and the face match's source. */
  'variants.list': call(
    z.object({ caseId: rowId, filter: CandidateFilter.nullable().default(null) }),
    VariantList,
  ),
  /** Deletes one VCF import of the case with its variants. */
  'variants.deleteImport': call(
    z.object({ caseId: rowId, importId: rowId }),
    z.object({ fileName: z.string(), variants: count }),
  ),
  /** Replaces the gene-syndrome catalogue (OMIM genemap2.txt or HPO genes_to_disease.txt layout). */
  'catalogue.import': call(z.object({ file: FileSource }), CatalogueInfo),
  'catalogue.info': call(z.object({}), CatalogueInfo.nullable()),
  'jobs.cancel': call(z.object({ jobId: rowId }), z.object({ cancelled: z.boolean() })),
} as const;

export type CallName = keyof typeof calls;
export type CallInput<K extends CallName> = z.input<(typeof calls)[K]['input']>;
export type CallArgs<K extends CallName> = z.output<(typeof calls)[K]['input']>;
export type CallOutput<K extends CallName> = z.output<(typeof calls)[K]['output']>;

export function isCallName(s: string): s is CallName {
  return Object.hasOwn(calls, s);
}

// ---------------------------------------------------------------- events

export const events = {
  'job.progress': z.object({
    jobId: rowId,
    kind: JobKind,
    stage: z.string(),
    done: count,
    total: count,
  }),
  'job.finished': z.object({
    jobId: rowId,
    kind: JobKind,
    status: z.enum(['done', 'failed', 'cancelled']),
    error: z.string().nullable(),
    result: JobResult.nullable(),
  }),
  'gallery.changed': z.object({ version: z.string() }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type AnyEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName];

// ---------------------------------------------------------------- transport

/** What every transport returns for a call: the value, or an error already worded for the user. */
export const Reply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type Reply = z.infer<typeof Reply>;

/** window.api: the only way the renderer reaches the Service, in Electron and in the browser alike. */
export interface Api {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** A call refused or failed, with the message to show as is. */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Words a clinician can act on for an input that did not pass the contract. */
export function describeInvalid(callName: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? ` (${first.path.join('.')})` : '';
  return `${callName}: invalid request${where}: ${first?.message ?? 'rejected'}`;
}

/** Parses a call's input against the contract; throws ApiError in user words when it does not fit. */
export function parseInput<K extends CallName>(callName: K, input: unknown): CallArgs<K> {
  const r = calls[callName].input.safeParse(input);
  if (!r.success) throw new ApiError(describeInvalid(callName, r.error));
  return r.data as CallArgs<K>;
}
