/**
 * The confound check for cluster figures: how well each partition of an `analyze-space` report agrees
 * with where the photos came from (the part of the patient id before '/', which the analysis gallery
 * builder sets to the photo's source), beside how well it agrees with the labels. Clusters that follow
 * the source as well as the label may be clustering photo styles, not faces.
 *
 *   npm run analysis:confound -- OUT/analysis.json [--json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adjustedRandIndex, normalisedMutualInformation } from '../../src/main/analysis/agreement.js';
import type { SpaceReport } from '../../src/main/analysis/report.js';

const { values, positionals } = parseArgs({ options: { json: { type: 'boolean' } }, allowPositionals: true });
const file = positionals[0];
if (!file) {
  console.error('usage: npm run analysis:confound -- OUT/analysis.json [--json]');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8')) as { model: string; spaces: SpaceReport[] };
const ids = (xs: readonly string[]) => {
  const names = [...new Set(xs)].sort();
  return Int32Array.from(xs, (x) => names.indexOf(x));
};
const rows = report.spaces.flatMap((s) => {
  const label = ids(s.map.map((p) => p.label));
  const source = ids(s.map.map((p) => p.patient.split('/')[0] ?? ''));
  return (['dbscan', 'agglomerative'] as const).map((method) => {
    // Noise points as clusters of one, as the report counts them.
    let next = Math.max(...s.map.map((p) => p[method])) + 1;
    const clusters = Int32Array.from(s.map, (p) => (p[method] < 0 ? next++ : p[method]));
    return {
      space: s.space,
      method,
      label: { ari: adjustedRandIndex(clusters, label), nmi: normalisedMutualInformation(clusters, label) },
      source: {
        ari: adjustedRandIndex(clusters, source),
        nmi: normalisedMutualInformation(clusters, source),
      },
    };
  });
});
if (values.json) console.log(JSON.stringify({ model: report.model, rows }));
else
  for (const r of rows)
    console.log(
      `${report.model} ${r.space} ${r.method}: vs label ARI ${r.label.ari.toFixed(3)} NMI ${r.label.nmi.toFixed(3)}; ` +
        `vs photo source ARI ${r.source.ari.toFixed(3)} NMI ${r.source.nmi.toFixed(3)}`,
    );
