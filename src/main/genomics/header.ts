import VCF from '@gmod/vcf';
import type { MetaMap } from '@gmod/vcf';
import { UserError } from '../errors.js';
import type { AnnotationLayout } from './annotation.js';
import { CADD_KEYS, CLINVAR_KEYS, GNOMAD_AF_KEYS, REVEL_KEYS, parseLayout } from './annotation.js';

export const SUPPORTED_VERSIONS = ['VCFv4.1', 'VCFv4.2', 'VCFv4.3'];

export type GenomeBuild = 'GRCh37' | 'GRCh38' | 'T2T-CHM13';

/** chr1's length identifies the assembly whatever the contigs are called (1, chr1, NC_000001). */
const CHR1_LENGTH: Record<number, GenomeBuild> = {
  249250621: 'GRCh37',
  248956422: 'GRCh38',
  248387328: 'T2T-CHM13',
};

const BUILD_NAMES: [RegExp, GenomeBuild][] = [
  [/GRCh38|hg38|hs38|\bb38\b/i, 'GRCh38'],
  [/GRCh37|hg19|hs37|\bb37\b|g1k_v37/i, 'GRCh37'],
  [/chm13|\bt2t\b|hs1\b/i, 'T2T-CHM13'],
];

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
  sampleChosen: 'asked' | 'first';
  build: GenomeBuild | null;
  /** What the build was read from, e.g. '##contig chr1 length 248956422'. */
  buildEvidence: string | null;
  csq: AnnotationLayout | null;
  ann: AnnotationLayout | null;
  info: { gnomad: InfoKey[]; clinvar: InfoKey[]; cadd: InfoKey[]; revel: InfoKey[] };
  parser: VCF;
  /** The number of tab characters a data line must have. */
  tabs: number;
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

/**
 * Checks and reads a VCF header: lines[0] is line 1 of the file, the last is the #CHROM line.
 * Throws a UserError naming the file and the offending line.
 */
export function parseHeader(file: string, lines: string[], wantedSample?: string): VcfHeader {
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
  let sampleIndex = 0;
  if (wantedSample !== undefined) {
    sampleIndex = samples.indexOf(wantedSample);
    if (sampleIndex === -1)
      throw new UserError(`has no sample '${wantedSample}' (its samples: ${samples.join(', ')})`, { file });
  }
  const info = (parser.getMetadata('INFO') ?? {}) as MetaMap;
  const layout = (id: 'CSQ' | 'ANN') => {
    const description = info[id]?.Description;
    return typeof description === 'string' ? parseLayout(id, description) : null;
  };
  const { build, evidence } = genomeBuild(meta);
  return {
    version,
    samples,
    sample: samples[sampleIndex] ?? '',
    sampleIndex,
    sampleChosen: wantedSample === undefined ? 'first' : 'asked',
    build,
    buildEvidence: evidence,
    csq: layout('CSQ'),
    ann: layout('ANN'),
    info: {
      gnomad: infoKeys(info, GNOMAD_AF_KEYS),
      clinvar: infoKeys(info, CLINVAR_KEYS),
      cadd: infoKeys(info, CADD_KEYS),
      revel: infoKeys(info, REVEL_KEYS),
    },
    parser,
    tabs: 8 + samples.length,
  };
}
