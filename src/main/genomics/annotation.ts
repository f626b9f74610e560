/** Reading the functional annotations that VEP (INFO/CSQ) and SnpEff (INFO/ANN) write into a VCF. */

export type Impact = 'HIGH' | 'MODERATE' | 'LOW' | 'MODIFIER';
export const IMPACTS: readonly Impact[] = ['HIGH', 'MODERATE', 'LOW', 'MODIFIER'];

export interface Annotation {
  source: 'CSQ' | 'ANN';
  gene: string | null;
  transcript: string | null;
  hgvsC: string | null;
  hgvsP: string | null;
  /** Sequence Ontology terms joined by '&', as both tools write them. */
  consequence: string | null;
  impact: Impact | null;
  /** VEP's CANONICAL=YES or a MANE Select transcript: the one a clinician reads first. */
  canonical: boolean;
}

/**
 * Per-annotation scores that VEP plugins and custom annotations put into CSQ (gnomAD, ClinVar,
 * CADD, REVEL); the variant takes them when INFO has none of its own.
 */
export interface AnnotationScores {
  gnomadAf: number | null;
  clinvar: string | null;
  cadd: number | null;
  revel: number | null;
}

/** Where each field sits in one '|'-separated entry, from the header's Description. */
export interface AnnotationLayout {
  source: 'CSQ' | 'ANN';
  fields: string[];
  allele: number;
  alleleNum: number;
  gene: number;
  transcript: number;
  hgvsC: number;
  hgvsP: number;
  consequence: number;
  impact: number;
  canonical: number;
  mane: number;
  clinvar: number;
  gnomad: number[];
  cadd: number;
  revel: number;
}

/** gnomAD allele-frequency keys as VEP (--af_gnomade/--af_gnomadg/--af_gnomad) and vcfanno/bcftools
 * annotate commonly name them; the variant takes the largest, so "rare" is never decided on the
 * population where the allele happens to be least common. */
export const GNOMAD_AF_KEYS = [
  'gnomad_af',
  'gnomade_af',
  'gnomadg_af',
  'gnomad_exomes_af',
  'gnomad_genomes_af',
  'af_gnomad',
  'af_gnomad_exomes',
  'af_gnomad_genomes',
  'gnomad_exome_af',
  'gnomad_genome_af',
];
export const CADD_KEYS = ['cadd_phred', 'cadd'];
export const REVEL_KEYS = ['revel', 'revel_score'];
export const CLINVAR_KEYS = ['clnsig', 'clin_sig', 'clinvar_clnsig'];

/**
 * The field names of a CSQ or ANN INFO line, e.g. VEP's `... Format: Allele|Consequence|IMPACT|...`
 * and SnpEff's `Functional annotations: 'Allele | Annotation | Annotation_Impact | ...'`.
 */
export function parseLayout(source: 'CSQ' | 'ANN', description: string): AnnotationLayout | null {
  const m = /(?:Format|annotations)\s*:\s*'?([^']*)'?\s*$/i.exec(description.replace(/"/g, ''));
  if (!m?.[1]?.includes('|')) return null;
  const fields = m[1].split('|').map((f) => f.trim());
  const lower = fields.map((f) => f.toLowerCase());
  const find = (...names: string[]) => {
    for (const n of names) {
      const i = lower.indexOf(n.toLowerCase());
      if (i !== -1) return i;
    }
    return -1;
  };
  return {
    source,
    fields,
    allele: find('Allele'),
    alleleNum: find('ALLELE_NUM'),
    gene: find('SYMBOL', 'Gene_Name'),
    transcript: find('Feature', 'Feature_ID'),
    hgvsC: find('HGVSc', 'HGVS.c'),
    hgvsP: find('HGVSp', 'HGVS.p'),
    consequence: find('Consequence', 'Annotation'),
    impact: find('IMPACT', 'Annotation_Impact'),
    canonical: find('CANONICAL'),
    mane: find('MANE_SELECT', 'MANE'),
    clinvar: find(...CLINVAR_KEYS),
    gnomad: GNOMAD_AF_KEYS.map((k) => find(k)).filter((i) => i !== -1),
    cadd: find(...CADD_KEYS),
    revel: find(...REVEL_KEYS),
  };
}

/**
 * SO consequence -> impact, for annotations that carry no impact field (after Ensembl's
 * "Calculated variant consequences" table; SnpEff's extra terms map to the same classes).
 */
const CONSEQUENCE_IMPACT: Record<string, Impact> = {
  transcript_ablation: 'HIGH',
  splice_acceptor_variant: 'HIGH',
  splice_donor_variant: 'HIGH',
  stop_gained: 'HIGH',
  frameshift_variant: 'HIGH',
  stop_lost: 'HIGH',
  start_lost: 'HIGH',
  transcript_amplification: 'HIGH',
  exon_loss_variant: 'HIGH',
  feature_elongation: 'HIGH',
  feature_truncation: 'HIGH',
  inframe_insertion: 'MODERATE',
  inframe_deletion: 'MODERATE',
  disruptive_inframe_insertion: 'MODERATE',
  disruptive_inframe_deletion: 'MODERATE',
  conservative_inframe_insertion: 'MODERATE',
  conservative_inframe_deletion: 'MODERATE',
  missense_variant: 'MODERATE',
  protein_altering_variant: 'MODERATE',
  splice_region_variant: 'LOW',
  splice_donor_5th_base_variant: 'LOW',
  splice_donor_region_variant: 'LOW',
  splice_polypyrimidine_tract_variant: 'LOW',
  incomplete_terminal_codon_variant: 'LOW',
  start_retained_variant: 'LOW',
  stop_retained_variant: 'LOW',
  synonymous_variant: 'LOW',
};

