import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { appVersion } from '../version.js';
import type { Diagnosis, DiagnosisStatus } from './repos/diagnoses.js';
import type { Patient, Sex } from './repos/patients.js';
import { diseaseIdKind } from './repos/syndromes.js';
import type { Store } from './store.js';

// GA4GH Phenopacket v2 in its canonical JSON form (protobuf JSON mapping), the parts FacePheno reads.
const ontologyClass = z.object({ id: z.string().min(1), label: z.string().default('') });
const geneDescriptor = z.object({ valueId: z.string(), symbol: z.string() });
const genomicInterpretation = z.object({
  subjectOrBiosampleId: z.string().optional(),
  interpretationStatus: z.string().optional(),
  gene: geneDescriptor.optional(),
  variantInterpretation: z
    .object({
      variationDescriptor: z
        .object({
          geneContext: geneDescriptor.optional(),
          expressions: z.array(z.object({ syntax: z.string(), value: z.string() })).default([]),
          allelicState: ontologyClass.optional(),
        })
        .optional(),
    })
    .optional(),
});
const phenopacketSchema = z.object({
  id: z.string().min(1),
  subject: z.object({
    id: z.string().min(1),
    dateOfBirth: z.iso.datetime({ offset: true }).optional(),
    sex: z.enum(['UNKNOWN_SEX', 'FEMALE', 'MALE', 'OTHER_SEX']).default('UNKNOWN_SEX'),
  }),
  phenotypicFeatures: z
    .array(z.object({ type: ontologyClass, excluded: z.boolean().default(false) }))
    .default([]),
  interpretations: z
    .array(
      z.object({
        id: z.string(),
        progressStatus: z.string().default('UNKNOWN_PROGRESS'),
        diagnosis: z
          .object({
            disease: ontologyClass,
            genomicInterpretations: z.array(genomicInterpretation).default([]),
          })
          .optional(),
      }),
    )
    .default([]),
  diseases: z.array(z.object({ term: ontologyClass, excluded: z.boolean().default(false) })).default([]),
  metaData: z.object({ phenopacketSchemaVersion: z.string().optional() }).loose(),
});
export type Phenopacket = z.input<typeof phenopacketSchema>;

const sexToPacket: Record<Sex, z.infer<typeof phenopacketSchema>['subject']['sex']> = {
  female: 'FEMALE',
  male: 'MALE',
  other: 'OTHER_SEX',
  unknown: 'UNKNOWN_SEX',
};
const sexFromPacket = Object.fromEntries(Object.entries(sexToPacket).map(([k, v]) => [v, k as Sex]));

/** A syndrome's id for the packet: its OMIM, ORPHA or MONDO id, else a local one from its name. */
function diseaseTerm(d: Diagnosis): { id: string; label: string } {
  return {
    id: d.omim ?? d.orpha ?? d.mondo ?? `FACEPHENO:${encodeURIComponent(d.syndrome)}`,
    label: d.syndrome,
  };
}

/**
 * The patient as a Phenopacket v2: subject, HPO features, diagnoses (confirmed ones as solved
 * interpretations and diseases, suspected ones as interpretations in progress, excluded ones as excluded
 * diseases). A birth year without a full date is not exported: Phenopacket has no field for it.
 */
export function exportPhenopacket(store: Store, pseudonym: string): Phenopacket {
  const view = store.openCase(pseudonym);
  const p = view.patient;
  const hpo = store.hpo.release();
  const packet = {
    id: p.pseudonym,
    subject: {
      id: p.pseudonym,
      ...(p.birthDate ? { dateOfBirth: `${p.birthDate}T00:00:00Z` } : {}),
      sex: sexToPacket[p.sex],
      taxonomy: { id: 'NCBITaxon:9606', label: 'Homo sapiens' },
    },
    phenotypicFeatures: view.terms.map((t) => ({
      type: { id: t.termId, label: t.label },
      ...(t.excluded ? { excluded: true } : {}),
    })),
    interpretations: view.diagnoses
      .filter((d) => d.status !== 'excluded')
      .map((d, i) => ({
        id: `${p.pseudonym}-interpretation-${i + 1}`,
        progressStatus: d.status === 'confirmed' ? 'SOLVED' : 'IN_PROGRESS',
        diagnosis: {
          disease: diseaseTerm(d),
          genomicInterpretations: d.gene ? [genomicOf(p, d)] : [],
        },
      })),
    diseases: view.diagnoses
      .filter((d) => d.status !== 'suspected')
      .map((d) => ({ term: diseaseTerm(d), ...(d.status === 'excluded' ? { excluded: true } : {}) })),
    metaData: {
      created: new Date().toISOString(),
      createdBy: `FacePheno ${appVersion}`,
      resources: [
        {
          id: 'hp',
          name: 'human phenotype ontology',
          url: 'http://purl.obolibrary.org/obo/hp.owl',
          version: hpo?.version ?? 'unknown',
          namespacePrefix: 'HP',
          iriPrefix: 'http://purl.obolibrary.org/obo/HP_',
        },
      ],
      phenopacketSchemaVersion: '2.0',
    },
  };
  store.transaction(() => store.audit.record('phenopacket.export', p.pseudonym));
  return packet;
}

/** The gene (and, when known, the HGVS variant) behind a diagnosis. FacePheno keeps the gene symbol only. */
function genomicOf(p: Patient, d: Diagnosis) {
  const gene = { valueId: d.gene ?? '', symbol: d.gene ?? '' };
  return {
    subjectOrBiosampleId: p.pseudonym,
    interpretationStatus: d.status === 'confirmed' ? 'CAUSATIVE' : 'CANDIDATE',
    ...(d.variant
      ? {
          variantInterpretation: {
            variationDescriptor: {
              id: `${p.pseudonym}-${d.gene}-variant`,
              geneContext: gene,
              expressions: [{ syntax: hgvsSyntax(d.variant), value: d.variant }],
            },
          },
        }
      : { gene }),
  };
}

