import type { InfoValue, Variant } from '@gmod/vcf';
import { UserError } from '../errors.js';
import type { Annotation, AnnotationScores } from './annotation.js';
import { annotationsForAllele, checkEntries, compareAnnotations, vepAlleles } from './annotation.js';
import type { Call, Segregation, Zygosity } from './genotype.js';
import { parseGT, segregationOf, zygosityOf } from './genotype.js';
import type { HeaderOptions, InfoKey, Parent, VcfHeader } from './header.js';
import { parseHeader } from './header.js';
import { forEachLine } from './lines.js';
import { inputPath, type InputFile } from '../input-file.js';

/** One ALT allele of one VCF record, with the proband's call: multi-allelic records are split. */
export interface VcfVariant extends AnnotationScores {
  line: number;
  chrom: string;
  /** 1-based; 0 is a telomere (VCF 4.3+). */
  pos: number;
  id: string | null;
  ref: string;
  alt: string;
  /** 1-based index of this ALT in the record's ALT column. */
  altIndex: number;
  qual: number | null;
  filter: string | null;
  /** The proband's GT as written (e.g. '1/2' on both halves of a split record). */
  genotype: string | null;
  zygosity: Zygosity;
  depth: number | null;
  genotypeQuality: number | null;
  /** The parents' GT as written, where the header names them (pedigree); null otherwise or uncalled. */
  fatherGenotype: string | null;
  motherGenotype: string | null;
  /** Whom the proband has the allele from; null without a parent in the file or when not carried. */
  segregation: Segregation | null;
  /** Most severe first. */
  annotations: Annotation[];
}

export interface VcfSummary {
  header: VcfHeader;
  lines: number;
  records: number;
  variants: number;
  /** What the user should know about the file that is no reason to refuse it. */
  warnings: string[];
}

export type ReadOptions = HeaderOptions;

/** ALTs that are not a variant of the proband's sequence: none, a spanning deletion, gVCF's catch-all. */
const NOT_AN_ALLELE = new Set(['.', '*', '<*>', '<NON_REF>']);

