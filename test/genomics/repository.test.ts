import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import type { FaceMatch } from '../../src/main/genomics/rank.js';
import type { GenomicsRepository } from '../../src/main/store/repos/genomics.js';
import { Store } from '../../src/main/store/store.js';
import { Genomics } from '../../src/main/usecases/variants.js';
import { fixture, scratch, withLine } from './support.js';

const tmp = scratch();
let store: Store;
let repo: GenomicsRepository;
let genomics: Genomics;

function count(table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeAll(() => {
  store = Store.open(join(tmp.dir, 'cases.db'), { osUser: 'tester' });
  for (const pseudonym of ['P1', 'P2', 'P3']) store.patients.create({ pseudonym });
  repo = store.genomics;
  genomics = new Genomics(store);
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

describe('VCF import into the case store', () => {
  it("stores the proband's carried alleles with the file's sha256, sample, build and date", async () => {
    const file = fixture('trio.vep.vcf.gz');
    const r = await repo.importVcf('P1', file);
    expect(r.alreadyImported).toBe(false);
    expect(r.sampleChosen).toBe('first');
    expect(r.import).toMatchObject({
      fileName: 'trio.vep.vcf.gz',
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
      vcfVersion: 'VCFv4.3',
      sample: 'PROBAND_01',
      build: 'GRCh38',
      annotationSources: ['CSQ'],
      records: 11,
      variants: 9,
      notCarried: 3,
    });
    expect(Date.parse(r.import.importedAt)).toBeGreaterThan(Date.now() - 60_000);
    const kmt2d = store.db
      .prepare(
        `SELECT v.genotype, v.depth, v.clinvar, a.gene, a.hgvs_p FROM variants v
         JOIN variant_annotations a ON a.variant_id = v.id AND a.ordinal = 0 WHERE v.pos = 49031234`,
      )
      .get();
    expect(kmt2d).toEqual({
      genotype: '0/1',
      depth: 40,
      clinvar: 'Pathogenic',
      gene: 'KMT2D',
      hgvs_p: 'p.Arg1782Ter',
    });
    expect(store.audit.forPatient('P1').map((e) => e.action)).toContain('vcf.import');
  });

  it('is idempotent: the same file again changes nothing', async () => {
    const before = [
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ];
    const again = await repo.importVcf('P1', fixture('trio.vep.vcf.gz'));
    expect(again.alreadyImported).toBe(true);
    expect([
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ]).toEqual(before);
  });

  it('imports another sample of the same file as its own import', async () => {
    const mother = await repo.importVcf('P1', fixture('trio.vep.vcf.gz'), { sample: 'MOTHER_01' });
    expect(mother).toMatchObject({ alreadyImported: false, sampleChosen: 'asked' });
    expect(mother.import).toMatchObject({ sample: 'MOTHER_01', variants: 4 });
    expect(repo.imports('P1').map((i) => i.sample)).toEqual(['MOTHER_01', 'PROBAND_01']);
  });

  it('stores nothing from a malformed file and names its line', async () => {
    const before = [
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ];
    // the error is on the last record, after ten good ones were written inside the transaction
    const bad = withLine(tmp.dir, 'trio.vep.vcf', 31, (l) => l.replace('\t1:0,24', '\tX:0,24'));
    const err = await repo.importVcf('P2', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(":31: sample PROBAND_01: unknown genotype format GT='X'");
    expect([
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ]).toEqual(before);
    expect(repo.imports('P2')).toEqual([]);
  });

  it('refuses an unknown patient', async () => {
    await expect(repo.importVcf('NOBODY', fixture('trio.vep.vcf'))).rejects.toThrow(
      "no patient with id 'NOBODY'",
    );
  });
});

describe('ranking linked to face matches', () => {
  let kabuki: number;
  let noonan: number;
  const calls: number[][] = [];
  const faceMatch = (ids: number[]): FaceMatch[] => {
    calls.push(ids);
    if (ids.includes(kabuki))
      return [
        {
          label: 'Kabuki syndrome',
          probability: 0.7,
          rank: 1,
          nearest: [{ patient: 'K-12', similarity: 0.81 }],
        },
      ];
    if (ids.includes(noonan)) return [{ label: 'Noonan syndrome', probability: 0.1, rank: 3, nearest: [] }];
    return [];
  };

  beforeAll(async () => {
    await repo.importCatalogue(fixture('genemap2.txt'));
    kabuki = store.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:147920' }).id;
    noonan = store.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950' }).id;
    await repo.importVcf('P3', fixture('trio.vep.vcf'));
  });

  it('joins catalogue diseases to the store syndromes that carry their id', () => {
    const ptpn11 = repo.syndromesOfGene('PTPN11');
    expect(ptpn11.map((s) => [s.diseaseId, s.name, s.syndromeId])).toEqual([
      ['OMIM:151100', 'LEOPARD syndrome 1', null],
      ['OMIM:163950', 'Noonan syndrome', noonan],
      ['OMIM:607785', 'Leukemia, juvenile myelomonocytic, somatic', null],
    ]);
  });

  it('replaces the catalogue whole on the next import', async () => {
    const hpo = await repo.importCatalogue(fixture('genes_to_disease.txt'));
    expect(hpo.layout).toBe('genes_to_disease');
    expect(count('gene_syndromes')).toBe(10);
    expect(repo.syndromesOfGene('TTN').map((s) => s.diseaseId)).toEqual(['OMIM:604145']);
    await repo.importCatalogue(fixture('genemap2.txt'));
    expect(count('gene_syndromes')).toBe(12);
    expect(store.db.prepare('SELECT layout, entries FROM gene_catalogue').get()).toEqual({
      layout: 'genemap2',
      entries: 12,
    });
  });

  it('ranks candidates by combined priority, showing each component', async () => {
    const r = await genomics.rankVariants('P3', { faceMatch });
    expect(r.stored).toBe(9);
    // rare and protein-altering or ClinVar P/LP, carried: not the common or synonymous ones, not the no-call
    expect(r.variants.map((v) => v.variant.gene)).toEqual([
      'KMT2D',
      'PTPN11',
      'NIPBL',
      'KDM6A',
      'FGFR2',
      'TTN',
      'OR4F5',
    ]);
    const top = r.variants[0];
    expect(top?.components).toMatchObject({
      deleteriousness: 1,
      impact: 1,
      clinvar: 1,
      inSilico: 1,
      rarity: 1,
      face: 0.7,
    });
    expect(top?.priority).toBeCloseTo(0.4 * 1 + 0.2 * 1 + 0.4 * 0.7, 10);
    expect(top?.components.faceNote).toBe('best face match: Kabuki syndrome (probability 0.700, rank 1)');
    expect(top?.syndromes[0]).toMatchObject({
      diseaseId: 'OMIM:147920',
      inGallery: true,
      face: { nearest: [{ patient: 'K-12' }] },
    });
    const ptpn11 = r.variants[1];
    expect(ptpn11?.components.face).toBe(0.1);
    expect(ptpn11?.syndromes.filter((s) => s.inGallery).map((s) => s.name)).toEqual(['Noonan syndrome']);
    // a gene whose syndromes are known but none is in the gallery, and one with none at all, say so
    const nipbl = r.variants.find((v) => v.variant.gene === 'NIPBL');
    expect(nipbl?.components).toMatchObject({ face: 0, faceNote: 'no syndrome of NIPBL is in the gallery' });
    expect(r.variants.at(-1)?.components.faceNote).toBe('the catalogue links no syndrome to OR4F5');
    // only store syndromes are asked about, one at a time
    expect(calls.every((ids) => ids.length === 1 && (ids[0] === kabuki || ids[0] === noonan))).toBe(true);
  });

  it('applies the thresholds it is given', async () => {
    const strict = await genomics.rankVariants('P3', {
      faceMatch,
      filter: { maxGnomadAf: 0.00001, impacts: ['HIGH'], clinvarPathogenic: false },
    });
    expect(strict.variants.map((v) => v.variant.gene)).toEqual(['KMT2D', 'NIPBL', 'KDM6A']);
    const clinvar = await genomics.rankVariants('P3', {
      faceMatch,
      filter: { maxGnomadAf: 0.01, impacts: ['HIGH'], clinvarPathogenic: true },
    });
    expect(clinvar.variants.map((v) => v.variant.gene)).toEqual([
      'KMT2D',
      'PTPN11',
      'NIPBL',
      'KDM6A',
      'FGFR2',
    ]);
  });

  it('says why there is no face component when no matcher is given', async () => {
    const r = await genomics.rankVariants('P3', { faceUnavailable: 'the patient has no photo' });
    expect(r.variants.every((v) => v.components.face === 0)).toBe(true);
    expect(r.variants[0]?.components.faceNote).toBe('no face match: the patient has no photo');
    expect(r.variants[0]?.syndromes[0]?.inGallery).toBeNull();
  });

  it("goes with the patient's case", () => {
    store.patients.delete('P3');
    expect(
      store.db
        .prepare('SELECT count(*) AS n FROM vcf_imports WHERE patient_id NOT IN (SELECT id FROM patients)')
        .get(),
    ).toEqual({ n: 0 });
  });
});
