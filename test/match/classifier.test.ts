import { describe, expect, it } from 'vitest';
import { fitTemperature } from '../../src/main/match/calibration.js';
import { classify, fitCalibratedClassifier } from '../../src/main/match/classifier.js';
import { logisticLogits, softmaxRows } from '../../src/main/match/logistic.js';
import { neighbourScores, neighbourVotes } from '../../src/main/match/neighbours.js';
import { seededRandom } from '../../src/main/match/random.js';
import { trainingSet } from '../../src/main/match/samples.js';
import { clusteredSamples, gaussian, must } from './synthetic.js';

describe('calibrated class-balanced classifier', () => {
  it('recovers a known temperature from logits whose labels were drawn at that temperature', () => {
    const g = gaussian(2);
    const rand = seededRandom(3);
    const n = 4000;
    const k = 3;
    const logits = Float64Array.from({ length: n * k }, () => 3 * g());
    const p = softmaxRows(
      logits.map((v) => v / 2.5),
      k,
    );
    const y = Int32Array.from({ length: n }, (_, r) => {
      const u = rand();
      return u < must(p[r * k]) ? 0 : u < must(p[r * k]) + must(p[r * k + 1]) ? 1 : 2;
    });
    expect(fitTemperature(logits, y, k).temperature).toBeGreaterThan(2.2);
    expect(fitTemperature(logits, y, k).temperature).toBeLessThan(2.8);
  });

  it('separates clusters with probabilities that sum to 1', () => {
    const train = clusteredSamples({
      labels: [
        { name: 'a', patients: 40 },
        { name: 'b', patients: 40 },
        { name: 'c', patients: 40 },
      ],
      dim: 32,
      photosPerPatient: 2,
      seed: 4,
    });
    const clf = fitCalibratedClassifier(train, { folds: 4 });
    expect(clf.classes).toEqual(['a', 'b', 'c']);
    expect(clf.temperature).toBeGreaterThan(0);
    const probs = classify(clf, trainingSet(train, clf.classes).x, train.length);
    let right = 0;
    train.forEach((s, r) => {
      const row = Array.from(probs.subarray(r * 3, r * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      if (clf.classes[row.indexOf(Math.max(...row))] === s.label) right++;
    });
    expect(right / train.length).toBeGreaterThan(0.95);
  });

  it('weighs classes equally: a rare class is not swamped by a common one', () => {
    // Overlapping clusters, 1:9 imbalance. An unweighted fit would call nearly everything 'common'.
    const train = clusteredSamples({
      labels: [
        { name: 'common', patients: 270 },
        { name: 'rare', patients: 30 },
      ],
      dim: 8,
      spread: 6,
      seed: 8,
    });
    const clf = fitCalibratedClassifier(train, { folds: 3 });
    // The balanced regression's own decision (the calibrator after it restores the 1:9 frequencies).
    const logits = logisticLogits(clf.model, trainingSet(train, clf.classes).x, train.length);
    const rare = clf.classes.indexOf('rare');
    const called = train.map((_, r) => must(logits[r * 2 + rare]) > must(logits[r * 2 + 1 - rare]));
    const rareRecall =
      train.filter((s, r) => s.label === 'rare' && called[r]).length /
      train.filter((s) => s.label === 'rare').length;
    expect(rareRecall).toBeGreaterThan(0.5);
  });

  it('refuses a single label', () => {
    const one = clusteredSamples({ labels: [{ name: 'a', patients: 5 }], dim: 4 });
    expect(() => fitCalibratedClassifier(one)).toThrow(/two labels/);
  });
});

describe('nearest-case votes', () => {
  it("scores a class by its share of the query's nearest photos", () => {
    const photos = [Float32Array.of(1, 0), Float32Array.of(0.9, 0.1), Float32Array.of(0, 1)];
    const votes = neighbourVotes(photos, Int32Array.of(0, 0, 1), 2);
    const s = neighbourScores(votes, Float32Array.of(1, 0.05), 1);
    expect(must(s[0])).toBeGreaterThan(must(s[1]));
    expect(Math.exp(must(s[0])) + Math.exp(must(s[1]))).toBeCloseTo(1, 6);
  });
});
