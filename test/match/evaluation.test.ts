import { describe, expect, it } from 'vitest';
import { crossValidatedPredictions, summarise } from '../../src/main/match/evaluation.js';
import { l2Normalize } from '../../src/main/match/vectors.js';
import { clusteredSamples, gaussian, randomUnit, must } from './synthetic.js';

describe('patient-level cross-validated evaluation', () => {
  it('finds no signal where labels are random per patient, even when photos of a patient are near-identical', () => {
    // Each patient: 4 near-duplicate photos, label by coin toss. A photo-level split would memorise
    // patients and score far above chance; a patient-level split cannot.
    const g = gaussian(11);
    const samples = Array.from({ length: 80 }, (_, p) => {
      const face = randomUnit(16, g);
      const label = g() > 0 ? 'x' : 'y';
      return Array.from({ length: 4 }, () => ({
        patient: `p${p}`,
        label,
        vector: l2Normalize(Float32Array.from(face, (v) => v + 0.01 * g())),
      }));
    }).flat();
    const report = summarise(crossValidatedPredictions(samples, { folds: 5 }), 200);
    expect(report.patients).toBe(80);
    expect(must(report.auc.x).value).toBeLessThan(0.7);
    expect(must(report.topKPerImage.top1).value).toBeLessThan(0.7);
  });

  it('reports high AUC, low Brier and calibration error, with intervals, on separable clusters', () => {
    const samples = clusteredSamples({
      labels: [
        { name: 'a', patients: 60 },
        { name: 'b', patients: 60 },
      ],
      dim: 24,
      photosPerPatient: 2,
      spread: 2,
      seed: 6,
    });
    const report = summarise(crossValidatedPredictions(samples, { folds: 4 }), 200);
    expect(report.images).toBe(240);
    expect(must(report.auc.a).value).toBeGreaterThan(0.95);
    expect(must(report.brierByLabel.a).value).toBeLessThan(0.1);
    expect(report.ece.value).toBeLessThan(0.1);
    expect(must(report.topKPerImage.top5).value).toBe(1);
    for (const iv of [must(report.auc.a), report.ece, report.brier]) {
      expect(iv.low).toBeLessThanOrEqual(iv.value);
      expect(iv.high).toBeGreaterThanOrEqual(iv.value);
    }
  });
});
