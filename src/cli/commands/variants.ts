import { dirname, resolve } from 'node:path';
import { resolveDataDir } from '../../main/data-dir.js';
import { UsageError } from '../../main/errors.js';
import type { Impact } from '../../main/genomics/annotation.js';
import { IMPACTS } from '../../main/genomics/annotation.js';
import type { CandidateFilter, RankedVariant } from '../../main/genomics/rank.js';
import { DEFAULT_FILTER, DEFAULT_WEIGHTS } from '../../main/genomics/rank.js';
import { GenomicsRepository } from '../../main/genomics/repository.js';
import { caseFaceMatch, type CaseFaceMatch } from '../../main/usecases/variants.js';
import { LearntSpaces } from '../../main/usecases/learnt-space.js';
import { Matching } from '../../main/usecases/matching.js';
import { isPostgresUrl } from '../../main/store/postgres/target.js';
import type { Store } from '../../main/store/store.js';
import { appVersion } from '../../main/version.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { openExisting } from './vcf.js';

const w = DEFAULT_WEIGHTS;
const usage = `Usage: facepheno variants --db FILE --patient ID [--max-af F] [--impacts LIST] [--ignore-clinvar]
                          [--model ID] [--limit N] [--json]

Ranks the candidate variants of the patient's latest imported VCF (facepheno vcf import): alleles the
proband carries that are rare (gnomAD AF <= --max-af, default ${DEFAULT_FILTER.maxGnomadAf}; unseen in gnomAD counts as rare)
and protein-altering (impact in --impacts, default ${DEFAULT_FILTER.impacts.join(',')}) or ClinVar pathogenic /
likely pathogenic (unless --ignore-clinvar). Each variant's gene is linked to its syndromes through
the gene-syndrome catalogue (facepheno vcf catalogue) and the case store's syndromes.

priority = ${w.deleteriousness} x deleteriousness (max of impact, ClinVar, CADD/40 and REVEL scores)
         + ${w.rarity} x rarity (1 - AF / max-af) + ${w.face} x face (the patient's face-match probability for
         the gene's syndromes in the gallery; 0, and said so, when none is there).
The face match is the patient's match against the gallery of confirmed cases (the patient left out),
as the app's Matches screen computes it (in the learnt face space where one was trained and kept for
this gallery beside the database), in one embedding model: --model, else the first (by id) that the
patient's photos have; it names the model and the gallery version it came from.
--db is the case database file, or a postgres:// URL (its photos in FACEPHENO_PHOTOS_DIR; the learnt
space then from this workstation's data directory, FACEPHENO_DATA_DIR, as the app keeps it).
Every component is printed. --limit caps the text listing (default 20); --json prints
{variants: [{gene, hgvs_c, hgvs_p, consequence, genotype, gnomad_af, clinvar, priority, components,
syndromes}], ...} with every candidate.`;

