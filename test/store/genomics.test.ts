import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import type { GenomicsRepository } from '../../src/main/store/repos/genomics.js';
import { Genomics } from '../../src/main/usecases/variants.js';
import { fixture, withLine } from '../genomics/support.js';
import { eachBackend, tempStore, type TempStore } from './support.js';

// The genomics tables through each backend: the import's own connection and transaction, the catalogue's
// case-insensitive genes, the ranking's SQL prefilter.
eachBackend((backend) => {
  let t: TempStore;
  let repo: GenomicsRepository;
  let genomics: Genomics;
  const count = (table: string) =>
    (t.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  beforeAll(() => {
    t = tempStore(backend);
    for (const pseudonym of ['P1', 'P2']) t.store.patients.create({ pseudonym });
    repo = t.store.genomics;
    genomics = new Genomics(t.store);
  });
  afterAll(() => t.remove());

  it("imports the proband's carried alleles once, on a connection of its own", async () => {
    const r = await repo.importVcf('p1', fixture('trio.vep.vcf.gz'));
    expect(r.import).toMatchObject({
      sample: 'PROBAND_01',
      build: 'GRCh38',
      records: 11,
      variants: 9,
      notCarried: 3,
    });
    expect((await repo.importVcf('P1', fixture('trio.vep.vcf.gz'))).alreadyImported).toBe(true);
    expect(count('variants')).toBe(9);
    expect(t.store.audit.forPatient('P1').map((e) => e.action)).toContain('vcf.import');
  });

  it('stores nothing from a malformed file and names its line', async () => {
    const before = [
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ];
    const bad = withLine(t.dir, 'trio.vep.vcf', 31, (l) => l.replace('\t1:0,24', '\tX:0,24'));
    const err = await repo.importVcf('P2', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(":31: sample PROBAND_01: unknown genotype format GT='X'");
    expect([
      count('vcf_imports'),
      count('variants'),
      count('variant_annotations'),
      count('audit_log'),
    ]).toEqual(before);
  });

  it('joins catalogue genes whatever their case, and ranks candidates', async () => {
    await repo.importCatalogue(fixture('genemap2.txt'));
    const noonan = t.store.syndromes.ensure({
      name: 'Noonan syndrome',
      omim: 'OMIM:163950',
      genes: ['PTPN11'],
    });
    expect(repo.syndromesOfGene('ptpn11').map((s) => [s.diseaseId, s.name, s.syndromeId])).toEqual([
      ['OMIM:151100', 'LEOPARD syndrome 1', null],
      ['OMIM:163950', 'Noonan syndrome', noonan.id],
      ['OMIM:607785', 'Leukemia, juvenile myelomonocytic, somatic', null],
    ]);
    expect(repo.catalogueInfo()).toMatchObject({ layout: 'genemap2', links: 12 });
    const r = await genomics.rankVariants('P1', { faceUnavailable: 'no photo' });
    // Without a face match, rarity, impact and ClinVar decide; the same candidates as with one.
    const genes = r.variants.map((v) => v.variant.gene);
    expect(genes[0]).toBe('KMT2D');
    expect([...genes].sort()).toEqual(['FGFR2', 'KDM6A', 'KMT2D', 'NIPBL', 'OR4F5', 'PTPN11', 'TTN']);
    const strict = await genomics.rankVariants('P1', {
      filter: { maxGnomadAf: 0.00001, impacts: ['HIGH'], clinvarPathogenic: false },
    });
    expect(strict.variants.map((v) => v.variant.gene)).toEqual(['KMT2D', 'NIPBL', 'KDM6A']);
  });
});
