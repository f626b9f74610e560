import { describe, expect, it } from 'vitest';
import {
  auc,
  brier,
  ece,
  mergeClasses,
  oneVsRestBrier,
  topKPerImage,
  topKPerLabel,
  withInterval,
  type Predictions,
} from '../../src/main/match/metrics.js';

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('evaluation metrics', () => {
  it('computes AUC as the Mann-Whitney statistic, ties counted half', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(auc([0.5, 0.5], [true, false])).toBe(0.5);
    expect(auc([1, 2], [true, true])).toBeNaN();
  });

  // Three photos over classes [a, b, c]; truths a, b, c.
  const p: Predictions = {
    classes: ['a', 'b', 'c'],
    probs: Float64Array.of(0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8),
    y: Int32Array.of(0, 1, 2),
    patient: ['x', 'y', 'y'],
  };

  it('computes top-k per photo and per label, Brier and calibration error by hand-checked values', () => {
    expect(topKPerImage(1)(p, all(3))).toBeCloseTo(2 / 3, 12);
    expect(topKPerImage(2)(p, all(3))).toBe(1);
    expect(topKPerLabel(1)(p, all(3))).toBeCloseTo(2 / 3, 12);
    const b = (0.09 + 0.04 + 0.01 + 0.36 + 0.49 + 0.01 + 0.01 + 0.01 + 0.04) / 3;
    expect(brier(p, all(3))).toBeCloseTo(b, 12);
    expect(oneVsRestBrier(0)(p, all(3))).toBeCloseTo((0.09 + 0.36 + 0.01) / 3, 12);
    // Top-label confidences 0.7 (right), 0.6 (wrong), 0.8 (right) fall in three different bins.
    expect(ece(p, all(3))).toBeCloseTo((0.3 + 0.6 + 0.2) / 3, 12);
  });

  it('bootstraps over patients: the interval brackets the value and a constant metric has no width', () => {
    const n = 200;
    const probs = new Float64Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      const s = 0.5 + (i % 2 ? 0.3 : -0.3) * ((i % 7) / 7) + (i % 5 === 0 ? -0.2 : 0);
      probs[2 * i + 1] = s;
      probs[2 * i] = 1 - s;
    }
    const preds: Predictions = {
      classes: ['a', 'b'],
      probs,
      y,
      patient: Array.from(y, (_, i) => `p${i >> 1}`),
    };
    const iv = withInterval(preds, brier, 300);
    expect(iv.low).toBeLessThanOrEqual(iv.value);
    expect(iv.high).toBeGreaterThanOrEqual(iv.value);
    expect(iv.high - iv.low).toBeGreaterThan(0);
    const flat = withInterval(preds, () => 0.5, 50);
    expect([flat.low, flat.value, flat.high]).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('merging classes', () => {
  it('sums the probabilities of fine classes into their coarse class', () => {
    const p: Predictions = {
      classes: ['kids', 'syndrome', 'web'],
      probs: Float64Array.of(0.5, 0.2, 0.3, 0.1, 0.8, 0.1),
      y: Int32Array.of(2, 1),
      patient: ['a', 'b'],
    };
    const m = mergeClasses(p, (c) => (c === 'syndrome' ? c : 'unaffected'));
    expect(m.classes).toEqual(['syndrome', 'unaffected']);
    expect(Array.from(m.probs).map((v) => Number(v.toFixed(9)))).toEqual([0.2, 0.8, 0.8, 0.2]);
    expect(Array.from(m.y)).toEqual([1, 0]);
  });
});
