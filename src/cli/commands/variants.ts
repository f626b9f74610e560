import { resolveDataDir } from '../../main/data-dir.js';
import { UsageError } from '../../main/errors.js';
import {
  DEFAULT_FILTER,
  DEFAULT_WEIGHTS,
  IMPACTS,
  rankCaseVariants,
  type Impact,
} from '../../main/usecases/variants.js';
import { appVersion } from '../../main/version.js';
import type { CandidateFilter, RankedVariant } from '../../shared/api.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { withExistingWorkspace } from './vcf.js';

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
export function variantJson(v: RankedVariant) {
  const c = v.components;
  return {
    gene: v.gene,
    hgvs_c: v.hgvsC,
    hgvs_p: v.hgvsP,
    consequence: v.consequence,
    genotype: v.genotype,
    gnomad_af: v.gnomadAf,
    clinvar: v.clinvar,
    priority: v.priority,
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
    syndromes: v.syndromes.map((s) => ({
      id: s.diseaseId,
      name: s.name,
      inheritance: s.inheritance,
      in_gallery: s.inGallery,
      face: s.face,
    })),
    variant: v.variant,
    zygosity: v.zygosity,
    transcript: v.transcript,
    impact: v.impact,
    cadd: v.cadd,
    revel: v.revel,
  };
}

function line(v: RankedVariant, n: number): string {
  const c = v.components;
  const what = [v.gene ?? '(no gene)', v.hgvsC, v.hgvsP].filter(Boolean).join(' ');
  const syndromes = v.syndromes.map((s) => s.name ?? s.diseaseId).join('; ');
  return [
    printable`${String(n).padStart(3)}. ${v.priority.toFixed(3)}  ${what}  ${v.consequence ?? ''}  ${v.genotype ?? '.'} (${v.zygosity})`,
    printable`      ${v.variant}  gnomAD ${v.gnomadAf ?? 'absent'}  ClinVar ${v.clinvar ?? '-'}` +
      printable`  CADD ${v.cadd ?? '-'}  REVEL ${v.revel ?? '-'}`,
    printable`      deleteriousness ${c.deleteriousness.toFixed(2)} (impact ${c.impact.toFixed(2)}, ClinVar ${c.clinvar.toFixed(2)}, ` +
      printable`in silico ${c.inSilico === null ? '-' : c.inSilico.toFixed(2)})  rarity ${c.rarity.toFixed(2)}  face ${c.face.toFixed(3)}: ${c.faceNote}`,
    ...(syndromes ? [printable`      syndromes: ${syndromes}`] : []),
  ].join('\n');
}

export const command: Command = {
  summary: "rank a patient's candidate variants, linked to their facial syndrome matches",
  usage,
  async run(args, ctx) {
    const { values } = parse(args);
    const { db, patient } = values;
    if (!db) throw new UsageError('--db is required');
    if (!patient) throw new UsageError('--patient is required');
    const filter = filterFrom(values);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number >= 1');
    const ranking = await withExistingWorkspace(ctx, db, (ws) =>
      rankCaseVariants(ws.store, patient, filter, {
        ...(values.model === undefined ? {} : { modelId: values.model }),
        dataDir: resolveDataDir().dir,
      }),
    );
    const i = ranking.import;
    const face = ranking.faceMatch;
    if (values.json) {
      console.log(
        JSON.stringify({
          patient,
          app_version: appVersion,
          import: {
            file: i.fileName,
            sha256: i.sha256,
            sample: i.sample,
            build: i.build,
            importedAt: i.importedAt,
          },
          filter: ranking.filter,
          face_match:
            'unavailable' in face
              ? { unavailable: face.unavailable }
              : { model: face.provenance.model.id, gallery_version: face.provenance.galleryVersion },
          stored: ranking.stored,
          candidates: ranking.candidates,
          variants: ranking.variants.map(variantJson),
        }),
      );
      return 0;
    }
    console.log(
      printable`${patient}: ${ranking.candidates} candidate variants of ${ranking.stored} carried in ${i.fileName} ` +
        printable`(sample ${i.sample}, ${i.build ?? 'build unknown'}, imported ${i.importedAt})`,
    );
    console.log(
      'unavailable' in face
        ? printable`face match: none (${face.unavailable})`
        : printable`face match: model ${face.provenance.model.id}, gallery version ${face.provenance.galleryVersion}`,
    );
    ranking.variants.slice(0, limit).forEach((v, k) => console.log(line(v, k + 1)));
    if (ranking.variants.length > limit)
      console.log(printable`... ${ranking.variants.length - limit} more (--limit, --json)`);
    return 0;
  },
};
