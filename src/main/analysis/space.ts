import { l2Normalize, stack } from '../match/vectors.js';
import { compareWithLabels, type Agreement } from './agreement.js';
import { averageLinkage, cutTree, dbscan, kneeRadius } from './clusters.js';
import { cosineDistances, nearestFromDistances, type Neighbours } from './distances.js';
import { type Layout, pcaLayout, umapLayout } from './layout.js';
import { fitPca, projectPca } from '../match/pca.js';

export type SpaceName = 'raw' | 'learnt';

/** What is analysed: one unit vector per gallery face, its label and its patient. */
export interface SpacePoint {
  patient: string;
  label: string;
  vector: Float32Array;
}

export interface SpaceOptions {
  seed: number;
  /** DBSCAN's minimum neighbourhood (the point included). */
  minPts?: number;
  nNeighbors?: number;
  /** Above this many multiply-adds, pairwise distances are taken on the leading principal components. */
  pairwiseBudget?: number;
}

export interface SpaceAnalysis {
  points: number;
  dim: number;
  /** Subtracted from every unit vector before distances are taken (see `centred`). */
  centre: Float32Array;
  umap: Layout;
  pca: Layout;
  /** Where cluster distances were measured: the embedding itself, or its leading principal components. */
  distanceSpace: { kind: 'embedding' } | { kind: 'pca'; components: number; varianceKept: number };
  dbscan: Agreement;
  agglomerative: Agreement;
  /** Cluster per point (-1: DBSCAN noise). */
  partitions: { dbscan: Int32Array; agglomerative: Int32Array };
  /** CPU milliseconds per step (wall time on a shared machine says little), for the record. */
  timings: Record<string, number>;
}

const PAIRWISE_COMPONENTS = 64;

/** The mean of the unit vectors: the direction every face of the gallery shares. */
export function centreOf(vectors: readonly Float32Array[]): Float32Array {
  const centre = new Float32Array(vectors[0]?.length ?? 0);
  for (const v of vectors) {
    const u = l2Normalize(v);
    for (let c = 0; c < centre.length; c++)
      centre[c] = (centre[c] as number) + (u[c] as number) / vectors.length;
  }
  return centre;
}

/**
 * A vector as the maps and clusters see it: unit length, less the gallery's centre, unit again. Some
 * embedding models put every face near one direction (mobilefacenet: any two faces at cosine > 0.999),
 * where raw cosine distances are all but equal; centred, they measure how faces differ.
 */
export function centred(v: Float32Array, centre: Float32Array): Float32Array {
  const u = l2Normalize(v);
  for (let c = 0; c < u.length; c++) u[c] = (u[c] as number) - (centre[c] as number);
  return l2Normalize(u);
}

/** Each point's distance to its (minPts - 1)-th nearest other point: DBSCAN's core-distance. */
function coreDistances(nb: Neighbours, minPts: number): number[] {
  const j = Math.min(nb.k, Math.max(1, minPts - 1)) - 1;
  return Array.from({ length: nb.distance.length / nb.k }, (_, i) => nb.distance[i * nb.k + j] as number);
}

/**
 * Maps and clusters of one face space: UMAP and PCA maps; DBSCAN (radius at the knee of the
 * core-distance curve) and average-linkage clustering cut at as many clusters as there are labels, on
 * cosine distance of the centred vectors; each partition compared with the labels.
 */
export function analyseSpace(points: readonly SpacePoint[], o: SpaceOptions): SpaceAnalysis {
  if (points.length < 5) throw new Error(`a map needs at least 5 gallery faces, there are ${points.length}`);
  const timings: Record<string, number> = {};
  const timed = <T>(step: string, work: () => T): T => {
    const cpu0 = process.cpuUsage();
    const out = work();
    const cpu = process.cpuUsage(cpu0);
    timings[step] = Math.round((cpu.user + cpu.system) / 1000);
    return out;
  };
  const centre = centreOf(points.map((p) => p.vector));
  const x = stack(points.map((p) => centred(p.vector, centre)));
  const labels = points.map((p) => p.label);
  const n = x.rows;
  // Large galleries of long vectors take pairwise distances on the leading components; one PCA serves
  // both that and the map.
  const reduce = (n * (n - 1) * x.cols) / 2 > (o.pairwiseBudget ?? 1e10) && x.cols > PAIRWISE_COMPONENTS;
  // One power iteration is plenty for a 64-dimensional distance space; the map's two axes lie well inside it.
  const basis = timed('pca', () =>
    reduce ? fitPca(x, PAIRWISE_COMPONENTS, o.seed, 1) : fitPca(x, 2, o.seed),
  );
  const pca = pcaLayout(x, basis);
  const distanceSpace: SpaceAnalysis['distanceSpace'] = reduce
    ? { kind: 'pca', components: basis.k, varianceKept: basis.explained.reduce((a, v) => a + v, 0) }
    : { kind: 'embedding' };
  const dist = timed('distances', () => {
    if (!reduce) return cosineDistances(x.data, n, x.cols);
    const scores = projectPca(basis, x);
    for (let r = 0; r < n; r++) {
      const row = scores.subarray(r * basis.k, (r + 1) * basis.k);
      const norm = Math.hypot(...row) || 1;
      for (let c = 0; c < basis.k; c++) row[c] = (row[c] as number) / norm;
    }
    return cosineDistances(scores, n, basis.k);
  });
  const nNeighbors = o.nNeighbors ?? 15;
  const minPts = o.minPts ?? 5;
  const neighbours = timed('neighbours', () => nearestFromDistances(dist, Math.max(nNeighbors, minPts)));
  const umap = timed('umap', () => umapLayout(x, neighbours, { seed: o.seed, nNeighbors }));
  const density = timed('dbscan', () => dbscan(dist, kneeRadius(coreDistances(neighbours, minPts)), minPts));
  const k = new Set(labels).size;
  // Average linkage overwrites the distances: it runs last.
  const tree = timed('agglomerative', () => cutTree(n, averageLinkage(dist), k));
  return {
    points: n,
    dim: x.cols,
    centre,
    umap,
    pca,
    distanceSpace,
    dbscan: compareWithLabels(density, labels),
    agglomerative: compareWithLabels(tree, labels),
    partitions: { dbscan: density.assignments, agglomerative: tree.assignments },
    timings,
  };
}
