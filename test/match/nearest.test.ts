import { must } from './synthetic.js';
import { describe, expect, it } from 'vitest';
import { indexGallery, rankByNearestCases, type GalleryFace } from '../../src/main/match/nearest.js';
import { l2Normalize } from '../../src/main/match/vectors.js';

const v = (...xs: number[]) => l2Normalize(Float32Array.from(xs));

describe('nearest-case ranking', () => {
  const faces: GalleryFace[] = [
    { patient: 'a1', label: 'A', vector: v(1, 0, 0) },
    { patient: 'a1', label: 'A', vector: v(0.9, 0.1, 0) },
    { patient: 'a2', label: 'A', vector: v(0.8, 0.6, 0) },
    { patient: 'b1', label: 'B', vector: v(0, 1, 0) },
    { patient: 'c1', label: 'C', vector: v(0, 0, 1) }, // a label with a single patient
  ];
  const index = indexGallery(faces);

  it("scores a label by its closest patients, each by that patient's closest photo", () => {
    const ranking = rankByNearestCases(index, [v(1, 0, 0)], { perLabel: 2 });
    expect(ranking.map((r) => r.label)).toEqual(['A', 'B', 'C']);
    const a = must(ranking[0]);
    expect(a.nearest.map((n) => n.patient)).toEqual(['a1', 'a2']); // a1 once, by its best photo
    expect(must(a.nearest[0]).similarity).toBeCloseTo(1, 6);
    expect(a.score).toBeCloseTo((1 + 0.8) / 2, 6);
  });

  it('ranks a label with a single patient by that patient', () => {
    const ranking = rankByNearestCases(index, [v(0, 0.1, 1)]);
    expect(must(ranking[0]).label).toBe('C');
    expect(must(ranking[0]).nearest).toHaveLength(1);
  });

  it('fuses several photos of one patient into one direction', () => {
    // Two photos leaning towards B and C: fused, they sit between them, far from A.
    const ranking = rankByNearestCases(index, [v(0, 1, 0.2), v(0, 0.2, 1)]);
    expect(
      ranking
        .map((r) => r.label)
        .slice(0, 2)
        .sort(),
    ).toEqual(['B', 'C']);
    expect(must(ranking[0]).score).toBeCloseTo(must(ranking[1]).score, 6);
  });

  it('leaves a patient out of their own ranking when asked', () => {
    const ranking = rankByNearestCases(index, [v(0, 0, 1)], { excludePatient: 'c1' });
    expect(ranking.map((r) => r.label)).not.toContain('C');
  });
});
