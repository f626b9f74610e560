import { projectSamples, trainHead } from '../match/head.js';
import { l2Normalize, stack, type Matrix } from '../match/vectors.js';
import { compareWithLabels, type Agreement } from './agreement.js';
import { averageLinkage, cutTree, dbscan, kneeRadius } from './clusters.js';
import { cosineDistances, nearestFromDistances, type Neighbours } from './distances.js';
import { type Layout, pcaLayout, umapLayout } from './layout.js';
import { fitPca, projectPca } from './pca.js';

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

/** Unit rows of a matrix. */
function unitMatrix(vectors: readonly Float32Array[]): Matrix {
  return stack(vectors.map((v) => l2Normalize(v)));
}

/** Each point's distance to its (minPts - 1)-th nearest other point: DBSCAN's core-distance. */
function coreDistances(nb: Neighbours, minPts: number): number[] {
  const j = Math.min(nb.k, Math.max(1, minPts - 1)) - 1;
  return Array.from({ length: nb.distance.length / nb.k }, (_, i) => nb.distance[i * nb.k + j] as number);
}

/**
 * Maps and clusters of one face space: UMAP and PCA maps; DBSCAN (radius at the knee of the
 * core-distance curve) and average-linkage clustering cut at as many clusters as there are labels, on
 * cosine distance; each partition compared with the labels.
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
  const x = unitMatrix(points.map((p) => p.vector));
  const labels = points.map((p) => p.label);
  const pca = timed('pca', () => pcaLayout(x, o.seed));
  const budget = o.pairwiseBudget ?? 1e10;
  const n = x.rows;
  const reduce = (n * (n - 1) * x.cols) / 2 > budget && x.cols > PAIRWISE_COMPONENTS;
  let distanceSpace: SpaceAnalysis['distanceSpace'] = { kind: 'embedding' };
  const dist = timed('distances', () => {
    if (!reduce) return cosineDistances(x.data, n, x.cols);
    const p = fitPca(x, PAIRWISE_COMPONENTS, o.seed);
    const scores = projectPca(p, x);
    for (let r = 0; r < n; r++) {
      const row = scores.subarray(r * p.k, (r + 1) * p.k);
      const norm = Math.hypot(...row) || 1;
      for (let c = 0; c < p.k; c++) row[c] = (row[c] as number) / norm;
    }
    distanceSpace = { kind: 'pca', components: p.k, varianceKept: p.explained.reduce((s, v) => s + v, 0) };
    return cosineDistances(scores, n, p.k);
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
    umap,
    pca,
    distanceSpace,
    dbscan: compareWithLabels(density, labels),
    agglomerative: compareWithLabels(tree, labels),
    partitions: { dbscan: density.assignments, agglomerative: tree.assignments },
    timings,
  };
}

/**
 * The learnt space's vectors: the projection head (large-margin softmax over the labels) trained on
 * these same points. In-sample by construction, so its maps show what the head learnt, and its cluster
 * agreement is an upper bound, not an estimate; the patient-level figures are `facepheno evaluate`'s.
 */
export function learntPoints(points: readonly SpacePoint[], seed: number): SpacePoint[] {
  const head = trainHead(points, { seed });
  return projectSamples(head, points).map((s, i) => ({ ...(points[i] as SpacePoint), vector: s.vector }));
}
