/**
 * Writes a synthetic, VEP-annotated trio exome VCF (VCFv4.2, GRCh38 contigs) for benchmarks:
 * sorted records, ~4% multi-allelic, ~12% indels, 1-3 transcripts per allele with HGVS, gnomAD
 * exome/genome AF, ClinVar, CADD and REVEL in CSQ, GT:AD:DP:GQ for three samples.
 *
 *   node dist/tools/genomics/make-vcf.js --records 100000 --out /tmp/exome.vcf [--gzip] [--seed 1]
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

const CSQ_FIELDS = [
  'Allele',
  'Consequence',
  'IMPACT',
  'SYMBOL',
  'Gene',
  'Feature_type',
  'Feature',
  'BIOTYPE',
  'EXON',
  'HGVSc',
  'HGVSp',
  'CANONICAL',
  'MANE_SELECT',
  'gnomADe_AF',
  'gnomADg_AF',
  'CLIN_SIG',
  'CADD_PHRED',
  'REVEL',
];

/** GRCh38 primary assembly lengths: what makes the file read as GRCh38. */
const CONTIGS: [string, number][] = [
  ['chr1', 248956422],
  ['chr2', 242193529],
  ['chr3', 198295559],
  ['chr4', 190214555],
  ['chr5', 181538259],
  ['chr6', 170805979],
  ['chr7', 159345973],
  ['chr8', 145138636],
  ['chr9', 138394717],
  ['chr10', 133797422],
  ['chr11', 135086622],
  ['chr12', 133275309],
  ['chr13', 114364328],
  ['chr14', 107043718],
  ['chr15', 101991189],
  ['chr16', 90338345],
  ['chr17', 83257441],
  ['chr18', 80373285],
  ['chr19', 58617616],
  ['chr20', 64444167],
  ['chr21', 46709983],
  ['chr22', 50818468],
  ['chrX', 156040895],
  ['chrY', 57227415],
];

/** [SO term, impact, weight]: roughly an exome's mix of consequences. */
const CONSEQUENCES: [string, string, number][] = [
  ['missense_variant', 'MODERATE', 30],
  ['synonymous_variant', 'LOW', 28],
  ['intron_variant', 'MODIFIER', 20],
  ['3_prime_UTR_variant', 'MODIFIER', 8],
  ['splice_region_variant&intron_variant', 'LOW', 5],
  ['stop_gained', 'HIGH', 2],
  ['frameshift_variant', 'HIGH', 2],
  ['inframe_deletion', 'MODERATE', 2],
  ['splice_donor_variant', 'HIGH', 1],
  ['start_lost', 'HIGH', 1],
  ['upstream_gene_variant', 'MODIFIER', 1],
];

/** Includes genes of well-known facial-gestalt syndromes, so rankings over this file have links. */
const GENES = [
  'KMT2D',
  'KDM6A',
  'NIPBL',
  'SMC1A',
  'HDAC8',
  'FGFR2',
  'FGFR3',
  'PTPN11',
  'SOS1',
  'RAF1',
  'BRAF',
  'HRAS',
  'TCOF1',
  'CHD7',
  'ARID1B',
  'ANKRD11',
  'EHMT1',
  'NSD1',
  'TTN',
  'BRCA2',
  'MUC16',
  'OBSCN',
  'NEB',
  'SYNE1',
  'DNAH5',
  'LRP1B',
  'FAT4',
  'HMCN1',
  'CSMD1',
  'USH2A',
  'AHNAK2',
  'PLEC',
  'MACF1',
  'DST',
  'RYR1',
  'APOB',
];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: fast, deterministic, good enough for test data
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function header(): string {
  const lines = [
    '##fileformat=VCFv4.2',
    '##source=facepheno-make-vcf',
    '##reference=GRCh38',
    ...CONTIGS.map(([id, len]) => `##contig=<ID=${id},length=${len}>`),
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: ' +
      CSQ_FIELDS.join('|') +
      '">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
    [
      '#CHROM',
      'POS',
      'ID',
      'REF',
      'ALT',
      'QUAL',
      'FILTER',
      'INFO',
      'FORMAT',
      'PROBAND',
      'MOTHER',
      'FATHER',
    ].join('\t'),
  ];
  return lines.join('\n') + '\n';
}

