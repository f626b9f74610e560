import type { Impact } from './annotation.js';
import { clinvarTerms, isClinvarPathogenic } from './annotation.js';
import type { Segregation, Zygosity } from './genotype.js';

/** A stored variant as ranking sees it: the allele, the proband's call and its primary annotation. */
export interface RankInput {
  id: number;
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  genotype: string | null;
  zygosity: Zygosity;
  /** The parents' calls and whom the allele is from, where the import named the parents. */
  fatherGenotype: string | null;
  motherGenotype: string | null;
  segregation: Segregation | null;
  gene: string | null;
  transcript: string | null;
  hgvsC: string | null;
  hgvsP: string | null;
  consequence: string | null;
  impact: Impact | null;
  gnomadAf: number | null;
  clinvar: string | null;
  cadd: number | null;
  revel: number | null;
}

export interface CandidateFilter {
  /** Rare: gnomAD AF at most this (an allele gnomAD has not seen counts as rare). */
  maxGnomadAf: number;
  /** Protein-altering: the primary annotation has one of these impacts. */
  impacts: Impact[];
  /** ClinVar pathogenic / likely pathogenic alleles qualify whatever their consequence. */
  clinvarPathogenic: boolean;
}

export const DEFAULT_FILTER: CandidateFilter = {
  maxGnomadAf: 0.01,
  impacts: ['HIGH', 'MODERATE'],
  clinvarPathogenic: true,
};

/** Rare, carried by the proband, and protein-altering or ClinVar P/LP. */
export function isCandidate(v: RankInput, f: CandidateFilter = DEFAULT_FILTER): boolean {
  if (v.zygosity !== 'het' && v.zygosity !== 'hom' && v.zygosity !== 'hemi') return false;
  if (v.gnomadAf !== null && v.gnomadAf > f.maxGnomadAf) return false;
  return (
    (v.impact !== null && f.impacts.includes(v.impact)) ||
    (f.clinvarPathogenic && isClinvarPathogenic(v.clinvar))
  );
}

/** A syndrome that the catalogue links to the variant's gene, and how the patient's face matches it. */
export interface FaceMatch {
  /** The gallery label the probability is for. */
  label: string;
  probability: number;
  /** 1 = the patient's best-matching label in the gallery. */
  rank: number;
  nearest: { patient: string; similarity: number }[];
}

/**
 * The face-match component, supplied by the matching side: for the case store's syndrome ids, the
 * patient's match to every gallery label they appear under; [] when none of them is in the gallery.
 */
export type FaceMatcher = (syndromeIds: number[]) => FaceMatch[] | Promise<FaceMatch[]>;

/** A catalogue disease linked to a gene, joined to the case store's syndrome where one carries its id. */
export interface GeneSyndrome {
  diseaseId: string;
  name: string | null;
  inheritance: string | null;
  /** The case store's syndrome (syndromes.id) with this OMIM/ORPHA/MONDO id, if there is one. */
  syndromeId: number | null;
}

export interface SyndromeMatch extends GeneSyndrome {
  /** The face match for this syndrome; null when it is not in the gallery or no match was computed. */
  face: FaceMatch | null;
  /** Whether the syndrome is in the gallery; null when no face match was computed. */
  inGallery: boolean | null;
}

export interface PriorityWeights {
  deleteriousness: number;
  rarity: number;
  face: number;
}

export const DEFAULT_WEIGHTS: PriorityWeights = { deleteriousness: 0.4, rarity: 0.2, face: 0.4 };

const IMPACT_SCORE: Record<Impact, number> = { HIGH: 1, MODERATE: 0.6, LOW: 0.2, MODIFIER: 0.05 };
const CLINVAR_SCORE: Record<string, number> = { pathogenic: 1, likely_pathogenic: 0.9 };

export interface Components {
  /** Largest of the impact, ClinVar and in-silico scores, each 0..1; the parts are shown. */
  deleteriousness: number;
  impact: number;
  clinvar: number;
  inSilico: number | null;
  /** 1 for an allele gnomAD has not seen, falling linearly to 0 at the rarity threshold. */
  rarity: number;
  /** The best face-match probability among the gene's syndromes in the gallery; 0 when none is. */
  face: number;
  faceSyndrome: string | null;
  faceNote: string;
  weights: PriorityWeights;
}

export interface RankedVariant {
  variant: RankInput;
  priority: number;
  components: Components;
  syndromes: SyndromeMatch[];
}

function inSilico(v: RankInput): number | null {
  // CADD PHRED 30 is the top 0.1% of possible SNVs; 40 and above treated as certain.
  const cadd = v.cadd === null ? null : Math.min(1, Math.max(0, v.cadd / 40));
  if (cadd === null) return v.revel;
  return v.revel === null ? cadd : Math.max(cadd, v.revel);
}

function clinvarScore(clinvar: string | null): number {
  return Math.max(0, ...clinvarTerms(clinvar).map((t) => CLINVAR_SCORE[t] ?? 0));
}

/**
 * The variant's priority: a weighted sum of its deleteriousness, its rarity and the patient's face
 * match to the syndromes of its gene, every component returned so that the clinician sees why.
 */
export function scoreVariant(
  v: RankInput,
  syndromes: SyndromeMatch[],
  filter: CandidateFilter = DEFAULT_FILTER,
  weights: PriorityWeights = DEFAULT_WEIGHTS,
  /** Why no face match was computed (no matcher, no photo of the patient...); face is then 0. */
  faceUnavailable?: string,
): RankedVariant {
  const impact = v.impact === null ? 0 : IMPACT_SCORE[v.impact];
  const clinvar = clinvarScore(v.clinvar);
  const silico = inSilico(v);
  const deleteriousness = Math.max(impact, clinvar, silico ?? 0);
  const rarity = v.gnomadAf === null ? 1 : Math.max(0, 1 - v.gnomadAf / filter.maxGnomadAf);
  let best: SyndromeMatch | null = null;
  for (const s of syndromes)
    if (s.face && (!best?.face || s.face.probability > best.face.probability)) best = s;
  const face = best?.face?.probability ?? 0;
  const faceNote =
    faceUnavailable !== undefined
      ? `no face match: ${faceUnavailable}`
      : syndromes.length === 0
        ? v.gene === null
          ? 'no gene'
          : `the catalogue links no syndrome to ${v.gene}`
        : best === null
          ? `no syndrome of ${v.gene} is in the gallery`
          : `best face match: ${best.face?.label} (probability ${face.toFixed(3)}, rank ${best.face?.rank})`;
  const priority = weights.deleteriousness * deleteriousness + weights.rarity * rarity + weights.face * face;
  return {
    variant: v,
    priority,
    components: {
      deleteriousness,
      impact,
      clinvar,
      inSilico: silico,
      rarity,
      face,
      faceSyndrome: best?.diseaseId ?? null,
      faceNote,
      weights,
    },
    syndromes,
  };
}

/** Highest priority first; ties by position so the order is reproducible. */
export function compareRanked(a: RankedVariant, b: RankedVariant): number {
  return (
    b.priority - a.priority ||
    a.variant.chrom.localeCompare(b.variant.chrom) ||
    a.variant.pos - b.variant.pos ||
    a.variant.alt.localeCompare(b.variant.alt)
  );
}
