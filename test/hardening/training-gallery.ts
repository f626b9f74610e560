/**
 * A data directory to train the learnt face space on, without ONNX models: the synthetic case store
 * (its stand-in embedding model and manifest) grown by `labels` syndromes of `patients` patients whose
 * 8-d embeddings scatter widely around their syndrome's axis, so that a projection head has something
 * to learn (it beats the plain space) and training takes about a second.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { storeFileIn } from '../../src/main/data-dir.js';
import type { PhotoAnalysis } from '../../src/main/face/pipeline.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { model, syntheticCaseStore } from '../support/synthetic-store.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** One photo's analysis: a face whose stand-in embedding is `vector`. */
function standIn(vector: Float32Array): PhotoAnalysis {
  return {
    file: 'face.jpg',
    width: 32,
    height: 32,
    primary: 0,
    aligned: null,
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
        embeddings: { [model.id]: vector },
      },
    ],
  };
}

/** Writes the data directory `<root>/data` and its models folder `<root>/models`. */
export async function trainingDataDir(
  root: string,
  { labels = 4, patients = 15, spread = 0.8, seed = 7 } = {},
): Promise<{ dataDir: string; modelsDir: string }> {
  const dataDir = join(root, 'data');
  const modelsDir = join(root, 'models');
  await syntheticCaseStore(dataDir, modelsDir);
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#a07060' } })
    .jpeg()
    .toBuffer();
  const next = seeded(seed);
  const store = Store.open(storeFileIn(dataDir), { osUser: 'tester' });
  try {
    for (let l = 0; l < labels; l++) {
      const syndrome = store.syndromes.ensure({ name: `Syndrome ${l}` });
      for (let k = 0; k < patients; k++) {
        const v = Float32Array.from(
          { length: model.dim },
          (_, i) => (i === l ? 1 : 0) + spread * (2 * next() - 1),
        );
        const norm = Math.hypot(...v);
        const p = store.patients.create({ pseudonym: `TRAIN-${l}-${k}`, kind: 'reference' });
        store.addPhotos(
          p.pseudonym,
          [
            {
              file: 'face.jpg',
              bytes: jpeg,
              sha256: sha256Hex(jpeg),
              analysis: standIn(v.map((x) => x / norm)),
            },
          ],
          { provider: 'cpu', embeddingModels: [model] },
        );
        store.diagnoses.set(p, { syndromeId: syndrome.id, status: 'confirmed' });
      }
    }
  } finally {
    store.close();
  }
  return { dataDir, modelsDir };
}
