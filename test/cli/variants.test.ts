import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixture, scratch } from '../genomics/support.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');

beforeAll(() => {
  for (const args of [
    ['case', 'create', '--db', db, '--id', 'P1'],
    ['vcf', 'catalogue', '--db', db, fixture('genemap2.txt')],
    ['vcf', 'import', '--db', db, '--patient', 'P1', fixture('trio.vep.vcf')],
  ])
    expect(runCli(args).code).toBe(0);
});
afterAll(() => tmp.cleanup());

interface VariantDoc {
  gene: string;
  hgvs_c: string | null;
  hgvs_p: string | null;
  consequence: string;
  genotype: string;
  gnomad_af: number | null;
  clinvar: string | null;
  priority: number;
  components: Record<string, unknown>;
  syndromes: { id: string; name: string; in_gallery: boolean | null }[];
}

describe('facepheno variants', () => {
  it('--json prints the ranked candidates with every component and their syndromes', () => {
    const r = runCli(['variants', '--db', db, '--patient', 'P1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { variants: VariantDoc[]; candidates: number; stored: number };
    expect(doc).toMatchObject({ stored: 9, candidates: 7 });
    const priorities = doc.variants.map((v) => v.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    const kmt2d = doc.variants.find((v) => v.gene === 'KMT2D');
    expect(kmt2d).toMatchObject({
      hgvs_c: 'c.5344C>T',
      hgvs_p: 'p.Arg1782Ter',
      consequence: 'stop_gained',
      genotype: '0/1',
      gnomad_af: null,
      clinvar: 'Pathogenic',
      components: { deleteriousness: 1, rarity: 1 },
      syndromes: [{ id: 'OMIM:147920', name: 'Kabuki syndrome 1' }],
    });
    expect(Object.keys(kmt2d?.components ?? {})).toEqual(
      expect.arrayContaining([
        'deleteriousness',
        'impact',
        'clinvar',
        'in_silico',
        'rarity',
        'face',
        'face_note',
        'weights',
      ]),
    );
  });

  it('prints a readable ranking, and takes thresholds', () => {
    const text = runCli(['variants', '--db', db, '--patient', 'P1', '--limit', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('P1: 7 candidate variants of 9 carried in trio.vep.vcf');
    expect(text.stdout).toContain('... 5 more');
    const strict = runCli([
      'variants',
      '--db',
      db,
      '--patient',
      'P1',
      '--json',
      '--impacts',
      'HIGH',
      '--ignore-clinvar',
    ]);
    expect(
      (JSON.parse(strict.stdout) as { variants: VariantDoc[] }).variants.map((v) => v.gene).sort(),
    ).toEqual(['KDM6A', 'KMT2D', 'NIPBL']);
  });

  it('fails clearly for a patient without a VCF, and on wrong arguments', () => {
    expect(runCli(['case', 'create', '--db', db, '--id', 'P2']).code).toBe(0);
    const none = runCli(['variants', '--db', db, '--patient', 'P2']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("patient 'P2' has no imported VCF");
    expect(runCli(['variants', '--db', db, '--patient', 'P1', '--max-af', '2']).code).toBe(2);
    expect(runCli(['variants', '--db', db, '--patient', 'P1', '--impacts', 'SEVERE']).code).toBe(2);
    expect(runCli(['variants', '--db', db]).code).toBe(2);
  });
});
