import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { openInference } from '../../src/main/models/inference.js';
import type { Inference } from '../../src/main/models/inference.js';
import { loadManifest } from '../../src/main/models/manifest.js';
import { toModelInput } from '../../src/main/models/preprocess.js';
import { buildTestModels, concat, facePhotos, pixels } from './support.js';

let dir: string;
let cleanup: () => void;
let inference: Inference;

beforeAll(async () => {
  ({ dir, cleanup } = await buildTestModels(['blazeface', 'mobilefacenet']));
  inference = await openInference({ modelsDir: dir, threads: 1 });
});

afterAll(async () => {
  await inference?.close();
  cleanup?.();
});

/** A copy of the built models folder to damage. */
function copyModels(): string {
  const copy = mkdtempSync(join(dir, 'copy-'));
  for (const f of ['manifest.json', 'blazeface.onnx', 'mobilefacenet.onnx'])
    cpSync(join(dir, f), join(copy, f));
  return copy;
}

describe('openInference', () => {
  it('reports the models and the execution provider it chose', () => {
    expect(inference.models.map((m) => m.id)).toEqual(['blazeface', 'mobilefacenet']);
    expect(['cpu', 'cuda', 'dml', 'coreml']).toContain(inference.provider);
    if (inference.provider === 'cpu' && process.platform === 'linux')
      expect(inference.providerNotes.join('\n')).toMatch(/^cuda: /);
  });

  it('falls back to the CPU, with the reason, when a provider cannot start', async () => {
    process.env.FACEPHENO_PROVIDER = 'nosuch';
    const forced = await openInference({ modelsDir: dir, threads: 1 }).finally(() => {
      delete process.env.FACEPHENO_PROVIDER;
    });
    await forced.close();
    expect(forced.provider).toBe('cpu');
    expect(forced.providerNotes[0]).toMatch(/^nosuch: .*backend not found/);
  });

  it('runs a batch as it runs each image, off the calling thread, leaving the caller its pixels', async () => {
    const crops = await Promise.all(
      facePhotos.slice(0, 2).map((f) => pixels(f, { width: 112, height: 112 })),
    );
    const batch = concat(crops);
    const before = batch.slice();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const both = await inference.run('mobilefacenet', batch, 2);
    const one = await inference.run('mobilefacenet', crops[1] as Float32Array, 1);
    clearInterval(timer);
    expect(batch).toEqual(before);
    // The event loop kept turning while the models ran: the work was elsewhere.
    expect(ticks).toBeGreaterThan(0);
    const emb = both.embeddings as Float32Array;
    expect(emb.length).toBe(2 * 192);
    const second = emb.subarray(192);
    (one.embeddings as Float32Array).forEach((v, i) =>
      expect(Math.abs(v - (second[i] as number))).toBeLessThan(1e-5),
    );
  });

  it('runs a detector traced at batch 1 on a batch', async () => {
    const crops = await Promise.all(
      facePhotos.slice(0, 2).map((f) => pixels(f, { width: 256, height: 256 })),
    );
    const out = await inference.run('blazeface', concat(crops), 2);
    expect(out.logits_16?.length).toBe(2 * 512);
    expect(out.regressors_8?.length).toBe(2 * 384 * 16);
  });

  it('rejects a wrong pixel count and an unknown model', async () => {
    await expect(inference.run('mobilefacenet', new Float32Array(10), 1)).rejects.toThrow(
      /10 values for n=1, expected n x 112 x 112 x 3/,
    );
    await expect(inference.run('nope', new Float32Array(3), 1)).rejects.toThrow(/no model 'nope'/);
  });
});

describe('damaged model files', () => {
  const expectUserError = async (modelsDir: string, pattern: RegExp) => {
    const err = await openInference({ modelsDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(pattern);
  };
  const sha = () => loadManifest(dir).models.find((m) => m.id === 'mobilefacenet')?.sha256 as string;

  it('a truncated file names the file and the expected sha256', async () => {
    const copy = copyModels();
    truncateSync(join(copy, 'mobilefacenet.onnx'), 1000);
    await expectUserError(
      copy,
      new RegExp(`${copy}/mobilefacenet.onnx: .*1000 bytes.*expected sha256 ${sha()}`),
    );
  });

  it('an altered byte is caught', async () => {
    const copy = copyModels();
    const file = join(copy, 'mobilefacenet.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 1;
    writeFileSync(file, bytes);
    await expectUserError(
      copy,
      new RegExp(`mobilefacenet.onnx: model 'mobilefacenet' is damaged or altered`),
    );
  });

  it('a missing file and a broken manifest are named', async () => {
    const copy = copyModels();
    rmSync(join(copy, 'blazeface.onnx'));
    await expectUserError(
      copy,
      new RegExp(`blazeface.onnx: model 'blazeface' is missing \\(expected sha256 [0-9a-f]{64}\\)`),
    );
    writeFileSync(join(copy, 'manifest.json'), '{"format": 1, "models": [{"id": "x"}]}');
    await expectUserError(copy, /manifest\.json: not a valid model manifest/);
  });
});

describe('toModelInput', () => {
  it('applies colour order, scale/offset and layout from the manifest', () => {
    // Two pixels: (10, 20, 30) and (40, 50, 60).
    const px = new Float32Array([10, 20, 30, 40, 50, 60]);
    const input = {
      name: 'x',
      layout: 'NCHW' as const,
      height: 1,
      width: 2,
      colorOrder: 'BGR' as const,
      scale: [1, 2, 3],
      offset: [0, 0, 1],
    };
    expect(Array.from(toModelInput(input, px, 1))).toEqual([30, 60, 40, 100, 31, 121]);
    expect(Array.from(toModelInput({ ...input, layout: 'NHWC', colorOrder: 'RGB' }, px, 1))).toEqual([
      10, 40, 91, 40, 100, 181,
    ]);
  });
});
