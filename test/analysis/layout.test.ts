import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { fitPca, projectPca } from '../../src/main/match/pca.js';
import { analyseSpace, centred, type SpacePoint } from '../../src/main/analysis/space.js';
import { placeAmongNeighbours } from '../../src/main/analysis/layout.js';
import { seededRandom } from '../../src/main/match/random.js';
import { SearchIndex } from '../../src/main/match/topk.js';
import { stack } from '../../src/main/match/vectors.js';

function gallery(n: number, dim: number, classes: number, seed: number): SpacePoint[] {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, gauss));
  return Array.from({ length: n }, (_, i) => ({
    patient: `p${i}`,
    label: `c${i % classes}`,
    vector: Float32Array.from(centres[i % classes] as Float32Array, (v) => v + 0.6 * gauss()),
  }));
}

describe('maps', () => {
  it('PCA agrees with the eigenvectors of the covariance matrix', () => {
    const rand = seededRandom(5);
    const n = 200;
    const d = 12;
    // Anisotropic data: each column scaled differently, so the components are well separated.
    const x = stack(
      Array.from({ length: n }, () => Float32Array.from({ length: d }, (_, c) => (rand() - 0.5) * (d - c))),
    );
    const pca = fitPca(x, 3, 1);
    const rows = Array.from({ length: n }, (_, r) => Array.from(x.data.subarray(r * d, (r + 1) * d)));
    const centred = new MlMatrix(rows).subRowVector(Array.from(pca.mean));
    const cov = centred
      .transpose()
      .mmul(centred)
      .div(n - 1);
    const evd = new EigenvalueDecomposition(cov);
    const order = evd.realEigenvalues.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const total = evd.realEigenvalues.reduce((s, v) => s + v, 0);
    for (let j = 0; j < 3; j++) {
      const [value, col] = order[j] as readonly [number, number];
      const v = evd.eigenvectorMatrix.getColumn(col);
      const dot = v.reduce((s, e, c) => s + e * (pca.components[j * d + c] as number), 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 6);
      expect(pca.explained[j]).toBeCloseTo(value / total, 6);
    }
    const scores = projectPca(pca, x, 1);
    const variance = scores.reduce((s, v) => s + v * v, 0) / (n - 1);
    expect(variance).toBeCloseTo(order[0]?.[0] as number, 6);
  });

  it('gives the same map for the same seed, another for another seed', () => {
    const points = gallery(300, 32, 3, 2);
    const a = analyseSpace(points, { seed: 7 });
    const b = analyseSpace(points, { seed: 7 });
    const c = analyseSpace(points, { seed: 8 });
    expect(Array.from(a.umap.coords)).toEqual(Array.from(b.umap.coords));
    expect(Array.from(a.pca.coords)).toEqual(Array.from(b.pca.coords));
    expect(Array.from(a.partitions.dbscan)).toEqual(Array.from(b.partitions.dbscan));
    expect(Array.from(a.umap.coords)).not.toEqual(Array.from(c.umap.coords));
  });

  it('measures distances around the gallery centre, so a direction all faces share does not hide them', () => {
    // Faces as a big shared offset plus small class differences: raw cosines all above 0.99.
    const shared = Float32Array.from({ length: 24 }, (_, i) => (i === 0 ? 40 : 0));
    const points = gallery(120, 24, 2, 6).map((p) => ({
      ...p,
      vector: Float32Array.from(p.vector, (v, i) => v + (shared[i] as number)),
    }));
    const a = analyseSpace(points, { seed: 1 });
    expect(a.agglomerative.adjustedRandIndex).toBeGreaterThan(0.95);
  });

  it('keeps classes apart on the UMAP map and in the clusters, and places a new face among its class', () => {
    const points = gallery(240, 24, 3, 4);
    const a = analyseSpace(points, { seed: 1 });
    expect(a.agglomerative.adjustedRandIndex).toBeGreaterThan(0.95);
    expect(a.dbscan.clusters).toBe(3);
    // Points left as noise count as clusters of one, which costs some agreement.
    expect(a.dbscan.normalisedMutualInformation).toBeGreaterThan(0.85);
    // On the map, a point's nearest map neighbour has its class for nearly every point.
    const x = (i: number) => a.umap.coords[2 * i] as number;
    const y = (i: number) => a.umap.coords[2 * i + 1] as number;
    let same = 0;
    for (let i = 0; i < points.length; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < points.length; j++) {
        if (j === i) continue;
        const d = Math.hypot(x(i) - x(j), y(i) - y(j));
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (points[best]?.label === points[i]?.label) same++;
    }
    expect(same / points.length).toBeGreaterThan(0.95);
    // A new member of class c1, placed without refitting, lands among c1's points.
    const fresh = gallery(241, 24, 3, 4)[240] as SpacePoint;
    const index = new SearchIndex(stack(points.map((p) => centred(p.vector, a.centre))));
    const placed = placeAmongNeighbours(a.umap, index, centred(fresh.vector, a.centre));
    expect(placed.neighbours.every((n) => points[n.index]?.label === fresh.label)).toBe(true);
  });
});
