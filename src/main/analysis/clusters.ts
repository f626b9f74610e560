import { DBSCAN } from 'density-clustering';
import { type Condensed, condensedIndex } from './distances.js';

/** A partition of n points: cluster index per point, -1 for density clustering's noise. */
export interface Partition {
  method: string;
  assignments: Int32Array;
  clusters: number;
  noise: number;
  /** The settings that produced it, as stated in reports. */
  parameters: Record<string, number>;
}

/**
 * The DBSCAN radius from the k-distance curve (each point's distance to its k-th neighbour, sorted): its
 * knee, the point farthest below the chord of the normalised curve (Kneedle), where distances stop
 * growing slowly within dense regions and start climbing between them.
 */
export function kneeRadius(kDistances: readonly number[]): number {
  const ys = [...kDistances].sort((a, b) => a - b);
  const n = ys.length;
  if (n === 0) throw new Error('kneeRadius: no distances');
  const lo = ys[0] as number;
  const hi = ys[n - 1] as number;
  if (hi <= lo || n < 3) return hi || 1e-6;
  let best = 0;
  let at = n - 1;
  for (let i = 0; i < n; i++) {
    const gap = i / (n - 1) - ((ys[i] as number) - lo) / (hi - lo);
    if (gap > best) {
      best = gap;
      at = i;
    }
  }
  return ys[at] as number;
}

/** DBSCAN (density-clustering) over precomputed cosine distances; points stand for their index. */
export function dbscan(dist: Condensed, radius: number, minPts: number): Partition {
  const db = new DBSCAN();
  const ids = Array.from({ length: dist.n }, (_, i) => i);
  // Inclusive radius: the knee point itself must count as a neighbour at that radius.
  const eps = radius * (1 + 1e-6) + 1e-9;
  const { d, base } = dist;
  const clusters = db.run(ids, eps, minPts, (a, b) =>
    a === b ? 0 : (d[a < b ? (base[a] as number) + b - a - 1 : (base[b] as number) + a - b - 1] as number),
  );
  const assignments = new Int32Array(dist.n).fill(-1);
  clusters.forEach((members, c) => {
    for (const i of members) assignments[i] = c;
  });
  return {
    method: 'dbscan',
    assignments,
    clusters: clusters.length,
    noise: assignments.filter((a) => a < 0).length,
    parameters: { radius, minPts },
  };
}

export interface Merge {
  a: number;
  b: number;
  height: number;
}

/**
 * Average-linkage (UPGMA) agglomerative clustering by the nearest-neighbour chain, O(n²) time over the
 * condensed distances, which it overwrites (Lance-Williams updates). Returns the n - 1 merges sorted by
 * height; average linkage has no inversions, so cutting them in that order is the dendrogram's cut.
 */
export function averageLinkage(dist: Condensed): Merge[] {
  const { n } = dist;
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let remaining = n;
  let next = 0;
  const { d, base } = dist;
  while (remaining > 1) {
    if (chain.length === 0) {
      while (!active[next]) next++;
      chain.push(next);
    }
    for (;;) {
      const a = chain[chain.length - 1] as number;
      const prev = chain.length > 1 ? (chain[chain.length - 2] as number) : -1;
      // Ties go to the previous link, so the chain always ends at a reciprocal pair.
      let best = prev;
      let bestD = prev >= 0 ? (d[condensedIndex(dist, a, prev)] as number) : Infinity;
      // Row a of the condensed matrix: column a of the rows above it, then its own row.
      for (let k = 0; k < a; k++) {
        if (!active[k]) continue;
        const v = d[(base[k] as number) + a - k - 1] as number;
        if (v < bestD) {
          bestD = v;
          best = k;
        }
      }
      const row = (base[a] as number) - a - 1;
      for (let k = a + 1; k < n; k++) {
        if (!active[k]) continue;
        const v = d[row + k] as number;
        if (v < bestD) {
          bestD = v;
          best = k;
        }
      }
      if (best === prev) break;
      chain.push(best);
    }
    const a = chain.pop() as number;
    const b = chain.pop() as number;
    const height = d[condensedIndex(dist, a, b)] as number;
    const [keep, gone] = a < b ? [a, b] : [b, a];
    merges.push({ a: keep, b: gone, height });
    const sa = size[keep] as number;
    const sb = size[gone] as number;
    active[gone] = 0;
    // Where (i, k) sits in the condensed rows, without a call per entry: this loop runs n times per merge.
    const at = (i: number, k: number) =>
      i < k ? (base[i] as number) + k - i - 1 : (base[k] as number) + i - k - 1;
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === keep) continue;
      const ik = at(keep, k);
      d[ik] = (sa * (d[ik] as number) + sb * (d[at(gone, k)] as number)) / (sa + sb);
    }
    size[keep] = sa + sb;
    remaining--;
  }
  return merges.sort((x, y) => x.height - y.height);
}

/** The dendrogram cut into `k` clusters, numbered by first appearance. */
export function cutTree(n: number, merges: readonly Merge[], k: number): Partition {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  const target = Math.max(1, Math.min(k, n));
  for (const m of merges.slice(0, n - target)) parent[root(m.b)] = root(m.a);
  const ids = new Map<number, number>();
  const assignments = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = root(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    assignments[i] = ids.get(r) as number;
  }
  const cutHeight = merges[n - target - 1]?.height ?? 0;
  return {
    method: 'average-linkage',
    assignments,
    clusters: ids.size,
    noise: 0,
    parameters: { k: target, cutHeight },
  };
}