export function impactOf(consequence: string | null): Impact | null {
  if (!consequence) return null;
  let best: Impact | null = null;
  for (const term of consequence.split('&')) {
    const impact = CONSEQUENCE_IMPACT[term] ?? 'MODIFIER';
    if (best === null || IMPACTS.indexOf(impact) < IMPACTS.indexOf(best)) best = impact;
  }
  return best;
}

/** VEP writes HGVS as `ENST00000257430.9:c.3927_3931del`; the transcript is its own field. */
function stripFeature(hgvs: string | undefined): string | null {
  if (!hgvs) return null;
  const colon = hgvs.indexOf(':');
  return colon === -1 ? hgvs : hgvs.slice(colon + 1);
}

function num(s: string | undefined): number | null {
  if (s === undefined || s === '' || s === '.') return null;
  if (!s.includes('&')) {
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  }
  // VEP joins repeated values with '&' (e.g. several gnomAD records at one site): take the largest.
  let best: number | null = null;
  for (const part of s.split('&')) {
    const v = Number(part);
    if (part !== '' && Number.isFinite(v) && (best === null || v > best)) best = v;
  }
  return best;
}

function field(parts: string[], i: number): string | undefined {
  if (i === -1) return undefined;
  const v = parts[i];
  return v === '' ? undefined : v;
}

/**
 * VEP's representation of an ALT in CSQ/Allele: when every allele of the record shares its first
 * base with REF, VEP drops that base ('-' when nothing is left); otherwise the ALT as written.
 */
export function vepAlleles(ref: string, alts: string[]): string[] {
  const first = ref[0];
  const shared = alts.every((a) => a[0] === first && !a.startsWith('<')) && ref.length > 0;
  const anyLengthChange = alts.some((a) => a.length !== ref.length);
  if (!shared || !anyLengthChange) return alts;
  return alts.map((a) => a.slice(1) || '-');
}

export interface ParsedAnnotations {
  annotations: Annotation[];
  scores: AnnotationScores;
}

/** Why one of a record's CSQ/ANN entries does not follow the header's layout, or null when all do. */
export function layoutMismatch(
  layout: AnnotationLayout,
  entries: readonly (string | number | undefined)[],
): string | null {
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    const n = entry.split('|').length;
    // A short entry would shift every later field (a CADD score read as REVEL); say so instead.
    if (n !== layout.fields.length)
      return `${layout.source} entry has ${n} fields where the header's layout has ${layout.fields.length}: '${entry.slice(0, 60)}'`;
  }
  return null;
}

/**
 * The annotations of one split allele. Entries are matched to the allele by ALLELE_NUM where VEP
 * wrote it, else by the Allele field (VEP-trimmed for CSQ, as written for ANN).
 */
export function annotationsForAllele(
  layout: AnnotationLayout,
  entries: readonly (string | number | undefined)[],
  altIndex: number,
  alleleForms: readonly string[],
): ParsedAnnotations {
  const annotations: Annotation[] = [];
  const scores: AnnotationScores = { gnomadAf: null, clinvar: null, cadd: null, revel: null };
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    const parts = entry.split('|');
    if (layout.alleleNum !== -1 && parts[layout.alleleNum]) {
      if (Number(parts[layout.alleleNum]) !== altIndex) continue;
    } else if (layout.allele !== -1) {
      if (!alleleForms.includes(parts[layout.allele] ?? '')) continue;
    }
    const consequence = field(parts, layout.consequence) ?? null;
    const impactText = field(parts, layout.impact)?.toUpperCase();
    const impact = IMPACTS.includes(impactText as Impact) ? (impactText as Impact) : impactOf(consequence);
    annotations.push({
      source: layout.source,
      gene: field(parts, layout.gene) ?? null,
      transcript: field(parts, layout.transcript) ?? null,
      hgvsC: stripFeature(field(parts, layout.hgvsC)),
      hgvsP: stripFeature(field(parts, layout.hgvsP)),
      consequence,
      impact,
      canonical: field(parts, layout.canonical) === 'YES' || field(parts, layout.mane) !== undefined,
    });
    for (const i of layout.gnomad) {
      const af = num(parts[i]);
      if (af !== null && (scores.gnomadAf === null || af > scores.gnomadAf)) scores.gnomadAf = af;
    }
    scores.clinvar ??= field(parts, layout.clinvar) ?? null;
    const cadd = num(field(parts, layout.cadd));
    if (cadd !== null && (scores.cadd === null || cadd > scores.cadd)) scores.cadd = cadd;
    const revel = num(field(parts, layout.revel));
    if (revel !== null && (scores.revel === null || revel > scores.revel)) scores.revel = revel;
  }
  annotations.sort(compareAnnotations);
  return { annotations, scores };
}

function impactRank(i: Impact | null): number {
  return i === null ? IMPACTS.length : IMPACTS.indexOf(i);
}

/** Most severe first; among equals the canonical transcript, then one that names a gene. */
export function compareAnnotations(a: Annotation, b: Annotation): number {
  return (
    impactRank(a.impact) - impactRank(b.impact) ||
    Number(b.canonical) - Number(a.canonical) ||
    Number(b.gene !== null) - Number(a.gene !== null)
  );
}

/** ClinVar's significance tokens, lower case with '_' ("Pathogenic/Likely_pathogenic" -> two). */
export function clinvarTerms(clinvar: string | null): string[] {
  if (!clinvar) return [];
  return clinvar
    .toLowerCase()
    .split(/[/|&,]/)
    .map((t) => t.trim().replace(/\s+/g, '_'))
    .filter(Boolean);
}

/** Pathogenic or likely pathogenic, and not only as one side of a conflict. */
export function isClinvarPathogenic(clinvar: string | null): boolean {
  return clinvarTerms(clinvar).some((t) => t === 'pathogenic' || t === 'likely_pathogenic');
}