function parse(args: string[]) {
  return parseCommandArgs(
    args,
    {
      db: { type: 'string' },
      patient: { type: 'string' },
      'max-af': { type: 'string' },
      impacts: { type: 'string' },
      'ignore-clinvar': { type: 'boolean', default: false },
      model: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    false,
  );
}

function filterFrom(values: ReturnType<typeof parse>['values']): CandidateFilter {
  const maxAf = values['max-af'] === undefined ? DEFAULT_FILTER.maxGnomadAf : Number(values['max-af']);
  if (!(maxAf > 0 && maxAf <= 1)) throw new UsageError('--max-af must be a number in (0, 1]');
  const impacts =
    values.impacts === undefined
      ? DEFAULT_FILTER.impacts
      : values.impacts.split(',').map((s) => s.trim().toUpperCase());
  for (const i of impacts)
    if (!IMPACTS.includes(i as Impact))
      throw new UsageError(`--impacts: '${i}' is not one of ${IMPACTS.join(', ')}`);
  return { maxGnomadAf: maxAf, impacts: impacts as Impact[], clinvarPathogenic: !values['ignore-clinvar'] };
}

/** The JSON shape of one ranked variant: the field names, then where it lies and why. */
export function variantJson(r: RankedVariant) {
  const v = r.variant;
  const c = r.components;
  return {
    gene: v.gene,
    hgvs_c: v.hgvsC,
    hgvs_p: v.hgvsP,
    consequence: v.consequence,
    genotype: v.genotype,
    gnomad_af: v.gnomadAf,
    clinvar: v.clinvar,
    priority: r.priority,
    components: {
      deleteriousness: c.deleteriousness,
      impact: c.impact,
      clinvar: c.clinvar,
      in_silico: c.inSilico,
      rarity: c.rarity,
      face: c.face,
      face_syndrome: c.faceSyndrome,
      face_note: c.faceNote,
      weights: c.weights,
    },
    syndromes: r.syndromes.map((s) => ({
      id: s.diseaseId,
      name: s.name,
      inheritance: s.inheritance,
      in_gallery: s.inGallery,
      face: s.face,
    })),
    variant: `${v.chrom}:${v.pos} ${v.ref}>${v.alt}`,
    zygosity: v.zygosity,
    transcript: v.transcript,
    impact: v.impact,
    cadd: v.cadd,
    revel: v.revel,
  };
}

function line(r: RankedVariant, n: number): string {
  const v = r.variant;
  const c = r.components;
  const what = [v.gene ?? '(no gene)', v.hgvsC, v.hgvsP].filter(Boolean).join(' ');
  const syndromes = r.syndromes.map((s) => s.name ?? s.diseaseId).join('; ');
  return [
    `${String(n).padStart(3)}. ${r.priority.toFixed(3)}  ${what}  ${v.consequence ?? ''}  ${v.genotype ?? '.'} (${v.zygosity})`,
    `      ${v.chrom}:${v.pos} ${v.ref}>${v.alt}  gnomAD ${v.gnomadAf ?? 'absent'}  ClinVar ${v.clinvar ?? '-'}` +
      `  CADD ${v.cadd ?? '-'}  REVEL ${v.revel ?? '-'}`,
    `      deleteriousness ${c.deleteriousness.toFixed(2)} (impact ${c.impact.toFixed(2)}, ClinVar ${c.clinvar.toFixed(2)}, ` +
      `in silico ${c.inSilico === null ? '-' : c.inSilico.toFixed(2)})  rarity ${c.rarity.toFixed(2)}  face ${c.face.toFixed(3)}: ${c.faceNote}`,
    ...(syndromes ? [`      syndromes: ${syndromes}`] : []),
  ].join('\n');
}

/**
 * Where the app keeps the learnt space: its data directory, which holds a database file; a PostgreSQL
 * database is shared, the learnt space stays in each workstation's own data directory.
 */
function learntSpaceDir(db: string): string {
  return isPostgresUrl(db) ? resolveDataDir().dir : dirname(resolve(db));
}

/** The face component: the patient's match in the chosen model, the learnt space read from the data directory. */
function faceMatch(store: Store, db: string, patient: string, modelId: string | undefined): CaseFaceMatch {
  const matching = new Matching(store, new LearntSpaces(learntSpaceDir(db)));
  const models = matching.caseModels(patient);
  if (models.length === 0) return { unavailable: 'the patient has no photo with a measured face' };
  const model = modelId === undefined ? models[0] : models.find((m) => m.id === modelId);
  if (!model)
    return {
      unavailable: `the patient has no face embedding from model '${modelId}' (has: ${models.map((m) => m.id).join(', ')})`,
    };
  return caseFaceMatch(store, matching, patient, () => model);
}

export const command: Command = {
  summary: "rank a patient's candidate variants, linked to their facial syndrome matches",
  usage,
  async run(args) {
    const { values } = parse(args);
    if (!values.db) throw new UsageError('--db is required');
    if (!values.patient) throw new UsageError('--patient is required');
    const filter = filterFrom(values);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number >= 1');
    const store = openExisting(values.db);
    try {
      const face = faceMatch(store, values.db, values.patient, values.model);
      const ranking = await new GenomicsRepository(store).rankVariants(values.patient, {
        filter,
        ...('unavailable' in face ? { faceUnavailable: face.unavailable } : { faceMatch: face.faceMatch }),
      });
      const i = ranking.import;
      const faceSource =
        'unavailable' in face
          ? { unavailable: face.unavailable }
          : { model: face.provenance.model.id, gallery_version: face.provenance.galleryVersion };
      if (values.json) {
        console.log(
          JSON.stringify({
            patient: values.patient,
            app_version: appVersion,
            import: {
              file: i.fileName,
              sha256: i.sha256,
              sample: i.sample,
              build: i.build,
              importedAt: i.importedAt,
            },
            filter: ranking.filter,
            face_match: faceSource,
            stored: ranking.stored,
            candidates: ranking.candidates,
            variants: ranking.variants.map(variantJson),
          }),
        );
        return 0;
      }
      console.log(
        `${values.patient}: ${ranking.candidates} candidate variants of ${ranking.stored} carried in ${i.fileName} ` +
          `(sample ${i.sample}, ${i.build ?? 'build unknown'}, imported ${i.importedAt})`,
      );
      console.log(
        'unavailable' in face
          ? `face match: none (${face.unavailable})`
          : `face match: model ${face.provenance.model.id}, gallery version ${face.provenance.galleryVersion}`,
      );
      ranking.variants.slice(0, limit).forEach((r, k) => console.log(line(r, k + 1)));
      if (ranking.variants.length > limit)
        console.log(`... ${ranking.variants.length - limit} more (--limit, --json)`);
      return 0;
    } finally {
      store.close();
    }
  },
};
