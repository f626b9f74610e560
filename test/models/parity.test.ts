import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInference } from '../../src/main/models/inference.js';
import type { Inference } from '../../src/main/models/inference.js';
import type { ModelEntry } from '../../src/main/models/manifest.js';
import { sourceModelJson } from '../../tools/models/build-models.js';
import { catalogue } from '../../tools/models/catalogue.js';
import { loadTfjsModel, runTfjs } from './tfjs-reference.js';
import { buildTestModels, concat, facePhotos, pixels } from './support.js';

/** Largest difference relative to the output's own scale (its largest magnitude). */
function relativeError(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / Math.max(scale, 1e-12);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Iris input is an eye, not a face: the left eye region of each tight 200x200 face crop. */
const EYE = { left: 38, top: 62, width: 56, height: 56 };

let inference: Inference;
let cleanup: () => void;

beforeAll(async () => {
  const built = await buildTestModels('all');
  cleanup = built.cleanup;
  inference = await openInference({ modelsDir: built.dir, threads: 1 });
});

afterAll(async () => {
  await inference?.close();
  cleanup?.();
});

describe('converted models agree with TensorFlow.js on real face crops', () => {
  for (const entry of catalogue) {
    it(entry.id, async () => {
      const model = inference.models.find((m) => m.id === entry.id) as ModelEntry;
      const { height, width, scale, offset } = model.input;
      const crops = await Promise.all(
        facePhotos.map((f) =>
          pixels(f, { width, height }, entry.task === 'iris-landmarks' ? EYE : undefined),
        ),
      );
      const onnx = await inference.run(entry.id, concat(crops), crops.length);

      const tfModel = await loadTfjsModel(sourceModelJson(entry));
      for (const [i, crop] of crops.entries()) {
        // The same pre-processing the manifest asks Inference.run to apply, done here on the NHWC RGB crop.
        const input = crop.map((v, k) => v * (scale[k % 3] as number) + (offset[k % 3] as number));
        const want = await runTfjs(
          tfModel,
          input,
          [1, height, width, 3],
          entry.outputs.map((o) => o.node),
        );
        for (const [j, out] of entry.outputs.entries()) {
          const all = onnx[out.name] as Float32Array;
          const per = all.length / crops.length;
          const got = all.subarray(i * per, (i + 1) * per);
          const ref = want[j] as Float32Array;
          expect(got.length, `${entry.id}.${out.name} length`).toBe(ref.length);
          if (model.embedding?.output === out.name) {
            const cos = cosine(got, ref);
            console.log(
              `${entry.id}.${out.name} crop ${i}: cosine ${cos.toFixed(8)}, rel ${relativeError(got, ref).toExponential(2)}`,
            );
            expect(cos).toBeGreaterThanOrEqual(0.9999);
          } else {
            const rel = relativeError(got, ref);
            console.log(`${entry.id}.${out.name} crop ${i}: rel ${rel.toExponential(2)}`);
            expect(rel, `${entry.id}.${out.name} crop ${i}`).toBeLessThanOrEqual(1e-4);
          }
        }
      }
      tfModel.dispose();
    });
  }
});
