/**
 * A workstation's case store to migrate: the synthetic gallery (two syndromes of six patients, P1 with a
 * photo, P2 without), plus what the synthetic store lacks: a photo of its own with two faces and a mesh,
 * HPO terms (one excluded), a full birth date and notes, a VCF import with annotated variants, a control
 * with its photo source, a gallery pack from another centre, and the department reference data (gene
 * catalogue) that a migration leaves behind.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import type { PhotoAnalysis } from '../../src/main/face/pipeline.js';
import { addPack, exportPack } from '../../src/main/store/gallery-pack.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { fillSyntheticStore, model } from '../support/synthetic-store.js';

const genomics = (name: string) => join(repoRoot, 'test', 'fixtures', 'genomics', name);

function unit(seed: number): Float32Array {
  const v = Float32Array.from({ length: model.dim }, (_, i) => Math.sin(seed * 7.31 + i * 1.7));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Two faces, the first primary with a mesh: the rows a real analysis writes beside the embedding. */
function twoFaces(): PhotoAnalysis {
  const quality = {
    interocularPx: 20,
    yaw: 3,
    pitch: -2,
    roll: 1,
    blur: 80,
    exposure: 0.4,
    flags: ['small'],
  };
  const points5: [number, number][] = [
    [20, 24],
    [44, 24],
    [32, 34],
    [22, 46],
    [42, 46],
  ];
  const face = (x: number, seed: number, primary: boolean) => ({
    box: { x, y: 8, width: 48, height: 52 },
    score: 0.9 + seed / 100,
    points5: points5.map(([px, py]) => [px + x, py] as [number, number]),
    mesh: primary ? Array.from({ length: 30 }, (_, i) => i / 3 + seed) : null,
    quality,
    // The pipeline embeds the primary face only.
    embeddings: primary ? { [model.id]: unit(seed) } : {},
  });
  return {
    file: 'family.png',
    width: 128,
    height: 64,
    faces: [face(4, 1, true), face(68, 2, false)],
    primary: 0,
    aligned: null,
  };
}

/** Another centre's gallery as a pack file (the synthetic gallery, exported without photos). */
export async function otherCentrePack(dir: string): Promise<string> {
  const centreDb = join(dir, 'centre-b.db');
  await fillSyntheticStore(centreDb);
  const centre = Store.open(centreDb, { osUser: 'centre-b' });
  try {
    return exportPack(centre, join(dir, 'centre-b.pack.json'), { centre: 'Centre B', model, recipient: null })
      .file;
  } finally {
    centre.close();
  }
}

/** Builds the source store at `dbFile`, with `pack` merged in; returns the pseudonyms of its cases. */
export async function buildSource(dbFile: string, pack: string): Promise<string[]> {
  await fillSyntheticStore(dbFile);
  const png = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#7a5c48' } })
    .png()
    .toBuffer();
  const store = Store.open(dbFile, { osUser: 'workstation-user' });
  try {
    store.patients.update('P2', { birthDate: '2019-03-04', sex: 'female', notes: 'referred by Dr A.' });
    store.addPhotos(
      'P2',
      [{ file: 'family.png', bytes: png, sha256: sha256Hex(png), analysis: twoFaces(), ageYears: 4.5 }],
      {
        provider: 'cpu',
        embeddingModels: [model],
      },
    );
    const p1 = store.patients.get('P1');
    store.terms.set(p1, { termId: 'HP:0000316', label: 'Hypertelorism' });
    store.terms.set(p1, { termId: 'HP:0000486', label: 'Strabismus', excluded: true });
    const kabuki = store.syndromes.ensure({ name: 'Kabuki syndrome', genes: ['KMT2D', 'KDM6A'] });
    store.diagnoses.set(p1, {
      syndromeId: kabuki.id,
      status: 'suspected',
      gene: 'KMT2D',
      date: '2024-05-06',
    });
    const control = store.patients.create({
      pseudonym: 'C-1',
      isControl: true,
      sex: 'male',
      kind: 'reference',
    });
    store.addPhotos(
      'C-1',
      [{ file: 'control.png', bytes: png, sha256: sha256Hex(png), analysis: twoFaces() }],
      {
        provider: 'cpu',
        embeddingModels: [model],
      },
    );
    store.gallery.setControlSource(control.id, 'children_controls');
    addPack(store, pack, [model]);
    await store.genomics.importVcf('P1', genomics('trio.vep.vcf'));
    await store.genomics.importCatalogue(genomics('genemap2.txt'));
    return store.patients.list({ limit: 1000 }).rows.map((r) => r.pseudonym);
  } finally {
    store.close();
  }
}