function* records(n: number, seed: number): Generator<string> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const base = () => pick(['A', 'C', 'G', 'T']);
  const total = CONSEQUENCES.reduce((s, c) => s + c[2], 0);
  const consequence = () => {
    let x = r() * total;
    for (const c of CONSEQUENCES) if ((x -= c[2]) < 0) return c;
    return CONSEQUENCES[0] as [string, string, number];
  };
  const genomeLength = CONTIGS.reduce((s, c) => s + c[1], 0);
  let contig = 0;
  let pos = 10000;
  const step = Math.max(1, Math.floor(genomeLength / n));
  for (let i = 0; i < n; i++) {
    pos += 1 + Math.floor(r() * 2 * step);
    while (pos > (CONTIGS[contig]?.[1] ?? Infinity) - 100 && contig < CONTIGS.length - 1) {
      contig += 1;
      pos = 10000 + Math.floor(r() * step);
    }
    const chrom = CONTIGS[contig]?.[0] ?? 'chrY';
    const ref0 = base();
    const kind = r();
    let ref = ref0;
    let alts: string[];
    if (kind < 0.06) {
      ref = ref0 + base() + base();
      alts = [ref0];
    } else if (kind < 0.12) alts = [ref0 + base() + base()];
    else alts = [pick(['A', 'C', 'G', 'T'].filter((b) => b !== ref0))];
    if (r() < 0.04 && alts[0]?.length === 1)
      alts.push(pick(['A', 'C', 'G', 'T'].filter((b) => b !== ref0 && b !== alts[0])));
    const vep = (alt: string) =>
      alts.every((a) => a[0] === ref[0]) && ref.length !== alt.length ? alt.slice(1) || '-' : alt;
    const csq: string[] = [];
    alts.forEach((alt) => {
      const gene = pick(GENES);
      const common = r() < 0.7;
      const af = r() < 0.15 ? '' : (common ? 10 ** (-3 * r()) : 10 ** (-6 + 3 * r())).toPrecision(3);
      const nTx = 1 + Math.floor(r() * 3);
      for (let t = 0; t < nTx; t++) {
        const [cons, impact] = consequence();
        const cpos = 1 + Math.floor(r() * 9000);
        const aa = Math.ceil(cpos / 3);
        const tx = `ENST${String(100000 + Math.floor(r() * 900000)).padStart(11, '0')}.${1 + Math.floor(r() * 9)}`;
        csq.push(
          [
            vep(alt),
            cons,
            impact,
            gene,
            `ENSG${String(Math.floor(r() * 1e11)).padStart(11, '0')}`,
            'Transcript',
            tx,
            'protein_coding',
            `${1 + Math.floor(r() * 40)}/40`,
            `${tx}:c.${cpos}${ref}>${alt}`,
            impact === 'HIGH' || impact === 'MODERATE'
              ? `ENSP00000${Math.floor(r() * 1e6)}.1:p.Arg${aa}Gly`
              : '',
            t === 0 ? 'YES' : '',
            t === 0 ? `NM_${Math.floor(r() * 1e6)}.3` : '',
            af,
            af ? Math.min(1, Number(af) * (0.5 + r())).toPrecision(3) : '',
            r() < 0.02 ? pick(['pathogenic', 'likely_pathogenic', 'uncertain_significance', 'benign']) : '',
            (r() * 40).toFixed(1),
            cons.startsWith('missense') ? r().toFixed(3) : '',
          ].join('|'),
        );
      }
    });
    const dp = 10 + Math.floor(r() * 60);
    const gt = () => {
      const x = r();
      if (alts.length > 1 && x < 0.3) return '1/2';
      return x < 0.55 ? '0/1' : x < 0.8 ? '1/1' : '0/0';
    };
    const sample = () => {
      const d = 10 + Math.floor(r() * 60);
      const alt = Math.floor(d * r());
      const ad = [d - alt, alt, ...alts.slice(1).map(() => 0)].join(',');
      return `${gt()}:${ad}:${d}:${Math.floor(r() * 99)}`;
    };
    yield (
      [
        chrom,
        pos,
        r() < 0.3 ? `rs${Math.floor(r() * 1e9)}` : '.',
        ref,
        alts.join(','),
        (30 + r() * 3000).toFixed(2),
        'PASS',
        `DP=${dp * 3};CSQ=${csq.join(',')}`,
        'GT:AD:DP:GQ',
        sample(),
        sample(),
        sample(),
      ].join('\t') + '\n'
    );
  }
}

/** Batches lines into ~1 MB strings so the write stream is not the bottleneck. */
function* chunks(n: number, seed: number): Generator<string> {
  yield header();
  let buf = '';
  for (const line of records(n, seed)) {
    buf += line;
    if (buf.length > 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

export async function makeVcf(
  out: string,
  n: number,
  opts: { gzip?: boolean; seed?: number } = {},
): Promise<void> {
  const sink: Writable = createWriteStream(out);
  const source = Readable.from(chunks(n, opts.seed ?? 1));
  if (opts.gzip) await pipeline(source, createGzip({ level: 1 }), sink);
  else await pipeline(source, sink);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      out: { type: 'string' },
      gzip: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
    },
  });
  if (!values.out) {
    console.error('usage: make-vcf --records N --out FILE [--gzip] [--seed S]');
    process.exit(2);
  }
  await makeVcf(values.out, Number(values.records), { gzip: values.gzip, seed: Number(values.seed) });
  console.log(`wrote ${values.records} records to ${values.out}`);
}
