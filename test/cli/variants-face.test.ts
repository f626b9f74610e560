import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, scratch } from '../genomics/support.js';
import { runCli } from '../support/cli.js';
import { commandKey } from '../support/command-key.js';
import { fillSyntheticStore } from '../support/synthetic-store.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');
beforeAll(async () => {
  await fillSyntheticStore(db, commandKey(db));
  for (const args of [
    ['vcf', 'catalogue', '--db', db, fixture('genemap2.txt')],
    ['vcf', 'import', '--db', db, '--patient', 'P1', fixture('trio.vep.vcf')],
    ['vcf', 'import', '--db', db, '--patient', 'P2', fixture('trio.vep.vcf')],
    ['vcf', 'import', '--db', db, '--patient', 'Kabuki-0', fixture('trio.vep.vcf')],
  ])
    expect(runCli(args).code).toBe(0);
});
afterAll(() => tmp.cleanup());

interface Doc {
  face_match: { model?: string; gallery_version?: string; unavailable?: string };
  variants: {
    gene: string;
    priority: number;
    components: { face: number; face_note: string };
    syndromes: {
      id: string;
      in_gallery: boolean | null;
      face: { label: string; rank: number; nearest: { patient: string }[] } | null;
    }[];
  }[];
}

describe('facepheno variants with a gallery', () => {
  it("puts the variant whose syndrome the patient's face matches first, naming model and gallery", () => {
    const r = runCli(['variants', '--db', db, '--patient', 'P1', '--json']);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.face_match.model).toBe('testnet');
    expect(doc.face_match.gallery_version).toBeTruthy();
    const [top] = doc.variants;
    expect(top?.gene).toBe('KMT2D');
    expect(top?.components.face).toBeGreaterThan(0.5);
    expect(top?.components.face_note).toMatch(
      /^best face match: Kabuki syndrome \(probability 0\.\d{3}, rank 1\)$/,
    );
    const kabuki = top?.syndromes.find((s) => s.id === 'OMIM:147920');
    expect(kabuki).toMatchObject({ in_gallery: true, face: { label: 'Kabuki syndrome', rank: 1 } });
    expect(kabuki?.face?.nearest[0]?.patient).toMatch(/^Kabuki-\d$/);
    const ptpn11 = doc.variants.find((v) => v.gene === 'PTPN11');
    expect(ptpn11?.components.face).toBeLessThan(top?.components.face ?? 0);
    expect(ptpn11?.syndromes.find((s) => s.id === 'OMIM:163950')?.face?.rank).toBe(2);
    expect(doc.variants.find((v) => v.gene === 'NIPBL')?.components.face_note).toBe(
      'no syndrome of NIPBL is in the gallery',
    );
  });

  it('leaves a gallery patient out of their own match', () => {
    const doc = JSON.parse(runCli(['variants', '--db', db, '--patient', 'Kabuki-0', '--json']).stdout) as Doc;
    const kabuki = doc.variants[0]?.syndromes.find((s) => s.id === 'OMIM:147920');
    expect(kabuki?.face?.nearest.length).toBeGreaterThan(0);
    expect(kabuki?.face?.nearest.map((n) => n.patient)).not.toContain('Kabuki-0');
  });

  it('says why there is no face component for a patient without photos', () => {
    const doc = JSON.parse(runCli(['variants', '--db', db, '--patient', 'P2', '--json']).stdout) as Doc;
    expect(doc.face_match).toEqual({ unavailable: 'the patient has no photo with a measured face' });
    expect(doc.variants[0]?.components.face_note).toBe(
      'no face match: the patient has no photo with a measured face',
    );
    expect(doc.variants[0]?.syndromes[0]?.in_gallery).toBeNull();
  });
});
