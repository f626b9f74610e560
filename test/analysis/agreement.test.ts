import { describe, expect, it } from 'vitest';
import {
  adjustedRandIndex,
  compareWithLabels,
  normalisedMutualInformation,
} from '../../src/main/analysis/agreement.js';

const ints = (xs: number[]) => Int32Array.from(xs);

describe('agreement of clusters with labels', () => {
  it('gives the textbook values', () => {
    // [0,0,1,1] vs [0,0,1,2]: pair counts 1 agreeing, expected 1/3, max 3/2 -> ARI 4/7;
    // the split refines the labels, so MI = H(labels) = ln 2 and NMI = ln2 / ((ln2 + 1.5 ln2) / 2) = 0.8.
    expect(adjustedRandIndex(ints([0, 0, 1, 1]), ints([0, 0, 1, 2]))).toBeCloseTo(4 / 7, 12);
    expect(normalisedMutualInformation(ints([0, 0, 1, 1]), ints([0, 0, 1, 2]))).toBeCloseTo(0.8, 12);
  });

  it('is 1 for the same partition under other names and about 0 for unrelated ones', () => {
    const a = ints([0, 0, 1, 1, 2, 2, 2]);
    const b = ints([5, 5, 3, 3, 9, 9, 9]);
    expect(adjustedRandIndex(a, b)).toBeCloseTo(1, 12);
    expect(normalisedMutualInformation(a, b)).toBeCloseTo(1, 12);
    // Alternating labels against halves: no more agreement than chance.
    const n = 400;
    const halves = Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    const alternate = Int32Array.from({ length: n }, (_, i) => i % 2);
    expect(Math.abs(adjustedRandIndex(halves, alternate))).toBeLessThan(0.01);
    expect(normalisedMutualInformation(halves, alternate)).toBeLessThan(0.01);
  });

  it('reports purity per cluster, noise as clusters of one, and labels that share clusters', () => {
    const labels = ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c'];
    const partition = {
      method: 'test',
      assignments: ints([0, 0, 0, 1, 1, 0, -1, 1]),
      clusters: 2,
      noise: 1,
      parameters: {},
    };
    const r = compareWithLabels(partition, labels);
    expect(r.perCluster[0]).toMatchObject({ size: 4, majority: 'a', purity: 0.75 });
    expect(r.perCluster[1]).toMatchObject({ size: 3, majority: 'b' });
    expect(r.perCluster[1]?.purity).toBeCloseTo(2 / 3, 12);
    expect(r.overallPurity).toBeCloseTo(5 / 7, 12);
    expect(r.shared).toEqual([
      { labels: ['a', 'b'], clusters: [0] },
      { labels: ['b', 'c'], clusters: [1] },
    ]);
    // The noise point is a cluster of its own: same ARI as giving it a fresh cluster id.
    const explicit = adjustedRandIndex(ints([0, 0, 0, 1, 1, 0, 2, 1]), ints([0, 0, 0, 1, 1, 1, 2, 2]));
    expect(r.adjustedRandIndex).toBeCloseTo(explicit, 12);
  });
});
