import VCF from '@gmod/vcf';
import type { MetaMap } from '@gmod/vcf';
import { UserError } from '../errors.js';
import type { AnnotationLayout } from './annotation.js';
import { CADD_KEYS, CLINVAR_KEYS, REVEL_KEYS, isFrequencyField, parseLayout } from './annotation.js';
import type { Pedigree } from './pedigree.js';
import { headerPedigree } from './pedigree.js';

/** 4.0 reads as 4.1 does (its records are a subset); 4.4 and 4.5 add what records may hold, checked per line. */
export const SUPPORTED_VERSIONS = ['VCFv4.0', 'VCFv4.1', 'VCFv4.2', 'VCFv4.3', 'VCFv4.4', 'VCFv4.5'];

/** NCBI36 (hg18) is recognised so that a file on it is named as such, not taken for an unknown build. */
export type GenomeBuild = 'GRCh37' | 'GRCh38' | 'T2T-CHM13' | 'NCBI36';

/** chr1's length identifies the assembly whatever the contigs are called (1, chr1, NC_000001). */
const CHR1_LENGTH: Record<number, GenomeBuild> = {
  247249719: 'NCBI36',
  249250621: 'GRCh37',
  248956422: 'GRCh38',
  248387328: 'T2T-CHM13',
};

const BUILD_NAMES: [RegExp, GenomeBuild][] = [
  [/GRCh38|hg38|hs38|\bb38\b/i, 'GRCh38'],
  [/GRCh37|NCBI_?37|hg19|hs37|\bb37\b|g1k_v37/i, 'GRCh37'],
  [/chm13|\bt2t\b|hs1\b/i, 'T2T-CHM13'],
  [/NCBI_?36|hg18|hs36|\bb36\b|human_b36/i, 'NCBI36'],
];

export interface Parent {
  sample: string;
  sampleIndex: number;
}

/** An INFO key that carries a score, with the INFO Number that says how it splits across ALTs. */
export interface InfoKey {
  key: string;
  number: string | number | undefined;
}

export interface VcfHeader {
  version: string;
  samples: string[];
  /** The proband: the --sample asked for, else the first sample column. */
  sample: string;
  sampleIndex: number;
  sampleChosen: 'asked' | 'pedigree' | 'first';
  build: GenomeBuild | null;
  /** What the build was read from, e.g. '##contig chr1 length 248956422'. */
  buildEvidence: string | null;
  csq: AnnotationLayout | null;
  ann: AnnotationLayout | null;
  /** bcftools csq's INFO/BCSQ. */
  bcsq: AnnotationLayout | null;
  info: { gnomad: InfoKey[]; clinvar: InfoKey[]; cadd: InfoKey[]; revel: InfoKey[] };
  /** Every INFO key and CSQ/ANN/BCSQ field a population frequency is read from, e.g. 'CSQ/gnomADe_AF'. */
  frequencyFields: string[];
  /** The proband's parents where the pedigree or ##PEDIGREE names them and the file has their columns. */
  father: Parent | null;
  mother: Parent | null;
  parser: VCF;
  /** The number of tab characters a data line must have. */
  tabs: number;
}

function frequencyKeys(info: MetaMap, named: readonly string[]): InfoKey[] {
  const wanted = new Set(named.map((n) => n.toLowerCase()));
  return Object.keys(info)
    .filter((key) => isFrequencyField(key) || wanted.has(key.toLowerCase()))
    .map((key) => ({ key, number: info[key]?.Number as InfoKey['number'] }));
}

function infoKeys(info: MetaMap, wanted: string[]): InfoKey[] {
  const byLower = new Map(Object.keys(info).map((k) => [k.toLowerCase(), k]));
  const found: InfoKey[] = [];
  for (const w of wanted) {
    const key = byLower.get(w);
    if (key !== undefined) found.push({ key, number: info[key]?.Number as InfoKey['number'] });
  }
  return found;
}

