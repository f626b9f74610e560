import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import type { VcfVariant } from '../../src/main/genomics/vcf.js';
import { parseHeader } from '../../src/main/genomics/header.js';
import { readVcf } from '../../src/main/genomics/vcf.js';
import { fixture, scratch, withLine } from './support.js';

async function read(file: string, sample?: string) {
  const variants: VcfVariant[] = [];
  const summary = await readVcf(file, { sample }, (v) => variants.push(v));
  return { summary, variants };
}

const tmp = scratch();
afterAll(() => tmp.cleanup());

async function failure(file: string, sample?: string): Promise<UserError> {
  const err = await read(file, sample).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('VEP-annotated trio VCF (4.3)', () => {
  it('reads the header: samples, the first as proband, build from ##contig lengths, CSQ layout', async () => {
    const { summary } = await read(fixture('trio.vep.vcf'));
    expect(summary.header.samples).toEqual(['PROBAND_01', 'MOTHER_01', 'FATHER_01']);
    expect(summary.header.sample).toBe('PROBAND_01');
    expect(summary.header.sampleChosen).toBe('first');
    expect(summary.header.build).toBe('GRCh38');
    expect(summary.header.buildEvidence).toBe('##contig 1 length 248956422');
    expect(summary.header.csq?.fields.slice(0, 4)).toEqual(['Allele', 'Consequence', 'IMPACT', 'SYMBOL']);
    expect(summary.header.ann).toBeNull();
    expect(summary).toMatchObject({ lines: 31, records: 11, variants: 12 });
  });

  it("keeps the proband's genotype, depth and quality, and the most severe annotation first", async () => {
    const { variants } = await read(fixture('trio.vep.vcf'));
    const kmt2d = variants.find((v) => v.pos === 49031234);
    expect(kmt2d).toMatchObject({
      line: 26,
      chrom: 'chr12',
      ref: 'G',
      alt: 'A',
      qual: 720,
      filter: 'PASS',
      genotype: '0/1',
      zygosity: 'het',
      depth: 40,
      genotypeQuality: 99,
      clinvar: 'Pathogenic',
      cadd: 45,
      gnomadAf: null,
    });
    expect(kmt2d?.annotations.map((a) => [a.gene, a.impact])).toEqual([
      ['KMT2D', 'HIGH'],
      ['RHEBL1', 'MODIFIER'],
    ]);
    // VEP prefixes HGVS with the feature; the transcript is its own field
    expect(kmt2d?.annotations[0]).toMatchObject({
      transcript: 'ENST00000301067.12',
      hgvsC: 'c.5344C>T',
      hgvsP: 'p.Arg1782Ter',
      consequence: 'stop_gained',
      canonical: true,
      source: 'CSQ',
    });
  });

  it('splits a multi-allelic record and gives each ALT its own annotations and scores', async () => {
    const { variants } = await read(fixture('trio.vep.vcf'));
    const fgfr2 = variants.filter((v) => v.pos === 121520160);
    expect(fgfr2.map((v) => [v.alt, v.altIndex, v.genotype, v.zygosity])).toEqual([
      ['G', 1, '0/1', 'het'],
      ['T', 2, '0/1', 'absent'],
    ]);
    expect(fgfr2[0]?.annotations[0]?.hgvsP).toBe('p.Pro253Arg');
    expect(fgfr2[0]).toMatchObject({ gnomadAf: 0.000004, clinvar: 'pathogenic', revel: 0.93, cadd: 28.4 });
    // VCF 4.3 percent-encoding: VEP writes '=' in HGVSp as %3D
    expect(fgfr2[1]?.annotations[0]?.hgvsP).toBe('p.Pro253=');
    expect(fgfr2[1]?.gnomadAf).toBeNull();
  });

  it("matches VEP's trimmed allele of a deletion, a haploid call and no-calls", async () => {
    const { variants } = await read(fixture('trio.vep.vcf'));
    const del = variants.find((v) => v.pos === 37048600);
    expect(del?.annotations[0]).toMatchObject({ gene: 'NIPBL', hgvsP: 'p.Ile2298LysfsTer12' });
    expect(variants.find((v) => v.chrom === 'chrX')).toMatchObject({ genotype: '1', zygosity: 'hemi' });
    expect(variants.find((v) => v.pos === 112477900)).toMatchObject({ genotype: './.', zygosity: 'missing' });
    // the larger of gnomAD exomes and genomes
    expect(variants.find((v) => v.pos === 69897)?.gnomadAf).toBe(0.3012);
  });

  it('reads bgzip exactly as plain text', async () => {
    const plain = await read(fixture('trio.vep.vcf'));
    const bgzip = await read(fixture('trio.vep.vcf.gz'));
    expect(bgzip.variants).toEqual(plain.variants);
  });

  it('takes the proband asked for with sample', async () => {
    const { summary, variants } = await read(fixture('trio.vep.vcf'), 'MOTHER_01');
    expect(summary.header).toMatchObject({ sample: 'MOTHER_01', sampleIndex: 1, sampleChosen: 'asked' });
    expect(variants.filter((v) => v.pos === 121520160).map((v) => v.zygosity)).toEqual(['absent', 'het']);
    const err = await failure(fixture('trio.vep.vcf'), 'SIBLING');
    expect(err.message).toContain("has no sample 'SIBLING' (its samples: PROBAND_01, MOTHER_01, FATHER_01)");
  });
});

describe('SnpEff-annotated single-sample VCF (4.1)', () => {
  it('reads ANN by its header order, per-ALT INFO (Number=A) and the GRCh37 build', async () => {
    const { summary, variants } = await read(fixture('case7.snpeff.vcf'));
    expect(summary.header).toMatchObject({ version: 'VCFv4.1', build: 'GRCh37', sample: 'CASE_7' });
    expect(summary.header.ann?.fields[9]).toBe('HGVS.c');
    const split = variants.filter((v) => v.pos === 49420000);
    expect(split.map((v) => [v.alt, v.gnomadAf, v.cadd, v.annotations[0]?.consequence])).toEqual([
      ['T', 0.00002, 38, 'stop_gained'],
      ['A', 0.31, 12.5, 'missense_variant'],
    ]);
    expect(split[0]?.annotations[0]).toMatchObject({
      gene: 'KMT2D',
      hgvsC: 'c.16294C>T',
      hgvsP: 'p.Arg5432*',
    });
    // INFO/AF is the call set's frequency, never taken for gnomAD's
    expect(variants[0]?.gnomadAf).toBe(0.9364);
    expect(variants.at(-1)).toMatchObject({ zygosity: 'hemi', gnomadAf: null });
  });
});

describe('malformed files: a UserError naming the file and line', () => {
  it('a bad header line', async () => {
    const file = withLine(tmp.dir, 'trio.vep.vcf', 13, (l) => l.replace(/>$/, ''));
    const err = await failure(file);
    expect(err.message).toMatch(/:13: malformed header line/);
    expect(err).toMatchObject({ file, line: 13 });
  });

  it('an unsupported version, or no VCF at all', async () => {
    const v33 = withLine(tmp.dir, 'trio.vep.vcf', 1, () => '##fileformat=VCFv3.3');
    expect((await failure(v33)).message).toContain(':1: unsupported VCF version VCFv3.3');
    for (const version of ['VCFv4.0', 'VCFv4.4', 'VCFv4.5']) {
      const file = withLine(tmp.dir, 'trio.vep.vcf', 1, () => `##fileformat=${version}`);
      expect((await read(file)).summary).toMatchObject({ records: 11, variants: 12 });
    }
    const text = join(tmp.dir, 'notes.txt');
    writeFileSync(text, 'patient notes\n');
    expect((await failure(text)).message).toContain(`${text}:1: not a VCF`);
  });

  it('a record before the column header', async () => {
    const file = withLine(tmp.dir, 'trio.vep.vcf', 20, () => null);
    expect((await failure(file)).message).toContain(':20: expected the #CHROM column header');
  });

  it('a wrong column count', async () => {
    const file = withLine(tmp.dir, 'trio.vep.vcf', 25, (l) => l.split('\t').slice(0, -1).join('\t'));
    expect((await failure(file)).message).toContain(':25: 11 columns where the header declares 12');
  });

  it('an unknown genotype format, or an allele the record does not have', async () => {
    const letters = withLine(tmp.dir, 'trio.vep.vcf', 27, (l) => l.replace('\t0/1:15,14', '\tA/B:15,14'));
    expect((await failure(letters)).message).toContain(
      ":27: sample PROBAND_01: unknown genotype format GT='A/B'",
    );
    const third = withLine(tmp.dir, 'trio.vep.vcf', 27, (l) => l.replace('\t0/1:15,14', '\t0/3:15,14'));
    expect((await failure(third)).message).toContain(
      ":27: sample PROBAND_01: GT='0/3' names allele 3, but the record has one ALT allele",
    );
  });

  it('a truncated gzip, cut inside a block or between blocks', async () => {
    const gz = readFileSync(fixture('trio.vep.vcf.gz'));
    const cut = join(tmp.dir, 'cut.vcf.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    expect((await failure(cut)).message).toMatch(/cut\.vcf\.gz:\d+: truncated gzip data/);
    const noEof = join(tmp.dir, 'no-eof.vcf.gz');
    writeFileSync(noEof, gz.subarray(0, gz.length - 28));
    // Cut between blocks, every line before the cut complete: the message names the first line after them.
    const lines = readFileSync(fixture('trio.vep.vcf'), 'utf8').split('\n').length;
    expect((await failure(noEof)).message).toContain(
      `no-eof.vcf.gz:${lines}: truncated gzip data: the file ends inside line ${lines}`,
    );
  });

  it('reads plain (non-BGZF) gzip and reports its truncation', async () => {
    const whole = gzipSync(readFileSync(fixture('trio.vep.vcf')));
    const ok = join(tmp.dir, 'plain.vcf.gz');
    writeFileSync(ok, whole);
    expect((await read(ok)).summary.variants).toBe(12);
    const cut = join(tmp.dir, 'plain-cut.vcf.gz');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    expect((await failure(cut)).message).toContain('truncated gzip data');
  });

  it('a gnomAD frequency outside 0..1', async () => {
    const file = withLine(tmp.dir, 'trio.vep.vcf', 21, (l) => l.replace('|0.0001|', '|1.7|'));
    expect((await failure(file)).message).toContain(
      ':21: G: gnomAD allele frequency 1.7 is not between 0 and 1',
    );
  });
});

describe('genome build', () => {
  const build = (meta: string[]) =>
    parseHeader('x.vcf', [
      '##fileformat=VCFv4.2',
      ...meta,
      '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1',
    ]);

  it("is chr1's length in ##contig, whatever the attribute order, else named by ##reference", () => {
    expect(build(['##contig=<length=248956422,ID=1,assembly=unknown>'])).toMatchObject({ build: 'GRCh38' });
    expect(
      build(['##contig=<ID=chr1_KI270706v1_random,length=175055>', '##reference=file:///ref/hg19.fa']),
    ).toMatchObject({
      build: 'GRCh37',
      buildEvidence: '##reference=file:///ref/hg19.fa',
    });
    expect(build(['##contig=<ID=chr1,length=248387328>'])).toMatchObject({ build: 'T2T-CHM13' });
    expect(build(['##contig=<ID=chr2,length=242193529>'])).toMatchObject({
      build: null,
      buildEvidence: null,
    });
  });
});
