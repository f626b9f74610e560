/**
 * Times the map and clusters of a synthetic gallery: N unit embeddings of D values in C classes (class
 * centres and spread seeded), through the same analyseSpace the command runs.
 *
 *   npm run bench:space -- [--points 10000] [--dim 192] [--classes 20] [--seed 1] [--json]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { analyseSpace, type SpacePoint } from '../../src/main/analysis/space.js';
import { seededRandom } from '../../src/main/match/random.js';

/** Classes as Gaussian blobs around random unit centres: within-class cosine ~0.5, as face embeddings. */
export function syntheticGallery(n: number, dim: number, classes: number, seed: number): SpacePoint[] {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, gauss));
  const spread = 1.0;
  return Array.from({ length: n }, (_, i) => {
    const c = i % classes;
    const centre = centres[c] as Float32Array;
    return {
      patient: `p${i}`,
      label: `class-${c}`,
      vector: Float32Array.from(centre, (v) => v + spread * gauss()),
    };
  });
}

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '10000' },
    dim: { type: 'string', default: '192' },
    classes: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean' },
  },
});
const [n, dim, classes, seed] = [values.points, values.dim, values.classes, values.seed].map(Number) as [
  number,
  number,
  number,
  number,
];
const points = syntheticGallery(n, dim, classes, seed);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const a = analyseSpace(points, { seed });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const summary = {
  points: n,
  dim,
  classes,
  seconds: Number(seconds.toFixed(2)),
  cpuSeconds: Number(cpuSeconds.toFixed(2)),
  timingsMs: a.timings,
  distanceSpace: a.distanceSpace,
  dbscan: {
    clusters: a.dbscan.clusters,
    noise: a.dbscan.noise,
    ari: a.dbscan.adjustedRandIndex,
    nmi: a.dbscan.normalisedMutualInformation,
  },
  agglomerative: {
    clusters: a.agglomerative.clusters,
    ari: a.agglomerative.adjustedRandIndex,
    nmi: a.agglomerative.normalisedMutualInformation,
  },
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
if (values.json) console.log(JSON.stringify(summary));
else
  console.log(
    `map + clusters of ${n} x ${dim} (${classes} classes): ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU ${JSON.stringify(a.timings)}; ` +
      `DBSCAN ${a.dbscan.clusters} clusters, ${a.dbscan.noise} noise, ARI ${a.dbscan.adjustedRandIndex.toFixed(3)}; ` +
      `average linkage ARI ${a.agglomerative.adjustedRandIndex.toFixed(3)}; peak RSS ${summary.peakRssMb} MB`,
  );
