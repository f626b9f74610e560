import { UsageError } from '../../main/errors.js';
import {
  colourings,
  studySpace,
  type Colouring,
  type SpaceName,
  type SpaceStudy,
} from '../../main/usecases/analysis.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { withExistingWorkspace } from './vcf.js';

const usage = `Usage: facepheno analyze-space --db FILE [--json] [--out DIR] [--model ID] [--space raw|learnt|both]
                               [--colour syndrome|sex|age] [--seed N] [--no-averages] [--max-average N]
                               [--patient ID [--heatmap] [--label NAME]]

Studies the gallery's face space (confirmed cases and controls, one embedding model):
  maps     UMAP (umap-js, seeded: the same seed gives the same map) and PCA of the gallery's faces, in
           the raw embedding space and the learnt one (a projection head trained on this gallery: in-sample);
  clusters DBSCAN (radius at the knee of the core-distance curve) and average-linkage clustering (cut
           at as many clusters as there are labels) on cosine distance (of the unit embeddings less their
           gallery mean, so a direction all faces share does not swamp it), each compared with the labels:
           adjusted Rand index, normalised mutual information, purity per cluster, labels sharing clusters;
  averages each syndrome's average face beside that of sex- and age-matched controls, with the mean
           landmark displacement as arrows;
  --patient places that case on the maps among its nearest gallery faces (the similarity-weighted mean
           of their positions; the map itself is not refitted); with --heatmap, the occlusion heatmap
           of its score for --label (default: its best-scoring syndrome) on its aligned face.

Options:
  --db FILE          the case database (must exist), or a postgres:// URL (photos in FACEPHENO_PHOTOS_DIR)
  --out DIR          write the figures (PNG) and analysis.json there (default: print the report only)
  --model ID         embedding model (default: the manifest's first face-embedding model)
  --space S          raw, learnt or both (default both)
  --colour C         colour the maps by syndrome, sex or age band (default syndrome)
  --seed N           seed for UMAP, PCA and the head (default 1)
  --no-averages      skip the average faces
  --max-average N    cases per average face at most (default 60)
  --json             print one JSON document: {model, galleryVersion, appVersion, seed, labels, spaces:
                     [{space, clusters: {dbscan, agglomerative}, placement, map: [...]}], averages, heatmap,
                     files}`;

function options(args: string[]) {
  return parseCommandArgs(
    args,
    {
      db: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      space: { type: 'string', default: 'both' },
      colour: { type: 'string', default: 'syndrome' },
      seed: { type: 'string', default: '1' },
      'no-averages': { type: 'boolean' },
      'max-average': { type: 'string', default: '60' },
      patient: { type: 'string' },
      heatmap: { type: 'boolean' },
      label: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  ).values;
}

function integer(v: string, flag: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min}`);
  return n;
}

function text({ analysis: a, heatmap, files }: SpaceStudy): string {
  const f = (v: number) => v.toFixed(3);
  const lines = [
    printable`analyze-space: model ${a.model}, gallery version ${a.galleryVersion}, ${a.members} faces, seed ${a.seed}`,
    printable`labels: ${a.labels.map((l) => printable`${l.label}${l.isControl ? ' (control)' : ''} ${l.patients} patients/${l.faces} faces`).join('; ')}`,
  ];
  for (const s of a.spaces) {
    lines.push(
      printable`${s.space} space (${s.note}), ${s.dim} dimensions; PCA axes explain ${s.pcaExplained.map((v) => printable`${(100 * v).toFixed(1)}%`).join(', ')}`,
    );
    for (const c of [s.clusters.dbscan, s.clusters.agglomerative])
      lines.push(
        printable`  ${c.method}: ${c.clusters} clusters${c.noise ? printable`, ${c.noise} noise` : ''}; ARI ${f(c.adjustedRandIndex)}, NMI ${f(c.normalisedMutualInformation)}, purity ${f(c.overallPurity)}` +
          (c.shared.length
            ? printable`; sharing clusters: ${c.shared.map((x) => printable`${x.labels.join(' & ')} (${x.clusters.length})`).join(', ')}`
            : ''),
      );
    if (s.placement)
      lines.push(
        printable`  ${s.placement.patient} placed among ${s.placement.neighbours
          .slice(0, 5)
          .map((n) => printable`${n.patient} [${n.label}] ${f(n.similarity)}`)
          .join(', ')}`,
      );
    lines.push(printable`  timings (ms): ${JSON.stringify(s.timingsMs)}`);
  }
  for (const v of a.averages)
    lines.push(
      printable`average face ${v.label}: ${v.cases} cases, ${v.controls} matched controls; mean landmark displacement ${v.displacement.meanPx.toFixed(2)} px (max ${v.displacement.maxPx.toFixed(2)}) on a 256 px face`,
    );
  if (heatmap)
    lines.push(
      printable`heatmap ${heatmap.patient} for ${heatmap.label}: score ${f(heatmap.baseline)}, ${heatmap.patches} patches`,
    );
  if (files.length) lines.push(printable`wrote ${files.length} files: ${files.join(', ')}`);
  return lines.join('\n');
}

export const command: Command = {
  summary: 'maps, clusters, average faces and heatmaps of the gallery face space',
  usage,
  async run(args, ctx) {
    const v = options(args);
    if (!v.db) throw new UsageError('--db is required');
    const spaces: SpaceName[] | undefined = (
      { raw: ['raw'], learnt: ['learnt'], both: ['raw', 'learnt'] } as const satisfies Record<
        string,
        SpaceName[]
      >
    )[v.space as 'raw']?.slice();
    if (!spaces) throw new UsageError(`--space must be raw, learnt or both (got '${v.space}')`);
    if (!(colourings as readonly string[]).includes(v.colour))
      throw new UsageError(`--colour must be one of ${colourings.join(', ')} (got '${v.colour}')`);
    if ((v.heatmap || v.label) && !v.patient) throw new UsageError('--heatmap and --label need --patient');
    const seed = integer(v.seed, '--seed', 0);
    const maxAverage = integer(v['max-average'], '--max-average', 1);
    const study = await withExistingWorkspace(ctx, v.db, (ws) =>
      studySpace(ws, {
        ...(v.model !== undefined ? { modelId: v.model } : {}),
        seed,
        spaces,
        colourBy: v.colour as Colouring,
        averages: !v['no-averages'],
        maxAverage,
        ...(v.patient ? { patient: v.patient } : {}),
        ...(v.heatmap ? { heatmap: { label: v.label } } : {}),
        ...(v.out ? { out: v.out } : {}),
      }),
    );
    console.log(v.json ? JSON.stringify({ ...study.doc, files: study.files }) : text(study));
    return 0;
  },
};
