/**
 * Reading the functional annotations that VEP (INFO/CSQ), SnpEff (INFO/ANN) and bcftools csq (INFO/BCSQ)
 * write into a VCF.
 */

export type Impact = 'HIGH' | 'MODERATE' | 'LOW' | 'MODIFIER';
export const IMPACTS: readonly Impact[] = ['HIGH', 'MODERATE', 'LOW', 'MODIFIER'];

export type AnnotationSource = 'CSQ' | 'ANN' | 'BCSQ';

export interface Annotation {
  source: AnnotationSource;
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
  source: AnnotationSource;
  fields: string[];
  /** bcftools csq: its own consequence names, trailing fields optional, the allele told by dna_change. */
  bcsq: boolean;
  dnaChange: number;
  aminoAcidChange: number;
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

/**
 * gnomAD's own frequency fields, as bcftools annotate / vcfanno copy them from its VCFs (v2: AF_popmax,
 * faf95; v3: AF_raw; v4: AF_grpmax, fafmax_faf95_max), and VEP's --max_af: names that no caller writes
 * for its own call set (unlike AF).
 */
const GNOMAD_OWN_FIELDS = new Set([
  'max_af',
  'af_popmax',
  'af_grpmax',
  'af_raw',
  'popmax_af',
  'faf95',
  'faf99',
  'faf95_popmax',
  'fafmax_faf95_max',
  'fafmax_faf99_max',
]);
/** Tokens of a gnomAD-named field that say it is no frequency: counts, flags, filters. */
const NOT_A_FREQUENCY = new Set(['ac', 'an', 'nhomalt', 'hom', 'homalt', 'filter', 'flag', 'hist', 'pop']);

/**
 * Whether an INFO key or CSQ/ANN field holds a gnomAD allele frequency: gnomAD's own field names, or any
 * name with gnomAD in it and an AF/FAF token, whatever the annotating tool prefixed (VEP gnomADe_AF,
 * gnomADg_AF; --custom gnomAD2.1_AF_raw, gnomAD2.1_AF_popmax; dbNSFP gnomAD_exomes_POPMAX_AF; slivar
 * gnomad_popmax_af). The variant takes the largest of them, so "rare" is never decided on the population
 * where the allele happens to be least common.
 */
export function isFrequencyField(name: string): boolean {
  const lower = name.toLowerCase();
  if (GNOMAD_OWN_FIELDS.has(lower)) return true;
  if (!lower.includes('gnomad')) return false;
  const tokens = lower.split(/[_.-]/);
  return (
    tokens.some((t) => t === 'af' || t === 'faf95' || t === 'faf99' || t === 'maxaf') &&
    !tokens.some((t) => NOT_A_FREQUENCY.has(t))
  );
}

export const CADD_KEYS = ['cadd_phred', 'cadd'];
export const REVEL_KEYS = ['revel', 'revel_score'];
export const CLINVAR_KEYS = ['clnsig', 'clin_sig', 'clinvar_clnsig'];

/**
 * The field names of a CSQ, ANN or BCSQ INFO line, e.g. VEP's `... Format: Allele|Consequence|IMPACT|...`,
 * SnpEff's `Functional annotations: 'Allele | Annotation | Annotation_Impact | ...'` and bcftools csq's
 * `... Format: Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change`. `frequencyFields`
 * are further fields the user named as allele frequencies.
 */
export function parseLayout(
  source: AnnotationSource,
  description: string,
  frequencyFields: readonly string[] = [],
): AnnotationLayout | null {
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
  const named = new Set(frequencyFields.map((f) => f.toLowerCase()));
  const bcsq = source === 'BCSQ';
  return {
    source,
    fields,
    bcsq,
    dnaChange: bcsq ? find('dna_change') : -1,
    aminoAcidChange: bcsq ? find('amino_acid_change') : -1,
    allele: find('Allele'),
    alleleNum: find('ALLELE_NUM'),
    gene: find('SYMBOL', 'Gene_Name', ...(bcsq ? ['gene'] : [])),
    transcript: find('Feature', 'Feature_ID', ...(bcsq ? ['transcript'] : [])),
    hgvsC: find('HGVSc', 'HGVS.c'),
    hgvsP: find('HGVSp', 'HGVS.p'),
    consequence: find('Consequence', 'Annotation'),
    impact: find('IMPACT', 'Annotation_Impact'),
    canonical: find('CANONICAL'),
    mane: find('MANE_SELECT', 'MANE'),
    clinvar: find(...CLINVAR_KEYS),
    gnomad: lower.flatMap((f, i) => (isFrequencyField(f) || named.has(f) ? [i] : [])),
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

/** bcftools csq's consequence names that differ from the Sequence Ontology's (the rest are SO terms). */
const BCSQ_TO_SO: Record<string, string> = {
  missense: 'missense_variant',
  synonymous: 'synonymous_variant',
  frameshift: 'frameshift_variant',
  splice_donor: 'splice_donor_variant',
  splice_acceptor: 'splice_acceptor_variant',
  splice_region: 'splice_region_variant',
  intron: 'intron_variant',
  '5_prime_utr': '5_prime_UTR_variant',
  '3_prime_utr': '3_prime_UTR_variant',
  non_coding: 'non_coding_transcript_variant',
  coding_sequence: 'coding_sequence_variant',
  inframe_altering: 'protein_altering_variant',
  intergenic: 'intergenic_variant',
  start_retained: 'start_retained_variant',
  stop_retained: 'stop_retained_variant',
};

/**
 * A BCSQ consequence in SO terms. A leading '*' marks a consequence downstream of a truncation on the same
 * haplotype; the consequence itself is kept, the truncating variant is ranked on its own.
 */
function bcsqConsequence(c: string | undefined): string | null {
  if (!c) return null;
  return (c.startsWith('*') ? c.slice(1) : c)
    .split('&')
    .map((t) => BCSQ_TO_SO[t] ?? t)
    .join('&');
}

const AMINO_ACIDS: Record<string, string> = {
  A: 'Ala',
  R: 'Arg',
  N: 'Asn',
  D: 'Asp',
  C: 'Cys',
  Q: 'Gln',
  E: 'Glu',
  G: 'Gly',
  H: 'His',
  I: 'Ile',
  L: 'Leu',
  K: 'Lys',
  M: 'Met',
  F: 'Phe',
  P: 'Pro',
  S: 'Ser',
  T: 'Thr',
  W: 'Trp',
  Y: 'Tyr',
  V: 'Val',
  '*': 'Ter',
};

/**
 * bcftools csq's amino_acid_change as HGVS where it is one substitution ('253P>253R' -> p.Pro253Arg,
 * '269S' -> p.Ser269=); other changes (frameshifts, indels) have no one-to-one HGVS form: null.
 */
function bcsqProtein(change: string | undefined): string | null {
  const m = change && /^(\d+)([A-Z*])(?:>(\d+)([A-Z*]))?$/.exec(change);
  if (!m || (m[3] !== undefined && m[3] !== m[1])) return null;
  const from = AMINO_ACIDS[m[2] ?? ''];
  const to = m[4] === undefined ? '=' : AMINO_ACIDS[m[4]];
  return from && to ? `p.${from}${m[1]}${to}` : null;
}

/** A BCSQ entry that points to the record holding a compound variant's consequence ('@123'). */
const isBcsqReference = (entry: string) => entry.startsWith('@');

/** What a record's entries are, checked against the header's layout. */
export interface EntryCheck {
  /** Why an entry cannot be read, or null when all can. */
  error: string | null;
  /** CSQ/ANN entries with an empty Allele, taken for the record's only ALT. */
  emptyAlleles: number;
}

/**
 * Checks one record's CSQ/ANN/BCSQ entries against the layout: the field count (a short entry would shift
 * every later field, a CADD score read as REVEL), and that each can be given to one ALT.
 */
export function checkEntries(
  layout: AnnotationLayout,
  entries: readonly (string | number | undefined)[],
  altCount: number,
): EntryCheck {
  let emptyAlleles = 0;
  const fail = (error: string) => ({ error: `${layout.source} ${error}`, emptyAlleles });
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    const parts = entry.split('|');
    const n = parts.length;
    if (layout.bcsq) {
      if (isBcsqReference(entry)) continue;
      // bcftools csq leaves out trailing fields it has nothing for (an intron has no amino-acid change).
      if (n > layout.fields.length)
        return fail(
          `entry has ${n} fields where the header's layout has ${layout.fields.length}: '${entry.slice(0, 60)}'`,
        );
      if (altCount > 1 && !parts[layout.dnaChange])
        return fail(
          `entry names no dna_change in a record of ${altCount} ALT alleles, so which allele it annotates is unknown (split the record: bcftools norm -m-): '${entry.slice(0, 60)}'`,
        );
      continue;
    }
    if (n !== layout.fields.length)
      return fail(
        `entry has ${n} fields where the header's layout has ${layout.fields.length}: '${entry.slice(0, 60)}'`,
      );
    if (layout.allele === -1 || parts[layout.allele] !== '') continue;
    if (layout.alleleNum !== -1 && parts[layout.alleleNum]) continue;
    if (altCount > 1)
      return fail(
        `entry has an empty Allele in a record of ${altCount} ALT alleles: which allele it annotates is unknown: '${entry.slice(0, 60)}'`,
      );
    emptyAlleles += 1;
  }
  return { error: null, emptyAlleles };
}

/**
 * The annotations of one split allele. Entries are matched to the allele by ALLELE_NUM where VEP
 * wrote it, else by the Allele field (VEP-trimmed for CSQ, as written for ANN; an empty one is the only
 * ALT's, as checkEntries made sure), and BCSQ's by dna_change ('POSREF>ALT'). Entries were checked by
 * checkEntries.
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
    if (layout.bcsq) {
      if (isBcsqReference(entry)) continue;
      const dna = parts[layout.dnaChange];
      if (dna && !dna.split('+').some((d) => alleleForms.includes(d))) continue;
    } else if (layout.alleleNum !== -1 && parts[layout.alleleNum]) {
      if (Number(parts[layout.alleleNum]) !== altIndex) continue;
    } else if (layout.allele !== -1) {
      const allele = parts[layout.allele] ?? '';
      if (allele !== '' && !alleleForms.includes(allele)) continue;
    }
    const consequence = layout.bcsq
      ? bcsqConsequence(field(parts, layout.consequence))
      : (field(parts, layout.consequence) ?? null);
    const impactText = field(parts, layout.impact)?.toUpperCase();
    const impact = IMPACTS.includes(impactText as Impact) ? (impactText as Impact) : impactOf(consequence);
    annotations.push({
      source: layout.source,
      gene: field(parts, layout.gene) ?? null,
      transcript: field(parts, layout.transcript) ?? null,
      hgvsC: layout.bcsq ? null : stripFeature(field(parts, layout.hgvsC)),
      hgvsP: layout.bcsq
        ? bcsqProtein(field(parts, layout.aminoAcidChange))
        : stripFeature(field(parts, layout.hgvsP)),
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
