import { describe, expect, it } from 'vitest';
import { groupQuestion, sampleControls } from '../../src/main/match/group.js';
import {
  fitMatcher,
  fittedParts,
  matchPatient,
  restoreMatcher,
  UNAFFECTED,
  type FittedParts,
  type GalleryRow,
} from '../../src/main/match/matcher.js';
import { fitOpenSet } from '../../src/main/match/openset.js';
import { l2Normalize } from '../../src/main/match/vectors.js';
import { clusteredSamples, must } from './synthetic.js';

const gallerySamples = clusteredSamples({
  labels: [
    { name: 'syndromeA', patients: 30 },
    { name: 'syndromeB', patients: 30 },
    { name: 'kids', patients: 20 },
    { name: 'adults', patients: 20 },
  ],
  dim: 32,
  photosPerPatient: 2,
  spread: 1.5,
  seed: 21,
});
const rows: GalleryRow[] = gallerySamples.map((s) => ({
  ...s,
  isControl: s.label === 'kids' || s.label === 'adults',
}));

describe('matching a patient against a gallery', () => {
  const matcher = fitMatcher(rows, { modelId: 'synthetic', galleryVersion: 'g1' });

  it("merges controls labels into one 'unaffected' class and ranks with probabilities summing to 1", () => {
    expect(matcher.classifier.classes).toEqual(['syndromeA', 'syndromeB', UNAFFECTED]);
    const a = gallerySamples.filter((s) => s.patient === 'syndromeA-3').map((s) => s.vector);
    const result = matchPatient(matcher, a, { excludePatient: 'syndromeA-3' });
    expect(must(result.ranking[0]).label).toBe('syndromeA');
    expect(result.ranking.reduce((t, r) => t + r.probability, 0)).toBeCloseTo(1, 9);
    for (let i = 1; i < result.ranking.length; i++)
      expect(must(result.ranking[i - 1]).probability).toBeGreaterThanOrEqual(
        must(result.ranking[i]).probability,
      );
    const nearest = must(result.ranking[0]).nearest;
    expect(nearest.length).toBeGreaterThan(0);
    expect(nearest.map((n) => n.patient)).not.toContain('syndromeA-3');
    expect(result.noneOfThese).toBe(false);
  });

  it("calls a face far from every gallery case 'none of these'", () => {
    // The opposite of the gallery's mean direction points away from every cluster.
    const mean = new Float32Array(32);
    for (const g of gallerySamples) g.vector.forEach((v, i) => (mean[i] = must(mean[i]) - v));
    const far = l2Normalize(mean);
    const result = matchPatient(matcher, [far]);
    expect(result.bestSimilarity).toBeLessThan(matcher.openSet.threshold);
    expect(result.noneOfThese).toBe(true);
  });

  it("sets the open-set threshold at the gallery's own leave-one-patient-out 1st percentile", () => {
    const rule = fitOpenSet(gallerySamples);
    expect(rule.quantile).toBe(0.01);
    expect(rule.threshold).toBeGreaterThan(0);
    expect(rule.threshold).toBeLessThan(1);
  });
});

describe('controls of several sources', () => {
  const sourced: GalleryRow[] = rows.map((r) => ({ ...r, source: r.isControl ? r.label : null }));
  const matcher = fitMatcher(sourced, { modelId: 'synthetic', galleryVersion: 'g2' });
  const query = gallerySamples.filter((s) => s.patient === 'kids-4').map((s) => s.vector);

  it("learns each source as a class and reports their sum as one 'unaffected'", () => {
    expect(matcher.classifier.classes).toEqual([
      'syndromeA',
      'syndromeB',
      `${UNAFFECTED}:adults`,
      `${UNAFFECTED}:kids`,
    ]);
    const result = matchPatient(matcher, query, { excludePatient: 'kids-4' });
    expect(result.ranking.map((r) => r.label).sort()).toEqual(['syndromeA', 'syndromeB', UNAFFECTED]);
    expect(must(result.ranking[0]).label).toBe(UNAFFECTED);
    expect(result.ranking.reduce((t, r) => t + r.probability, 0)).toBeCloseTo(1, 9);
    expect(must(result.ranking[0]).nearest.map((n) => n.patient)).not.toContain('kids-4');
  });

  it('restores from its fitted parts, through JSON, to the same probabilities', () => {
    const parts = JSON.parse(JSON.stringify(fittedParts(matcher))) as FittedParts;
    const restored = restoreMatcher(sourced, parts, matcher.provenance);
    const a = matchPatient(matcher, query);
    const b = matchPatient(restored, query);
    expect(b.ranking.map((r) => r.label)).toEqual(a.ranking.map((r) => r.label));
    b.ranking.forEach((r, i) => expect(r.probability).toBe(must(a.ranking[i]).probability));
    expect(b.noneOfThese).toBe(a.noneOfThese);
  });

  it('refuses parts fitted to a gallery of other classes', () => {
    const parts = fittedParts(matcher);
    expect(() => restoreMatcher(rows, parts, matcher.provenance)).toThrow(/classes differ/);
  });
});

describe('the group question (syndrome vs matched controls)', () => {
  it('finds a real difference significant and a null one not', () => {
    const cases = gallerySamples.filter((s) => s.label === 'syndromeA');
    const controls = sampleControls(
      gallerySamples.filter((s) => s.label === 'kids' || s.label === 'adults'),
      30,
    );
    const real = groupQuestion(cases, controls, { permutations: 19 });
    expect(real.patients).toBe(30);
    expect(real.controls).toBe(30);
    expect(real.auc.value).toBeGreaterThan(0.9);
    expect(real.permutationP).toBeCloseTo(1 / 20, 9);

    // Two halves of the same population: no difference to find.
    const kids = gallerySamples.filter((s) => s.label === 'kids');
    const half = (i: number) => Number(s(i).patient.split('-')[1]) % 2;
    const s = (i: number) => must(kids[i]);
    const nullResult = groupQuestion(
      kids.filter((_, i) => half(i) === 0),
      kids.filter((_, i) => half(i) === 1),
      { permutations: 19 },
    );
    expect(nullResult.permutationP).toBeGreaterThan(0.05);
  });
});
