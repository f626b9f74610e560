import { describe, expect, it } from 'vitest';
import { averageLinkage, cutTree, dbscan, kneeRadius } from '../../src/main/analysis/clusters.js';
import { cosineDistances, distance, nearestFromDistances } from '../../src/main/analysis/distances.js';
import { seededRandom } from '../../src/main/match/random.js';

/** Unit vectors in `k` tight groups around random directions. */
function blobs(k: number, per: number, dim: number, spread: number, seed: number) {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, gauss));
  const data = new Float32Array(k * per * dim);
  const labels: number[] = [];
  for (let c = 0; c < k; c++)
    for (let i = 0; i < per; i++) {
      const v = (centres[c] as number[]).map((x) => x + spread * gauss());
      const norm = Math.hypot(...v);
      data.set(
        v.map((x) => x / norm),
        (c * per + i) * dim,
      );
      labels.push(c);
    }
  return { data, labels, n: k * per, dim };
}

/** UPGMA the slow way: merge the closest pair of clusters by mean pairwise distance, recomputed each time. */
function naiveAverageLinkageHeights(dist: (i: number, j: number) => number, n: number): number[] {
  let clusters = Array.from({ length: n }, (_, i) => [i]);
  const heights: number[] = [];
  while (clusters.length > 1) {
    let best = [0, 1, Infinity];
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++) {
        let s = 0;
        for (const i of clusters[a] as number[]) for (const j of clusters[b] as number[]) s += dist(i, j);
        const d = s / ((clusters[a] as number[]).length * (clusters[b] as number[]).length);
        if (d < (best[2] as number)) best = [a, b, d];
      }
    const [a, b, d] = best as [number, number, number];
    heights.push(d);
    clusters = [
      ...clusters.filter((_, i) => i !== a && i !== b),
      [...(clusters[a] as number[]), ...(clusters[b] as number[])],
    ];
  }
  return heights;
}

describe('clustering', () => {
  it('average linkage by nearest-neighbour chain gives the merges of the naive algorithm', () => {
    const b = blobs(3, 8, 6, 0.8, 3);
    const reference = cosineDistances(b.data, b.n, b.dim);
    const expected = naiveAverageLinkageHeights((i, j) => distance(reference, i, j), b.n);
    const merges = averageLinkage(cosineDistances(b.data, b.n, b.dim));
    expect(merges).toHaveLength(b.n - 1);
    merges.forEach((m, i) => expect(m.height).toBeCloseTo(expected[i] as number, 5));
  });

  it('recovers well-separated groups, by average linkage and by DBSCAN at the knee radius', () => {
    const b = blobs(4, 30, 16, 0.15, 7);
    const dist = cosineDistances(b.data, b.n, b.dim);
    const nb = nearestFromDistances(dist, 4);
    const radius = kneeRadius(Array.from({ length: b.n }, (_, i) => nb.distance[i * nb.k + 3] as number));
    const density = dbscan(dist, radius, 5);
    const tree = cutTree(b.n, averageLinkage(cosineDistances(b.data, b.n, b.dim)), 4);
    for (const p of [density, tree]) {
      expect(p.clusters).toBe(4);
      // Every group maps to one cluster.
      for (let c = 0; c < 4; c++) {
        const ids = new Set(
          b.labels.flatMap((l, i) => (l === c && p.assignments[i] !== -1 ? [p.assignments[i]] : [])),
        );
        expect(ids.size).toBe(1);
      }
    }
    expect(density.noise).toBeLessThan(b.n * 0.05);
  });

  it('finds each point’s nearest neighbours from the condensed distances', () => {
    const b = blobs(2, 10, 5, 1, 11);
    const dist = cosineDistances(b.data, b.n, b.dim);
    const nb = nearestFromDistances(dist, 3);
    for (let i = 0; i < b.n; i++) {
      const brute = Array.from({ length: b.n }, (_, j) => j)
        .filter((j) => j !== i)
        .sort((x, y) => distance(dist, i, x) - distance(dist, i, y))
        .slice(0, 3);
      expect(Array.from(nb.index.subarray(i * 3, i * 3 + 3))).toEqual(brute);
    }
  });
});

describe('cosine distances', () => {
  it('are one minus the dot products of the unit rows, for any row length', () => {
    for (const dim of [3, 8, 13]) {
      const b = blobs(2, 7, dim, 1, dim);
      const dist = cosineDistances(b.data, b.n, b.dim);
      for (let i = 0; i < b.n; i++)
        for (let j = 0; j < b.n; j++) {
          let dot = 0;
          for (let c = 0; c < dim; c++)
            dot += (b.data[i * dim + c] as number) * (b.data[j * dim + c] as number);
          expect(distance(dist, i, j)).toBeCloseTo(i === j ? 0 : Math.max(0, 1 - dot), 5);
        }
    }
  });
});
