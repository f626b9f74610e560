/**
 * A case store for tests without ONNX models: two syndromes of six patients each, as synthetic
 * 8-d embeddings of a stand-in model ('testnet', in a manifest of its own), a patient P1 whose face lies
 * near the first syndrome's, and P2 without photos.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { storeFileIn } from '../../src/main/data-dir.js';
import type { PhotoAnalysis } from '../../src/main/face/pipeline.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import type { AnalyzedPhoto } from '../../src/main/store/repos/photos.js';
import { Store, type StoreOptions } from '../../src/main/store/store.js';

export const model = { id: 'testnet', sha256: 'a'.repeat(64), dim: 8 };

/** A unit vector near axis `axis`: a syndrome's cluster in the synthetic embedding space. */
function near(axis: number, seed: number): Float32Array {
  const v = new Float32Array(8);
  for (let i = 0; i < 8; i++) v[i] = (i === axis ? 1 : 0) + 0.15 * Math.sin(seed * 12.9898 + i * 78.233);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function analysis(vector: Float32Array): PhotoAnalysis {
  const quality = { interocularPx: 12, yaw: 0, pitch: 0, roll: 0, blur: 100, exposure: 0.5, flags: [] };
  const points5: [number, number][] = [
    [10, 12],
    [22, 12],
    [16, 17],
    [11, 23],
    [21, 23],
  ];
  return {
    file: 'face.jpg',
    width: 32,
    height: 32,
    faces: [
      {
        box: { x: 4, y: 4, width: 24, height: 24 },
        score: 0.99,
        points5,
        mesh: null,
        quality,
        embeddings: { testnet: vector },
      },
    ],
    primary: 0,
    aligned: null,
  };
}

/** A photo of a face near the first syndrome's, as the stand-in pipeline would store it; `seed` tints it. */
export async function standInPhoto(seed: number): Promise<AnalyzedPhoto> {
  const bytes = await sharp({
    create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 150, b: seed % 256 } },
  })
    .jpeg()
    .toBuffer();
  return {
    file: `face-${seed}.jpg`,
    bytes,
    sha256: sha256Hex(bytes),
    analysis: analysis(near(0, 50 + seed)),
  };
}

/** The manifest the Service reads its matching model from: one stand-in embedding model. */
export function writeManifest(modelsDir: string): void {
  mkdirSync(modelsDir, { recursive: true });
  const entry = {
    id: model.id,
    task: 'face-embedding',
    file: 'testnet.onnx',
    sha256: model.sha256,
    bytes: 1,
    input: {
      name: 'x',
      layout: 'NHWC',
      height: 112,
      width: 112,
      colorOrder: 'RGB',
      scale: [1, 1, 1],
      offset: [0, 0, 0],
    },
    outputs: [{ name: 'y', shape: [null, 8], meaning: 'embedding' }],
    embedding: { output: 'y', dim: 8, alignment: 'arcface-112' },
    source: { package: 'test', version: '0', file: 'testnet', sha256: model.sha256 },
    licence: 'test',
  };
  writeFileSync(
    join(modelsDir, 'manifest.json'),
    JSON.stringify({ format: 1, generatedBy: 'test', models: [entry] }),
  );
}

/**
 * Fills the case database `dbFile` (created if missing; or a postgres:// URL, opened with `opts`' photo
 * folder) with the synthetic gallery and patients.
 */
export async function fillSyntheticStore(dbFile: string, opts: StoreOptions = {}): Promise<void> {
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c89678' } })
    .jpeg()
    .toBuffer();
  const photo = (vector: Float32Array) => [
    { file: 'face.jpg', bytes: jpeg, sha256: sha256Hex(jpeg), analysis: analysis(vector) },
  ];
  const store = Store.open(dbFile, { osUser: 'tester', ...opts });
  try {
    const kabuki = store.syndromes.ensure({ name: 'Kabuki syndrome', omim: 'OMIM:147920' });
    const noonan = store.syndromes.ensure({ name: 'Noonan syndrome', omim: 'OMIM:163950' });
    for (const [syndrome, axis] of [
      [kabuki, 0],
      [noonan, 1],
    ] as const)
      for (let k = 0; k < 6; k++) {
        const p = store.patients.create({
          pseudonym: `${syndrome.name.split(' ')[0]}-${k}`,
          kind: 'reference',
        });
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
}

/** The synthetic store in a data directory, with the stand-in model's manifest for the Service. */
export async function syntheticCaseStore(
  dataDir: string,
  modelsDir: string,
  opts: StoreOptions = {},
): Promise<void> {
  writeManifest(modelsDir);
  mkdirSync(dataDir, { recursive: true });
  await fillSyntheticStore(storeFileIn(dataDir), opts);
}
