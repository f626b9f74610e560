import type { Partition } from './clusters.js';

export interface ClusterComposition {
  cluster: number;
  size: number;
  /** The label most of its members carry, and their share: the cluster's purity. */
  majority: string;
  purity: number;
  labels: { label: string; count: number }[];
}

export interface SharedClusters {
  labels: [string, string];
  /** Clusters where each of the two labels makes up at least `minShare` of the members. */
  clusters: number[];
}

export interface Agreement {
  method: string;
  clusters: number;
  noise: number;
  adjustedRandIndex: number;
  normalisedMutualInformation: number;
  /** Members of a cluster that carry its majority label, over all clustered points. */
  overallPurity: number;
  perCluster: ClusterComposition[];
  shared: SharedClusters[];
}

const choose2 = (x: number) => (x * (x - 1)) / 2;

/** Noise points count as clusters of one: a method gains nothing by declaring hard points noise. */
function clusterIds(p: Partition): Int32Array {
  let next = p.clusters;
  return p.assignments.map((a) => (a < 0 ? next++ : a));
}

function contingency(
  a: Int32Array,
  b: Int32Array,
): { table: Map<string, number>; ra: number[]; rb: number[] } {
  const table = new Map<string, number>();
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    table.set(`${x},${y}`, (table.get(`${x},${y}`) ?? 0) + 1);
    ra[x] = (ra[x] ?? 0) + 1;
    rb[y] = (rb[y] ?? 0) + 1;
  }
  return { table, ra: ra.filter((v) => v !== undefined), rb: rb.filter((v) => v !== undefined) };
}

/** Hubert and Arabie's adjusted Rand index: 1 for identical partitions, about 0 for chance. */
export function adjustedRandIndex(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  const { table, ra, rb } = contingency(a, b);
  const index = [...table.values()].reduce((s, v) => s + choose2(v), 0);
  const sa = ra.reduce((s, v) => s + choose2(v), 0);
  const sb = rb.reduce((s, v) => s + choose2(v), 0);
  const expected = (sa * sb) / choose2(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/** Mutual information over the arithmetic mean of the two entropies (scikit-learn's default). */
export function normalisedMutualInformation(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  const { table, ra, rb } = contingency(a, b);
  const entropy = (r: number[]) => -r.reduce((s, v) => s + (v / n) * Math.log(v / n), 0);
  const ha = entropy(ra);
  const hb = entropy(rb);
  if (ha === 0 && hb === 0) return 1;
  let mi = 0;
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    ca.set(a[i] as number, (ca.get(a[i] as number) ?? 0) + 1);
    cb.set(b[i] as number, (cb.get(b[i] as number) ?? 0) + 1);
  }
  for (const [key, v] of table) {
    const [x, y] = key.split(',').map(Number) as [number, number];
    mi += (v / n) * Math.log((n * v) / ((ca.get(x) as number) * (cb.get(y) as number)));
  }
  return mi / ((ha + hb) / 2);
}

/** How a partition agrees with the labels, cluster by cluster. */
export function compareWithLabels(p: Partition, labels: readonly string[], minShare = 0.2): Agreement {
  const names = [...new Set(labels)].sort();
  const truth = Int32Array.from(labels, (l) => names.indexOf(l));
  const ids = clusterIds(p);
  const perCluster: ClusterComposition[] = [];
  for (let c = 0; c < p.clusters; c++) {
    const counts = new Map<string, number>();
    p.assignments.forEach((a, i) => {
      if (a === c) counts.set(labels[i] as string, (counts.get(labels[i] as string) ?? 0) + 1);
    });
    const size = [...counts.values()].reduce((s, v) => s + v, 0);
    const sorted = [...counts].map(([label, count]) => ({ label, count }));
    sorted.sort((x, y) => y.count - x.count || x.label.localeCompare(y.label));
    perCluster.push({
      cluster: c,
      size,
      majority: sorted[0]?.label ?? '',
      purity: size ? (sorted[0]?.count ?? 0) / size : 0,
      labels: sorted,
    });
  }
  const clustered = perCluster.reduce((s, c) => s + c.size, 0);
  const shared: SharedClusters[] = [];
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i] as string, names[j] as string];
      const clusters = perCluster
        .filter((c) => {
          const share = (l: string) => (c.labels.find((x) => x.label === l)?.count ?? 0) / c.size;
          return c.size > 0 && share(a) >= minShare && share(b) >= minShare;
        })
        .map((c) => c.cluster);
      if (clusters.length) shared.push({ labels: [a, b], clusters });
    }
  return {
    method: p.method,
    clusters: p.clusters,
    noise: p.noise,
    adjustedRandIndex: adjustedRandIndex(ids, truth),
    normalisedMutualInformation: normalisedMutualInformation(ids, truth),
    overallPurity: clustered ? perCluster.reduce((s, c) => s + c.purity * c.size, 0) / clustered : 0,
    perCluster,
    shared,
  };
}
