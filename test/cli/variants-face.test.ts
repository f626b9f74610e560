import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoAnalysis } from '../../src/main/face/pipeline.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { fixture, scratch } from '../genomics/support.js';
import { runCli } from '../support/cli.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');
const model = { id: 'testnet', sha256: 'a'.repeat(64), dim: 8 };

/** A unit vector near axis `axis`: a syndrome's cluster in a synthetic 8-d embedding space. */
function near(axis: number, seed: number): Float32Array {
  const v = new Float32Array(8);
  for (let i = 0; i < 8; i++) v[i] = (i === axis ? 1 : 0) + 0.15 * Math.sin(seed * 12.9898 + i * 78.233);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function analysis(file: string, vector: Float32Array): PhotoAnalysis {
  return {
    file,
    width: 32,
    height: 32,
    faces: [
      {
        box: { x: 4, y: 4, width: 24, height: 24 },
        score: 0.99,
        points5: [
          [10, 12],
          [22, 12],
          [16, 17],
          [11, 23],
          [21, 23],
        ],
        mesh: null,
        quality: { interocularPx: 12, yaw: 0, pitch: 0, roll: 0, blur: 100, exposure: 0.5, flags: [] },
        embeddings: { testnet: vector },
      },
    ],
    primary: 0,
    aligned: null,
  };
}

beforeAll(async () => {
  const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c89678' } })
    .jpeg()
    .toBuffer();
  const photo = (vector: Float32Array) => [
    { file: 'face.jpg', bytes, sha256: sha256Hex(bytes), analysis: analysis('face.jpg', vector) },
  ];
  const store = Store.open(db, { osUser: 'tester' });
  try {
    const kabuki = store.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:147920' });
    const noonan = store.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950' });
    for (const [syndrome, axis] of [
      [kabuki, 0],
      [noonan, 1],
    ] as const)
      for (let k = 0; k < 6; k++) {
        const p = store.patients.create({ pseudonym: `${syndrome.name.split(' ')[0]}-${k}` });
        store.addPhotos(p.pseudonym, photo(near(axis, axis * 10 + k)), {
          provider: 'cpu',
          embeddingModels: [model],
        });
        store.diagnoses.set(p, { syndromeId: syndrome.id, status: 'confirmed' });
      }
    store.patients.create({ pseudonym: 'P1' });
    store.addPhotos('P1', photo(near(0, 99)), { provider: 'cpu', embeddingModels: [model] });
    store.patients.create({ pseudonym: 'P2' });
  } finally {
    store.close();
  }
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
