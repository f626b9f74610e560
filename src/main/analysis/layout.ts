import { UMAP } from 'umap-js';
import { seededRandom } from '../match/random.js';
import type { SearchIndex } from '../match/topk.js';
import type { Matrix } from '../match/vectors.js';
import type { Neighbours } from './distances.js';
import { type Pca, projectPca } from '../match/pca.js';

/** A 2-D map of n points: x, y per point. */
export interface Layout {
  method: 'umap' | 'pca';
  coords: Float64Array;
  /** PCA: the share of variance along each axis; UMAP: empty. */
  explained: number[];
  parameters: Record<string, number>;
}

/** The map on the first two principal components of a PCA fitted to the same rows. */
export function pcaLayout(x: Matrix, pca: Pca): Layout {
  return {
    method: 'pca',
    coords: projectPca(pca, x, 2),
    explained: pca.explained.slice(0, 2),
    parameters: { components: pca.k },
  };
}

export interface UmapOptions {
  seed: number;
  nNeighbors?: number;
  minDist?: number;
  nEpochs?: number;
}

/**
 * UMAP (umap-js) on cosine distance with exact neighbours passed in, driven by a seeded PRNG: the same
 * points, seed and settings give the same map, bit for bit.
 */
export function umapLayout(x: Matrix, neighbours: Neighbours, o: UmapOptions): Layout {
  // umap-js counts the point itself as its first neighbour, at distance 0.
  const nNeighbors = Math.min(o.nNeighbors ?? 15, neighbours.k + 1, x.rows - 1);
  const minDist = o.minDist ?? 0.1;
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors,
    minDist,
    random: seededRandom(o.seed),
    ...(o.nEpochs ? { nEpochs: o.nEpochs } : {}),
  });
  const { k } = neighbours;
  const row = <T extends Int32Array | Float64Array>(a: T, i: number) =>
    Array.from(a.subarray(i * k, i * k + nNeighbors - 1));
  umap.setPrecomputedKNN(
    Array.from({ length: x.rows }, (_, i) => [i, ...row(neighbours.index, i)]),
    Array.from({ length: x.rows }, (_, i) => [0, ...row(neighbours.distance, i)]),
  );
  const rows = Array.from({ length: x.rows }, (_, r) =>
    Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols)),
  );
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e++) umap.step();
  const coords = Float64Array.from(umap.getEmbedding().flat());
  return {
    method: 'umap',
    coords,
    explained: [],
    parameters: { seed: o.seed, nNeighbors, minDist, nEpochs: epochs },
  };
}

export interface Placement {
  x: number;
  y: number;
  /** The gallery points it was placed among, with their cosine similarity to it. */
  neighbours: { index: number; similarity: number }[];
}

/**
 * A new face on an existing map, placed among its nearest gallery faces: at the similarity-weighted mean
 * of their map positions (UMAP's own transform initialisation; no optimisation step, so the map itself
 * never moves). Its neighbours are listed, since on a 2-D map distance is only roughly similarity.
 */
export function placeAmongNeighbours(
  layout: Layout,
  gallery: SearchIndex,
  query: Float32Array,
  o: { k?: number; skip?: ReadonlySet<number> } = {},
): Placement {
  const k = o.k ?? 10;
  const skip = o.skip ?? new Set<number>();
  const found = gallery.search(
    { rows: 1, cols: query.length, data: query },
    Math.min(gallery.rows, k + skip.size),
  );
  const hits = (found[0] ?? []).filter((h) => !skip.has(h.index)).slice(0, k);
  let wx = 0;
  let wy = 0;
  let ws = 0;
  for (const h of hits) {
    const w = Math.max(1e-6, h.score);
    wx += w * (layout.coords[2 * h.index] as number);
    wy += w * (layout.coords[2 * h.index + 1] as number);
    ws += w;
  }
  return {
    x: wx / ws,
    y: wy / ws,
    neighbours: hits.map((h) => ({ index: h.index, similarity: h.score })),
  };
}
