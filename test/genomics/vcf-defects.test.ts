import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { parseHeader } from '../../src/main/genomics/header.js';
import type { VcfVariant } from '../../src/main/genomics/vcf.js';
import { readVcf, type ReadOptions } from '../../src/main/genomics/vcf.js';
import { scratch } from './support.js';

// Defects issue 16 found with real-world VCFs from other projects' test suites, each as a small file.
const tmp = scratch();
afterAll(() => tmp.cleanup());
let n = 0;

const COLUMNS = '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT';

function vcf(meta: string[], records: string[], samples = ['S1'], version = 'VCFv4.3'): string {
  const file = join(tmp.dir, `d${n++}.vcf`);
  writeFileSync(
    file,
    [`##fileformat=${version}`, ...meta, [COLUMNS, ...samples].join('\t'), ...records].join('\n') + '\n',
  );
  return file;
}

async function read(file: string, opts: ReadOptions = {}) {
  const variants: VcfVariant[] = [];
  const summary = await readVcf(file, opts, (v) => variants.push(v));
  return { summary, variants };
}

async function failure(file: string, opts: ReadOptions = {}): Promise<UserError> {
  const err = await read(file, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const GT = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">';
const rec = (chrom: string, pos: string, ref: string, alt: string, info = '.', qual = '50', gt = '0/1') =>
  [chrom, pos, '.', ref, alt, qual, 'PASS', info, 'GT', gt].join('\t');

describe('gnomAD frequencies under other names', () => {
  it('reads VEP --custom fields (gnomAD2.1_AF_raw, ..._AF_popmax), taking the largest', async () => {
    const file = vcf(
      [
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|gnomAD2.1_AF_raw|gnomAD2.1_AF_popmax">',
        GT,
      ],
      [rec('1', '100', 'A', 'G', 'CSQ=G|missense_variant|MODERATE|TBX1|0.15|0.187')],
    );
    const { variants, summary } = await read(file);
    expect(variants[0]?.gnomadAf).toBe(0.187);
    expect(summary.header.frequencyFields).toEqual(['CSQ/gnomAD2.1_AF_raw', 'CSQ/gnomAD2.1_AF_popmax']);
    expect(summary.warnings).toEqual([]);
  });

  it('reads INFO MAX_AF, AF_popmax, faf95 and slivar gnomad_popmax_af, never the call set AF', async () => {
    const meta = ['MAX_AF', 'AF_popmax', 'faf95', 'gnomad_popmax_af', 'AF', 'gnomad_nhomalt'].map(
      (id) => `##INFO=<ID=${id},Number=A,Type=Float,Description="x">`,
    );
    const file = vcf(
      [...meta, GT],
      [
        rec('1', '100', 'A', 'G', 'MAX_AF=0.02'),
        rec('1', '200', 'A', 'G', 'AF_popmax=0.03'),
        rec('1', '300', 'A', 'G', 'faf95=0.04'),
        rec('1', '400', 'A', 'G', 'gnomad_popmax_af=0.05;AF=0.5;gnomad_nhomalt=7'),
      ],
    );
    expect((await read(file)).variants.map((v) => v.gnomadAf)).toEqual([0.02, 0.03, 0.04, 0.05]);
  });

  it('reads a field the user names, refuses one the file lacks, and warns when there is no frequency', async () => {
    const file = vcf(
      ['##INFO=<ID=POPFREQ,Number=A,Type=Float,Description="x">', GT],
      [rec('1', '100', 'A', 'G', 'POPFREQ=0.2')],
    );
    const plain = await read(file);
    expect(plain.variants[0]?.gnomadAf).toBeNull();
    expect(plain.summary.warnings[0]).toContain('no population allele frequency (gnomAD) in the file');
    const named = await read(file, { frequencyFields: ['POPFREQ'] });
    expect(named.variants[0]?.gnomadAf).toBe(0.2);
    expect(named.summary.warnings).toEqual([]);
    expect((await failure(file, { frequencyFields: ['NOPE'] })).message).toContain(
      "has no INFO key or CSQ/ANN/BCSQ field 'NOPE'",
    );
  });
});

describe('bcftools csq (BCSQ)', () => {
  const BCSQ =
    '##INFO=<ID=BCSQ,Number=.,Type=String,Description="Local consequence annotation from BCFtools/csq. Format: Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change">';

  it('reads its layout with trailing fields left out, in SO terms', async () => {
    const file = vcf(
      [BCSQ, GT],
      [
        rec(
          '2',
          '178562839',
          'G',
          'A',
          'BCSQ=missense|TTN|ENST00000589042|protein_coding|-|30071R>30071C|178562839G>A',
        ),
        rec('2', '178600000', 'G', 'T', 'BCSQ=intron|TTN|ENST00000589042|protein_coding'),
      ],
    );
    const { variants, summary } = await read(file);
    expect(summary.header.bcsq?.fields[0]).toBe('Consequence');
    expect(variants[0]?.annotations[0]).toMatchObject({
      source: 'BCSQ',
      gene: 'TTN',
      transcript: 'ENST00000589042',
      consequence: 'missense_variant',
      impact: 'MODERATE',
      hgvsP: 'p.Arg30071Cys',
    });
    expect(variants[1]?.annotations[0]).toMatchObject({ consequence: 'intron_variant', impact: 'MODIFIER' });
  });

  it('gives each ALT its entries by dna_change, and refuses an entry no allele can be told for', async () => {
    const file = vcf(
      [BCSQ, GT],
      [
        rec(
          '1',
          '100',
          'C',
          'G,T',
          'BCSQ=missense|FGFR2|ENST1|protein_coding|-|253P>253R|100C>G,synonymous|FGFR2|ENST1|protein_coding|-|253P|100C>T',
          '50',
          '1/2',
        ),
      ],
    );
    const { variants } = await read(file);
    expect(variants.map((v) => v.annotations[0]?.consequence)).toEqual([
      'missense_variant',
      'synonymous_variant',
    ]);
    const bad = vcf([BCSQ, GT], [rec('1', '100', 'C', 'G,T', 'BCSQ=missense|FGFR2|ENST1', '50', '1/2')]);
    expect((await failure(bad)).message).toMatch(/:\d+: BCSQ entry names no dna_change/);
  });
});

describe('malformed records are refused with file:line', () => {
  it.each([
    ['A T', /ALT allele 'A T'/],
    ['R', /ALT allele 'R'/],
    ['<INS>BLAH>', /ALT allele '<INS>BLAH>'/],
    ['[1:100[', /ALT allele '\[1:100\['/],
    ['A,,T', /ALT has an empty allele/],
  ])('ALT %s', async (alt, message) => {
    const file = vcf([GT], [rec('1', '100', 'C', 'G'), rec('1', '200', 'C', alt)]);
    const err = await failure(file);
    expect(err.message).toMatch(message);
    expect(err).toMatchObject({ file, line: 5 });
  });

  it.each(['chr 1', 'chr,1', '<1'])('CHROM %s', async (chrom) => {
    const err = await failure(vcf([GT], [rec(chrom, '100', 'C', 'G')]));
    expect(err.message).toContain(':4: CHROM');
  });

  it('QUAL that is not a number, and a duplicate record', async () => {
    expect((await failure(vcf([GT], [rec('1', '100', 'C', 'G', '.', 'quality')]))).message).toContain(
      ":4: QUAL must be a number or '.', found 'quality'",
    );
    const dup = vcf([GT], [rec('1', '100', 'C', 'G'), rec('1', '100', 'C', 'T,G')]);
    expect((await failure(dup)).message).toContain(':5: duplicate of line 4: 1:100 C>G again');
  });

  it('breakends and symbolic alleles are read', async () => {
    const file = vcf(
      [GT],
      [rec('1', '100', 'C', 'C[2:321682['), rec('1', '200', 'C', '<DEL>'), rec('1', '300', 'C', 'C.')],
    );
    expect((await read(file)).variants).toHaveLength(3);
  });
});

describe('accepted now', () => {
  it('POS 0 (a telomere), an ANN entry with an empty Allele (reported), an allele index out of range', async () => {
    const ANN =
      '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | Annotation_Impact | Gene_Name\'">';
    const file = vcf(
      [ANN, GT],
      [rec('1', '0', 'N', '.[1:12345['), rec('1', '100', 'C', 'G', 'ANN=|missense_variant|MODERATE|SHH')],
    );
    const { variants, summary } = await read(file);
    expect(variants.map((v) => v.pos)).toEqual([0, 100]);
    expect(variants[1]?.annotations[0]?.gene).toBe('SHH');
    expect(summary.warnings.join('\n')).toContain(
      "1 annotation entries with an empty Allele (ANN, the first at line 6) were taken for their record's only ALT allele",
    );
    const multi = vcf([ANN, GT], [rec('1', '100', 'C', 'G,T', 'ANN=|missense_variant|MODERATE|SHH')]);
    expect((await failure(multi)).message).toContain(
      ':5: ANN entry has an empty Allele in a record of 2 ALT alleles',
    );
    const range = vcf([GT], [rec('1', '100', 'C', 'G', '.', '50', '0/2')]);
    expect((await failure(range)).message).toContain(
      ":4: sample S1: GT='0/2' names allele 2, but the record has one ALT allele",
    );
  });

  it('NCBI37 and b36 as builds', () => {
    const build = (ref: string) =>
      parseHeader('x.vcf', ['##fileformat=VCFv4.2', ref, `${COLUMNS}\tS1`]).build;
    expect(build('##reference=file:///refs/NCBI37.fa')).toBe('GRCh37');
    expect(build('##reference=file:///refs/human_b36_male.fa')).toBe('NCBI36');
  });
});

describe('trio files', () => {
  const trio = (meta: string[]) =>
    vcf(
      [...meta, GT],
      [
        rec('1', '100', 'C', 'G', '.', '50', '0/1\t0/0\t0/0'),
        rec('1', '200', 'C', 'G', '.', '50', '0/1\t0/1\t0/0'),
        rec('1', '300', 'C', 'G', '.', '50', '1/1\t0/1\t0/1'),
        rec('1', '400', 'C', 'G', '.', '50', '0/1\t./.\t0/0'),
      ],
      ['MUM', 'KID', 'DAD'],
    );

  it("takes the pedigree's child as proband, with the parents' genotypes and de novo status", async () => {
    const file = trio(['##PEDIGREE=<ID=KID,Father=DAD,Mother=MUM>']);
    const { summary, variants } = await read(file);
    expect(summary.header).toMatchObject({ sample: 'KID', sampleChosen: 'pedigree' });
    expect(summary.header.father?.sample).toBe('DAD');
    expect(variants.map((v) => [v.genotype, v.fatherGenotype, v.motherGenotype, v.segregation])).toEqual([
      ['0/0', '0/0', '0/1', null],
      ['0/1', '0/0', '0/1', 'maternal'],
      ['0/1', '0/1', '1/1', 'both_parents'],
      ['./.', '0/0', '0/1', null],
    ]);
  });

  it('without a pedigree, no parents are guessed', async () => {
    const { variants } = await read(trio([]));
    expect(variants[0]).toMatchObject({ genotype: '0/1', segregation: null });
  });

  it('de novo: both parents called, neither carries it', async () => {
    const file = trio(['##PEDIGREE=<ID=MUM,Father=DAD,Mother=KID>']);
    const { variants } = await read(file);
    expect(variants.map((v) => v.segregation)).toEqual(['de_novo', 'maternal', 'both_parents', 'unknown']);
  });
});
