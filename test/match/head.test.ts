import { ort } from '../../src/main/models/onnxruntime.js';
import { describe, expect, it } from 'vitest';
import { project, projectSamples, trainHead } from '../../src/main/match/head.js';
import { HEAD_INPUT, HEAD_OUTPUT, headManifestEntry, headToOnnx } from '../../src/main/match/onnx-head.js';
import type { Sample } from '../../src/main/match/samples.js';
import { l2Normalize } from '../../src/main/match/vectors.js';
import { gaussian, must } from './synthetic.js';

/**
 * Three classes that differ only in 4 of 48 dimensions, drowned by large per-patient noise in the rest:
 * the raw cosine space is dominated by the noise, a learnt projection can keep the 4 that matter.
 */
function hiddenSignal(patients: number, seed: number): Sample[] {
  const g = gaussian(seed);
  const dim = 48;
  const out: Sample[] = [];
  for (let p = 0; p < patients; p++) {
    const c = p % 3;
    const person = Float32Array.from({ length: dim }, (_, i) =>
      i < 4 ? (i === c ? 1.2 : 0) + 0.3 * g() : g(),
    );
    for (let k = 0; k < 2; k++)
      out.push({
        patient: `p${p}`,
        label: `L${c}`,
        vector: l2Normalize(Float32Array.from(person, (v) => v + 0.1 * g())),
      });
  }
  return out;
}

describe('learnt face space (ArcFace-style projection head)', () => {
  const samples = hiddenSignal(150, 3);
  const head = trainHead(samples, { outputDim: 8, maxEpochs: 30 });

  it('stops early at an epoch chosen on held-out patients and returns unit vectors', () => {
    expect(head.epochs).toBeGreaterThanOrEqual(1);
    expect(head.epochs).toBeLessThanOrEqual(30);
    const v = project(head, must(samples[0]).vector);
    expect(v).toHaveLength(8);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it('pulls patients of a class together: nearest-patient accuracy on unseen patients rises above the raw space', () => {
    const test = hiddenSignal(90, 9).map((s) => ({ ...s, patient: `t-${s.patient}` }));
    const nnAccuracy = (space: Sample[]) => {
      const firstPhotos = space.filter((_, i) => i % 2 === 0);
      let right = 0;
      firstPhotos.forEach((q) => {
        let best = { sim: -Infinity, label: '' };
        for (const o of firstPhotos) {
          if (o.patient === q.patient) continue;
          let s = 0;
          for (let i = 0; i < q.vector.length; i++) s += must(q.vector[i]) * must(o.vector[i]);
          if (s > best.sim) best = { sim: s, label: o.label };
        }
        if (best.label === q.label) right++;
      });
      return right / firstPhotos.length;
    };
    const raw = nnAccuracy(test);
    const learnt = nnAccuracy(projectSamples(head, test));
    expect(learnt).toBeGreaterThan(raw + 0.2);
  });

  it('exports to ONNX that onnxruntime runs to the same unit vectors, with a manifest entry', async () => {
    const bytes = headToOnnx(head, 'test head');
    const entry = headManifestEntry(bytes, head, {
      baseModelId: 'synthetic',
      galleryVersion: 'v1',
      classes: ['L0', 'L1', 'L2'],
    });
    expect(entry.bytes).toBe(bytes.length);
    expect(entry.file).toBe(`${entry.id}.onnx`);
    expect(entry.embedding).toEqual({ output: HEAD_OUTPUT, dim: 8 });
    const session = await ort.InferenceSession.create(bytes);
    const x = new Float32Array(3 * 48);
    samples.slice(0, 3).forEach((s, i) => x.set(s.vector, i * 48));
    const out = (await session.run({ [HEAD_INPUT]: new ort.Tensor('float32', x, [3, 48]) }))[HEAD_OUTPUT];
    expect(out?.dims).toEqual([3, 8]);
    const data = out?.data as Float32Array;
    samples.slice(0, 3).forEach((s, i) => {
      const expected = project(head, s.vector);
      expected.forEach((v, j) => expect(must(data[i * 8 + j])).toBeCloseTo(v, 5));
    });
    await session.release();
  });
});