function genomeBuild(meta: string[]): { build: GenomeBuild | null; evidence: string | null } {
  for (const line of meta) {
    if (!line.startsWith('##contig=<') || !/[<,]ID=(?:chr)?1[,>]/.test(line)) continue;
    const length = /[<,]length=(\d+)[,>]/.exec(line)?.[1];
    const build = length === undefined ? undefined : CHR1_LENGTH[Number(length)];
    if (build) return { build, evidence: `##contig 1 length ${length}` };
  }
  for (const line of meta) {
    if (!/^##(reference|assembly)=|^##contig=<.*\bassembly=/.test(line)) continue;
    for (const [re, build] of BUILD_NAMES) {
      if (re.test(line)) return { build, evidence: line.length > 120 ? line.slice(0, 117) + '...' : line };
    }
  }
  return { build: null, evidence: null };
}

export interface HeaderOptions {
  /** The proband's sample column. */
  sample?: string;
  /** Further INFO keys or CSQ/ANN/BCSQ fields to read a population allele frequency from. */
  frequencyFields?: readonly string[];
  /** Overrides the file's own ##PEDIGREE lines. */
  pedigree?: Pedigree;
}

/**
 * The proband: the sample asked for; else the one child of the pedigree whose parents have columns here;
 * else the first sample column.
 */
function chooseProband(
  file: string,
  samples: string[],
  opts: HeaderOptions,
  pedigree: Pedigree | null,
): { sampleIndex: number; sampleChosen: VcfHeader['sampleChosen'] } {
  if (opts.sample !== undefined) {
    const sampleIndex = samples.indexOf(opts.sample);
    if (sampleIndex === -1)
      throw new UserError(`has no sample '${opts.sample}' (its samples: ${samples.join(', ')})`, { file });
    return { sampleIndex, sampleChosen: 'asked' };
  }
  const children = samples.filter((s) => {
    const p = pedigree?.parents.get(s);
    return p !== undefined && [p.father, p.mother].some((x) => x !== null && samples.includes(x));
  });
  if (children.length > 1)
    throw new UserError(
      `${pedigree?.source} gives parents to several of its samples (${children.join(', ')}): choose the proband with --sample`,
      { file },
    );
  if (children[0] !== undefined)
    return { sampleIndex: samples.indexOf(children[0]), sampleChosen: 'pedigree' };
  return { sampleIndex: 0, sampleChosen: 'first' };
}

function parent(samples: string[], name: string | null | undefined): Parent | null {
  const sampleIndex = name == null ? -1 : samples.indexOf(name);
  return sampleIndex === -1 ? null : { sample: samples[sampleIndex] ?? '', sampleIndex };
}

/**
 * Checks and reads a VCF header: lines[0] is line 1 of the file, the last is the #CHROM line.
 * Throws a UserError naming the file and the offending line.
 */
export function parseHeader(file: string, lines: string[], opts: HeaderOptions = {}): VcfHeader {
  const bad = (line: number, message: string) => new UserError(message, { file, line });
  const version = /^##fileformat=(\S+)$/.exec(lines[0] ?? '')?.[1];
  if (version === undefined) throw bad(1, 'not a VCF: the first line must be ##fileformat=VCFv4.x');
  if (!SUPPORTED_VERSIONS.includes(version))
    throw bad(1, `unsupported VCF version ${version} (supported: ${SUPPORTED_VERSIONS.join(', ')})`);
  const meta = lines.slice(0, -1);
  meta.forEach((line, i) => {
    if (!/^##[^=\s]+=/.test(line) || (/^##[^=]+=</.test(line) && !line.trimEnd().endsWith('>')))
      throw bad(i + 1, `malformed header line: ${line.slice(0, 80)}`);
  });
  const chromLine = lines.length;
  const columns = (lines[chromLine - 1] ?? '').split('\t');
  const fixed = ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO'];
  if (fixed.some((c, i) => columns[i] !== c) || (columns.length > 8 && columns[8] !== 'FORMAT'))
    throw bad(
      chromLine,
      `the column header must be ${fixed.join(' ')} [FORMAT samples...] separated by tabs`,
    );

  let parser: VCF;
  try {
    parser = new VCF({ header: lines.join('\n') });
  } catch (err) {
    throw new UserError(`malformed header: ${(err as Error).message.split('\n')[0]}`, {
      file,
      line: chromLine,
      cause: err,
    });
  }
  const samples = parser.samples;
  if (samples.length === 0)
    throw bad(chromLine, "no sample columns: a patient's VCF must carry the proband's genotypes");
  // Two columns with one name leave the proband's genotype to column order, which nothing guarantees.
  const twice = samples.find((s, i) => samples.indexOf(s) !== i);
  if (twice !== undefined)
    throw bad(chromLine, `sample '${twice}' names two columns: sample names must be unique`);
  const pedigree = opts.pedigree ?? headerPedigree(meta);
  const { sampleIndex, sampleChosen } = chooseProband(file, samples, opts, pedigree);
  const sample = samples[sampleIndex] ?? '';
  const family = pedigree?.parents.get(sample);
  const info = (parser.getMetadata('INFO') ?? {}) as MetaMap;
  const named = opts.frequencyFields ?? [];
  const layout = (id: 'CSQ' | 'ANN' | 'BCSQ') => {
    const description = info[id]?.Description;
    return typeof description === 'string' ? parseLayout(id, description, named) : null;
  };
  const [csq, ann, bcsq] = [layout('CSQ'), layout('ANN'), layout('BCSQ')];
  const gnomad = frequencyKeys(info, named);
  const frequencyFields = [
    ...gnomad.map((k) => k.key),
    ...[csq, ann, bcsq].flatMap((l) => (l ? l.gnomad.map((i) => `${l.source}/${l.fields[i]}`) : [])),
  ];
  for (const name of named) {
    const lower = name.toLowerCase();
    if (!frequencyFields.some((f) => f.toLowerCase().split('/').at(-1) === lower))
      throw new UserError(
        `has no INFO key or CSQ/ANN/BCSQ field '${name}' to read allele frequencies from (fields it has: ${frequencyFields.join(', ') || 'none'})`,
        { file },
      );
  }
  const { build, evidence } = genomeBuild(meta);
  return {
    version,
    samples,
    sample,
    sampleIndex,
    sampleChosen,
    build,
    buildEvidence: evidence,
    csq,
    ann,
    bcsq,
    info: {
      gnomad,
      clinvar: infoKeys(info, CLINVAR_KEYS),
      cadd: infoKeys(info, CADD_KEYS),
      revel: infoKeys(info, REVEL_KEYS),
    },
    frequencyFields,
    father: parent(samples, family?.father),
    mother: parent(samples, family?.mother),
    parser,
    tabs: 8 + samples.length,
  };
}