/** Phenopacket's expression syntax for an HGVS string: hgvs.c for NM_...:c.123A>G, plain hgvs if unknown. */
function hgvsSyntax(variant: string): string {
  const kind = /:([cgmnpr])\./.exec(variant)?.[1];
  return kind ? `hgvs.${kind}` : 'hgvs';
}

/** A phenopacket's content as the differential reads it: terms, diagnoses, causative genes and variants. */
export interface PhenopacketContent {
  file: string;
  id: string;
  sex: Sex;
  present: { id: string; label: string }[];
  excluded: { id: string; label: string }[];
  diseases: { id: string; label: string; status: DiagnosisStatus }[];
  variants: { gene: string; hgvs: string | null; zygosity: 'het' | 'hom' | 'hemi' | null }[];
}

// GENO's allelic states, by id and by label.
const zygosityOf: Record<string, 'het' | 'hom' | 'hemi'> = {
  'GENO:0000135': 'het',
  'GENO:0000136': 'hom',
  'GENO:0000134': 'hemi',
  heterozygous: 'het',
  homozygous: 'hom',
  hemizygous: 'hemi',
};

/** Reads a Phenopacket v2 JSON file; a UserError naming the file and the first field wrong. */
export function readPhenopacket(file: string): PhenopacketContent {
  const pp = parsePhenopacket(file);
  const features = (excluded: boolean) =>
    pp.phenotypicFeatures.filter((f) => f.excluded === excluded).map((f) => f.type);
  const diseases: PhenopacketContent['diseases'] = [];
  const variants: PhenopacketContent['variants'] = [];
  const add = (d: { id: string; label: string }, status: DiagnosisStatus) => {
    if (!diseases.some((x) => x.id === d.id)) diseases.push({ ...d, status });
  };
  for (const it of pp.interpretations) {
    if (!it.diagnosis) continue;
    add(it.diagnosis.disease, it.progressStatus === 'SOLVED' ? 'confirmed' : 'suspected');
    for (const g of it.diagnosis.genomicInterpretations) {
      const descriptor = g.variantInterpretation?.variationDescriptor;
      const gene = g.gene?.symbol ?? descriptor?.geneContext?.symbol;
      if (!gene) continue;
      const state = descriptor?.allelicState;
      variants.push({
        gene,
        hgvs: descriptor?.expressions.find((e) => e.syntax.toLowerCase().startsWith('hgvs'))?.value ?? null,
        zygosity: (state && (zygosityOf[state.id] ?? zygosityOf[state.label.toLowerCase()])) ?? null,
      });
    }
  }
  for (const d of pp.diseases) add(d.term, d.excluded ? 'excluded' : 'confirmed');
  return {
    file,
    id: pp.id,
    sex: sexFromPacket[pp.subject.sex] ?? 'unknown',
    present: features(false),
    excluded: features(true),
    diseases,
    variants,
  };
}

function parsePhenopacket(file: string): z.infer<typeof phenopacketSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`not a readable JSON file: ${(err as Error).message}`, { file, cause: err });
  }
  const parsed = phenopacketSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `not a Phenopacket v2: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`,
      {
        file,
      },
    );
  }
  return parsed.data;
}

/** Creates a patient from a Phenopacket v2 JSON file, all or nothing; the id must be new to the store. */
export function importPhenopacket(store: Store, file: string): Patient {
  const pp = parsePhenopacket(file);
  try {
    return store.transaction(() => {
      const patient = store.patients.create({
        pseudonym: pp.subject.id,
        sex: sexFromPacket[pp.subject.sex] ?? 'unknown',
        birthDate: pp.subject.dateOfBirth?.slice(0, 10) ?? null,
      });
      for (const f of pp.phenotypicFeatures)
        store.terms.set(patient, { termId: f.type.id, label: f.type.label, excluded: f.excluded });
      const diagnosed = new Set<number>();
      const diagnose = (
        term: { id: string; label: string },
        status: DiagnosisStatus,
        gene?: string,
        variant?: string,
      ) => {
        const kind = diseaseIdKind(term.id);
        const name = term.label || term.id;
        const s = store.syndromes.ensure({
          name,
          ...(kind ? { [kind]: term.id } : {}),
          genes: gene ? [gene] : [],
        });
        if (diagnosed.has(s.id)) return;
        diagnosed.add(s.id);
        store.diagnoses.set(patient, {
          syndromeId: s.id,
          status,
          gene: gene ?? null,
          variant: variant ?? null,
        });
      };
      for (const it of pp.interpretations) {
        if (!it.diagnosis) continue;
        const g = it.diagnosis.genomicInterpretations[0];
        const descriptor = g?.variantInterpretation?.variationDescriptor;
        const gene = g?.gene?.symbol ?? descriptor?.geneContext?.symbol;
        const variant = descriptor?.expressions.find((e) => e.syntax.toLowerCase().startsWith('hgvs'))?.value;
        diagnose(
          it.diagnosis.disease,
          it.progressStatus === 'SOLVED' ? 'confirmed' : 'suspected',
          gene,
          variant,
        );
      }
      for (const d of pp.diseases) diagnose(d.term, d.excluded ? 'excluded' : 'confirmed');
      store.audit.record('phenopacket.import', patient.pseudonym, { file });
      return patient;
    });
  } catch (err) {
    if (err instanceof UserError && err.file === undefined)
      throw new UserError(err.message, { file, cause: err });
    throw err;
  }
}
