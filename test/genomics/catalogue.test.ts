import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { genemap2Phenotypes, readCatalogue } from '../../src/main/genomics/catalogue.js';
import { fixture, scratch, withLine } from './support.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());

describe('gene-syndrome catalogue', () => {
  it('reads OMIM genemap2.txt: approved symbol, phenotype MIM numbers, names and inheritance', async () => {
    const c = await readCatalogue(fixture('genemap2.txt'));
    expect(c.layout).toBe('genemap2');
    const fgfr2 = c.entries.filter((e) => e.gene === 'FGFR2');
    expect(fgfr2.map((e) => [e.diseaseId, e.diseaseName, e.inheritance])).toEqual([
      ['OMIM:101200', 'Apert syndrome', 'Autosomal dominant'],
      ['OMIM:123500', 'Crouzon syndrome', 'Autosomal dominant'],
      ['OMIM:101600', 'Pfeiffer syndrome', 'Autosomal dominant'],
    ]);
    expect(c.entries.find((e) => e.gene === 'KDM6A')).toMatchObject({
      diseaseId: 'OMIM:300867',
      diseaseName: 'Kabuki syndrome 2',
      inheritance: 'X-linked dominant',
      evidence: 'OMIM mapping key 3',
    });
    // '?' marks a provisional link; the name is kept without it
    expect(c.entries.find((e) => e.diseaseId === 'OMIM:604145')?.diseaseName).toBe(
      'Cardiomyopathy, dilated, 1G',
    );
    // {susceptibility} and a phenotype without a MIM number are left out and counted
    expect(c.skipped).toBe(2);
    expect(c.entries).toHaveLength(12);
  });

  it('parses a Phenotypes cell whose name has commas', () => {
    expect(genemap2Phenotypes('Leukemia, juvenile myelomonocytic, somatic, 607785 (3)').entries).toEqual([
      {
        diseaseId: 'OMIM:607785',
        diseaseName: 'Leukemia, juvenile myelomonocytic, somatic',
        inheritance: null,
        evidence: 'OMIM mapping key 3',
      },
    ]);
  });

  it('reads HPO genes_to_disease.txt: OMIM and ORPHA ids with their association type', async () => {
    const c = await readCatalogue(fixture('genes_to_disease.txt'));
    expect(c.layout).toBe('genes_to_disease');
    expect(c.entries.filter((e) => e.gene === 'KMT2D').map((e) => e.diseaseId)).toEqual([
      'OMIM:147920',
      'ORPHA:2322',
    ]);
    expect(c.entries.find((e) => e.gene === 'SHH')).toMatchObject({
      diseaseName: null,
      evidence: 'POLYGENIC',
    });
    expect(c.entries).toHaveLength(10);
  });

  it('refuses another layout, a wrong column count or a malformed disease id, naming the line', async () => {
    const vcf = await readCatalogue(fixture('trio.vep.vcf')).catch((e: unknown) => e);
    expect(vcf).toBeInstanceOf(UserError);
    expect((vcf as Error).message).toContain('trio.vep.vcf:21: not a gene-syndrome catalogue');
    const short = withLine(tmp.dir, 'genemap2.txt', 7, (l) => l.split('\t').slice(0, 10).join('\t'));
    expect(((await readCatalogue(short).catch((e: unknown) => e)) as Error).message).toContain(
      ':7: 10 columns where the header has 14',
    );
    const badId = withLine(tmp.dir, 'genes_to_disease.txt', 3, (l) => l.replace('ORPHA:2322', '2322'));
    expect(((await readCatalogue(badId).catch((e: unknown) => e)) as Error).message).toContain(
      ':3: expected a gene symbol and a disease id',
    );
  });
});
