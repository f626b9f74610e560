import type { InfoValue, Variant } from '@gmod/vcf';
import { UserError } from '../errors.js';
import type { Annotation, AnnotationScores } from './annotation.js';
import { annotationsForAllele, compareAnnotations, layoutMismatch, vepAlleles } from './annotation.js';
import type { Zygosity } from './genotype.js';
import { parseGT, zygosityOf } from './genotype.js';
import type { InfoKey, VcfHeader } from './header.js';
import { parseHeader } from './header.js';
import { forEachLine } from './lines.js';
import { inputPath, type InputFile } from '../input-file.js';

/** One ALT allele of one VCF record, with the proband's call: multi-allelic records are split. */
export interface VcfVariant extends AnnotationScores {
  line: number;
  chrom: string;
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
  /** Most severe first. */
  annotations: Annotation[];
}

export interface VcfSummary {
  header: VcfHeader;
  lines: number;
  records: number;
  variants: number;
}

/** ALTs that are not a variant of the proband's sequence: none, a spanning deletion, gVCF's catch-all. */
const NOT_AN_ALLELE = new Set(['.', '*', '<*>', '<NON_REF>']);

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
}

function sampleFields(variant: Variant, sampleIndex: number): SampleFields {
  const out: SampleFields = { gt: null, dp: null, gq: null };
  variant.processFormatFields(['GT', 'DP', 'GQ'], (str, r, idx) => {
    if (idx !== sampleIndex) return;
    const value = (k: number) => ((r[2 * k] ?? -1) < 0 ? null : str.slice(r[2 * k], r[2 * k + 1]));
    out.gt = value(0);
    const dp = Number(value(1) ?? NaN);
    const gq = Number(value(2) ?? NaN);
    out.dp = Number.isFinite(dp) ? dp : null;
    out.gq = Number.isFinite(gq) ? gq : null;
  });
  return out;
}

/**
 * Streams a VCF 4.1-4.3 file (plain or bgzip), calling onVariant for each ALT allele of each record
 * with the proband's call and annotations. Any malformed line throws a UserError naming the file and
 * line; callers that store must treat the whole file as one transaction.
 */
export async function readVcf(
  input: InputFile,
  opts: { sample?: string },
  onVariant: (v: VcfVariant) => void,
  onHeader?: (h: VcfHeader) => void,
): Promise<VcfSummary> {
  const file = inputPath(input);
  const headerLines: string[] = [];
  let header: VcfHeader | undefined;
  let records = 0;
  let variants = 0;

  const onLine = (line: string, lineNo: number) => {
    if (header === undefined) {
      if (line.startsWith('##') || (line.startsWith('#CHROM') && headerLines.length > 0)) {
        headerLines.push(line);
        if (line.startsWith('#CHROM')) {
          header = parseHeader(file, headerLines, opts.sample);
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
    if (!Number.isInteger(v.POS) || v.POS < 1) throw bad(`POS must be a positive integer`);
    if (!/^[ACGTNacgtn]+$/.test(ref))
      throw bad(`REF must be bases (A, C, G, T, N), found '${ref.slice(0, 20)}'`);
    const alts = v.ALT ?? [];
    const fmt = sampleFields(v, h.sampleIndex);
    const call = fmt.gt === null ? null : parseGT(fmt.gt, alts.length);
    if (fmt.gt !== null && call === null)
      throw bad(
        `sample ${h.sample}: unknown genotype format GT='${fmt.gt.slice(0, 20)}' for ${alts.length} ALT allele(s)`,
      );
    records += 1;
    for (const [layout, entries] of [
      [h.csq, v.INFO.CSQ],
      [h.ann, v.INFO.ANN],
    ] as const) {
      const mismatch = layout && layoutMismatch(layout, asList(entries));
      if (mismatch) throw bad(mismatch);
    }
    const vepForms = h.csq ? vepAlleles(ref, alts) : [];
    alts.forEach((alt, i) => {
      if (NOT_AN_ALLELE.has(alt)) return;
      const altIndex = i + 1;
      const csq =
        h.csq && annotationsForAllele(h.csq, asList(v.INFO.CSQ), altIndex, [alt, vepForms[i] ?? alt]);
      const ann = h.ann && annotationsForAllele(h.ann, asList(v.INFO.ANN), altIndex, [alt]);
      const annotations = [...(csq?.annotations ?? []), ...(ann?.annotations ?? [])];
      if (csq && ann) annotations.sort(compareAnnotations);
      const gnomadAf = maxOf(
        maxNumber(v.INFO, h.info.gnomad, altIndex),
        csq?.scores.gnomadAf,
        ann?.scores.gnomadAf,
      );
      if (gnomadAf !== null && (gnomadAf < 0 || gnomadAf > 1))
        throw bad(`${alt}: gnomAD allele frequency ${gnomadAf} is not between 0 and 1`);
      variants += 1;
      onVariant({
        line: lineNo,
        chrom: v.CHROM ?? '',
        pos: v.POS,
        id: v.ID?.join(';') ?? null,
        ref,
        alt,
        altIndex,
        qual: v.QUAL ?? null,
        filter: v.FILTER === undefined ? null : typeof v.FILTER === 'string' ? v.FILTER : v.FILTER.join(';'),
        genotype: fmt.gt,
        zygosity: zygosityOf(call, altIndex),
        depth: fmt.dp,
        genotypeQuality: fmt.gq,
        gnomadAf: maxOf(
          maxNumber(v.INFO, h.info.gnomad, altIndex),
          csq?.scores.gnomadAf,
          ann?.scores.gnomadAf,
        ),
        clinvar:
          firstText(v.INFO, h.info.clinvar, altIndex) ?? csq?.scores.clinvar ?? ann?.scores.clinvar ?? null,
        cadd: maxOf(maxNumber(v.INFO, h.info.cadd, altIndex), csq?.scores.cadd, ann?.scores.cadd),
        revel: maxOf(maxNumber(v.INFO, h.info.revel, altIndex), csq?.scores.revel, ann?.scores.revel),
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
  return { header, lines, records, variants };
}

function asList(v: InfoValue | undefined): (string | number | undefined)[] {
  return v === undefined || v === true ? [] : v;
}

function maxOf(...values: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && v !== undefined && (best === null || v > best)) best = v;
  return best;
}