const BASES = /^[ACGTNacgtn]+$/;
/** VCF 4.3-4.5's CHROM: no whitespace, commas, angle brackets, quotes or parentheses; not starting '*' or '='. */
const CHROM = /^[0-9A-Za-z!#$%&+./:;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*$/;
/** VCF 4.0-4.2 also allowed a contig of an assembly file, in angle brackets. */
const ANGLED_CHROM = /^<[0-9A-Za-z!#$%&*+./:;=?@^_|~-]+>$/;
/** A symbolic allele: an ID in angle brackets with no whitespace, comma or further bracket. */
const SYMBOLIC = /^<[^<>\s,]+>$/;
/** Breakends (t[p[, t]p], ]p]t, [p[t, with the same bracket twice; t may be '.' at a telomere) and single breakends (.t, t.). */
const BREAKEND =
  /^(?:(?:[ACGTNacgtn]+|\.)([[\]])[^[\]\s,]+:\d+\1|([[\]])[^[\]\s,]+:\d+\2(?:[ACGTNacgtn]+|\.)|\.[ACGTNacgtn]+|[ACGTNacgtn]+\.)$/;

/** Why an ALT allele is not one VCF allows, or null when it is. */
function badAllele(alt: string): string | null {
  if (alt === '') return 'ALT has an empty allele (two commas, or a comma at an end)';
  if (BASES.test(alt) || NOT_AN_ALLELE.has(alt) || SYMBOLIC.test(alt) || BREAKEND.test(alt)) return null;
  return `ALT allele '${alt.slice(0, 30)}' is neither bases (A, C, G, T, N), a <symbolic> allele nor a breakend`;
}

function infoValue(
  info: Record<string, InfoValue>,
  k: InfoKey,
  altIndex: number,
): string | number | undefined {
  const v = info[k.key];
  if (v === undefined || v === true) return undefined;
  if (k.number === 'A') return v[altIndex - 1];
  if (k.number === 'R') return v[altIndex];
  return v.length === 1 ? v[0] : v.filter((x) => x !== undefined).join(',');
}

function maxNumber(info: Record<string, InfoValue>, keys: InfoKey[], altIndex: number): number | null {
  let best: number | null = null;
  for (const k of keys) {
    const v = Number(infoValue(info, k, altIndex));
    if (Number.isFinite(v) && (best === null || v > best)) best = v;
  }
  return best;
}

function firstText(info: Record<string, InfoValue>, keys: InfoKey[], altIndex: number): string | null {
  for (const k of keys) {
    const v = infoValue(info, k, altIndex);
    if (v !== undefined && v !== '') return String(v);
  }
  return null;
}

function tabCount(line: string): number {
  let n = 0;
  for (let i = line.indexOf('\t'); i !== -1; i = line.indexOf('\t', i + 1)) n++;
  return n;
}

interface SampleFields {
  gt: string | null;
  dp: number | null;
  gq: number | null;
  fatherGt: string | null;
  motherGt: string | null;
}

function sampleFields(variant: Variant, h: VcfHeader): SampleFields {
  const out: SampleFields = { gt: null, dp: null, gq: null, fatherGt: null, motherGt: null };
  const father = h.father?.sampleIndex ?? -1;
  const mother = h.mother?.sampleIndex ?? -1;
  variant.processFormatFields(['GT', 'DP', 'GQ'], (str, r, idx) => {
    const value = (k: number) => ((r[2 * k] ?? -1) < 0 ? null : str.slice(r[2 * k], r[2 * k + 1]));
    if (idx === father) out.fatherGt = value(0);
    if (idx === mother) out.motherGt = value(0);
    if (idx !== h.sampleIndex) return;
    out.gt = value(0);
    const dp = Number(value(1) ?? NaN);
    const gq = Number(value(2) ?? NaN);
    out.dp = Number.isFinite(dp) ? dp : null;
    out.gq = Number.isFinite(gq) ? gq : null;
  });
  return out;
}

/** A parent's call, null when the parent has no column; a malformed GT is the line's error. */
function parentCall(
  parent: Parent | null,
  gt: string | null,
  altCount: number,
  bad: (message: string) => UserError,
): Call | null | undefined {
  if (parent === null) return undefined;
  if (gt === null) return null;
  const call = parseGT(gt, altCount);
  if (typeof call === 'string') throw bad(`sample ${parent.sample}: ${call}`);
  return call;
}

/**
 * Streams a VCF 4.0-4.5 file (plain or bgzip), calling onVariant for each ALT allele of each record
 * with the proband's call (and the parents', where the pedigree names them) and annotations. Any
 * malformed line throws a UserError naming the file and line; callers that store must treat the whole
 * file as one transaction.
 */
export async function readVcf(
  input: InputFile,
  opts: ReadOptions,
  onVariant: (v: VcfVariant) => void,
  onHeader?: (h: VcfHeader) => void,
): Promise<VcfSummary> {
  const file = inputPath(input);
  const headerLines: string[] = [];
  let header: VcfHeader | undefined;
  let records = 0;
  let variants = 0;
  let withFrequency = 0;
  let emptyAlleles = 0;
  let firstEmptyAllele = '';
  let chrom = '';
  let site = -1;
  // The alleles of the current site (CHROM, POS) by 'REF>ALT', with their line: a sorted file's
  // duplicate records are neighbours.
  const atSite = new Map<string, number>();

  const onLine = (line: string, lineNo: number) => {
    if (header === undefined) {
      if (line.startsWith('##') || (line.startsWith('#CHROM') && headerLines.length > 0)) {
        headerLines.push(line);
        if (line.startsWith('#CHROM')) {
          header = parseHeader(file, headerLines, opts);
          onHeader?.(header);
        }
        return;
      }
      if (headerLines.length === 0)
        throw new UserError('not a VCF: the first line must be ##fileformat=VCFv4.x', { file, line: lineNo });
      throw new UserError('expected the #CHROM column header before the first record', {
        file,
        line: lineNo,
      });
    }
    if (line === '') return;
    const h = header;
    const bad = (message: string) => new UserError(message, { file, line: lineNo });
    const tabs = tabCount(line);
    if (tabs !== h.tabs) throw bad(`${tabs + 1} columns where the header declares ${h.tabs + 1}`);
    let v: Variant;
    try {
      v = h.parser.parseLine(line);
    } catch (err) {
      throw new UserError(`malformed record: ${(err as Error).message}`, { file, line: lineNo, cause: err });
    }
    const ref = v.REF ?? '';
    const recordChrom = v.CHROM ?? '';
    if (recordChrom !== chrom) {
      if (!CHROM.test(recordChrom) && !(h.version < 'VCFv4.3' && ANGLED_CHROM.test(recordChrom)))
        throw bad(
          `CHROM '${recordChrom.slice(0, 30)}' is not a contig name (no spaces, commas, brackets or quotes)`,
        );
      chrom = recordChrom;
      site = -1;
    }
    if (!Number.isInteger(v.POS) || v.POS < 0)
      throw bad(`POS must be a whole number (1-based; 0 for a telomere)`);
    if (!BASES.test(ref)) throw bad(`REF must be bases (A, C, G, T, N), found '${ref.slice(0, 20)}'`);
    if (Number.isNaN(v.QUAL))
      throw bad(`QUAL must be a number or '.', found '${(line.split('\t')[5] ?? '').slice(0, 20)}'`);
    const alts = v.ALT ?? [];
    for (const alt of alts) {
      const why = badAllele(alt);
      if (why) throw bad(why);
    }
    if (v.POS !== site) {
      atSite.clear();
      site = v.POS;
    }
    for (const alt of alts) {
      if (NOT_AN_ALLELE.has(alt)) continue;
      const key = `${ref}>${alt}`;
      const earlier = atSite.get(key);
      if (earlier !== undefined)
        throw bad(`duplicate of line ${earlier}: ${chrom}:${v.POS} ${ref}>${alt.slice(0, 30)} again`);
      atSite.set(key, lineNo);
    }
    const fmt = sampleFields(v, h);
    const call = fmt.gt === null ? null : parseGT(fmt.gt, alts.length);
    if (typeof call === 'string') throw bad(`sample ${h.sample}: ${call}`);
    const father = parentCall(h.father, fmt.fatherGt, alts.length, bad);
    const mother = parentCall(h.mother, fmt.motherGt, alts.length, bad);
    records += 1;
    const lists = {
      csq: asList(v.INFO.CSQ),
      ann: asList(v.INFO.ANN),
      bcsq: asList(v.INFO.BCSQ),
    };
    for (const [layout, entries] of [
      [h.csq, lists.csq],
      [h.ann, lists.ann],
      [h.bcsq, lists.bcsq],
    ] as const) {
      if (!layout) continue;
      const checked = checkEntries(layout, entries, alts.length);
      if (checked.error) throw bad(checked.error);
      if (checked.emptyAlleles > 0 && emptyAlleles === 0)
        firstEmptyAllele = `${layout.source}, the first at line ${lineNo}`;
      emptyAlleles += checked.emptyAlleles;
    }
    const vepForms = h.csq ? vepAlleles(ref, alts) : [];
    alts.forEach((alt, i) => {
      if (NOT_AN_ALLELE.has(alt)) return;
      const altIndex = i + 1;
      const parsed = [
        h.csq && annotationsForAllele(h.csq, lists.csq, altIndex, [alt, vepForms[i] ?? alt]),
        h.ann && annotationsForAllele(h.ann, lists.ann, altIndex, [alt]),
        h.bcsq && annotationsForAllele(h.bcsq, lists.bcsq, altIndex, [`${v.POS}${ref}>${alt}`]),
      ].filter((p) => p !== null);
      const annotations = parsed.flatMap((p) => p.annotations);
      if (parsed.length > 1) annotations.sort(compareAnnotations);
      const gnomadAf = maxOf(
        maxNumber(v.INFO, h.info.gnomad, altIndex),
        ...parsed.map((p) => p.scores.gnomadAf),
      );
      if (gnomadAf !== null && (gnomadAf < 0 || gnomadAf > 1))
        throw bad(`${alt}: gnomAD allele frequency ${gnomadAf} is not between 0 and 1`);
      if (gnomadAf !== null) withFrequency += 1;
      const zygosity = zygosityOf(call, altIndex);
      const carried = zygosity === 'het' || zygosity === 'hom' || zygosity === 'hemi';
      variants += 1;
      onVariant({
        line: lineNo,
        chrom,
        pos: v.POS,
        id: v.ID?.join(';') ?? null,
        ref,
        alt,
        altIndex,
        qual: v.QUAL ?? null,
        filter: v.FILTER === undefined ? null : typeof v.FILTER === 'string' ? v.FILTER : v.FILTER.join(';'),
        genotype: fmt.gt,
        zygosity,
        depth: fmt.dp,
        genotypeQuality: fmt.gq,
        fatherGenotype: fmt.fatherGt,
        motherGenotype: fmt.motherGt,
        segregation:
          carried && (father !== undefined || mother !== undefined)
            ? segregationOf(altIndex, father, mother)
            : null,
        gnomadAf,
        clinvar:
          firstText(v.INFO, h.info.clinvar, altIndex) ??
          parsed.find((p) => p.scores.clinvar)?.scores.clinvar ??
          null,
        cadd: maxOf(maxNumber(v.INFO, h.info.cadd, altIndex), ...parsed.map((p) => p.scores.cadd)),
        revel: maxOf(maxNumber(v.INFO, h.info.revel, altIndex), ...parsed.map((p) => p.scores.revel)),
        annotations,
      });
    });
  };

  const { lines } = await forEachLine(input, onLine);
  if (header === undefined)
    throw new UserError(
      headerLines.length === 0 ? 'empty file: not a VCF' : 'the header has no #CHROM column line',
      { file, line: lines },
    );
  const warnings: string[] = [];
  if (variants > 0 && withFrequency === 0)
    warnings.push(
      header.frequencyFields.length === 0
        ? 'no population allele frequency (gnomAD) in the file: every allele counts as unseen in gnomAD, so as rare; annotate the file with gnomAD, or name its frequency field (--af-field)'
        : `no allele has a value in its frequency fields (${header.frequencyFields.join(', ')}): every allele counts as unseen in gnomAD, so as rare`,
    );
  if (emptyAlleles > 0)
    warnings.push(
      `${emptyAlleles} annotation entries with an empty Allele (${firstEmptyAllele}) were taken for their record's only ALT allele`,
    );
  return { header, lines, records, variants, warnings };
}
/** Thrown by readVcfHeader's line callback to stop reading once the header is read. */
class HeaderRead extends Error {
  constructor(readonly header: VcfHeader) {
    super('header read');
  }
}

/** The header alone (the proband it chooses, its layouts), read without the records. */
export async function readVcfHeader(file: InputFile, opts: HeaderOptions): Promise<VcfHeader> {
  try {
    await readVcf(
      file,
      opts,
      () => undefined,
      (h) => {
        throw new HeaderRead(h);
      },
    );
  } catch (err) {
    if (err instanceof HeaderRead) return err.header;
    throw err;
  }
  throw new UserError('the header has no #CHROM column line', { file: inputPath(file) });
}

function asList(v: InfoValue | undefined): (string | number | undefined)[] {
  return v === undefined || v === true ? [] : v;
}

function maxOf(...values: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && v !== undefined && (best === null || v > best)) best = v;
  return best;
}
