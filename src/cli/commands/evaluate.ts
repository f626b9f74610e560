import { join, resolve } from 'node:path';
import { resolveDataDir, storeFileIn } from '../../main/data-dir.js';
import { UsageError } from '../../main/errors.js';
import {
  evaluateGallerySource,
  macroAuc,
  UNAFFECTED,
  type FolderEvaluation,
} from '../../main/usecases/evaluation.js';
import { defaultControlLabels } from '../../main/usecases/gallery.js';
import { keptKey } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { printable } from '../printable.js';

type SpaceReport = FolderEvaluation['raw'];
type Interval = SpaceReport['brier'];

const usage = `Usage: facepheno evaluate DIR [--json] [--folds K] [--seed N] [--controls LABEL]... [--model ID]
                          [--no-learnt] [--permutations N] [--cache FILE] [--data-dir DIR]
                          [--export-head DIR]

Patient-level K-fold evaluation over DIR/<label>/<photos> (no photo of a test patient is ever in
training). A photo is its own patient unless DIR/<label>/metadata.csv has 'file' and 'patient' (or
'paper_patient_id') columns; a 'mask' column (bottom-right, ...) masks that corner of the photo before
any model sees it (printed patient numbers). Labels named by --controls (default: ${defaultControlLabels.join(', ')})
form one '${UNAFFECTED}' class. DIR may also be a gallery CSV, read as 'gallery import' reads
it.

Reports, each with a 95% interval (bootstrap over patients): top-1/5/10/30 accuracy per photo and
averaged per label, one-vs-rest AUC, Brier score, expected calibration error; for the raw embedding
space and the learnt one (an ArcFace-style projection head trained inside each fold), and which is
used (the learnt space only where it beats the raw one); the confound check (the same evaluation on
statistics of the photo border outside the face box, which hold no face); each pair of syndromes on
their own patients; and with --permutations, each syndrome against as many control patients
(cross-validated AUC, Brier score, permutation p-value).

Options:
  --folds K           folds (default 5)
  --seed N            seeds which patients share a fold (default 1): another seed shows how much a
                      figure owes to one split
  --controls LABEL    a label of unaffected controls (repeatable; replaces the default list)
  --model ID          the embedding model (default: the manifest's first); ID+ID... evaluates the
                      joint space of several models (concatenated unit embeddings, renormalised)
  --no-learnt         skip the learnt space
  --permutations N    run the group question with N permutations (default 0: skip)
  --cache FILE        embeddings cache (default: a file named by DIR in the data directory's caches
                      folder), sealed with the data directory's database key (--no-encryption: not)
  --data-dir DIR      data directory (default: FACEPHENO_DATA_DIR, else the app's own)
  --export-head DIR   when the learnt space wins, train it on all of DIR and write DIR/<id>.onnx and
                      DIR/<id>.json (its manifest entry)
  --json              print one JSON document: {dir, model, galleryVersion, calibration, ..., raw,
                      learnt, chosen, confound, pairs, groups}`;

const pct = (iv: Interval | undefined) =>
  iv ? printable`${iv.value.toFixed(3)} [${iv.low.toFixed(3)}, ${iv.high.toFixed(3)}]` : 'n/a';

function reportLines(name: string, r: SpaceReport): string[] {
  return [
    printable`${name}: ${r.images} photos, ${r.patients} patients, classes ${r.classes.join(', ')}`,
    printable`  top-1 per photo ${pct(r.topKPerImage.top1)}, per label ${pct(r.topKPerLabel.top1)}; top-5 per photo ${pct(r.topKPerImage.top5)}, per label ${pct(r.topKPerLabel.top5)}`,
    ...r.classes.map(
      (c) => printable`  ${c}: one-vs-rest AUC ${pct(r.auc[c])}, Brier ${pct(r.brierByLabel[c])}`,
    ),
    printable`  Brier (multi-class) ${pct(r.brier)}, expected calibration error ${pct(r.ece)}, mean AUC ${macroAuc(r).toFixed(3)}`,
  ];
}

function text(dir: string, e: FolderEvaluation, exported: string | null): string {
  return [
    printable`evaluate ${dir}: model ${e.modelId}, gallery version ${e.galleryVersion}, ${e.folds}-fold by patient (seed ${e.seed})`,
    printable`calibration: ${e.calibration}`,
    printable`photos: ${e.photos}, used ${e.used}; left out ${e.left.length}${
      e.left.length
        ? printable` (${e.left
            .slice(0, 5)
            .map((l) => printable`${l.file}: ${l.problem}`)
            .join('; ')}${e.left.length > 5 ? '; ...' : ''})`
        : ''
    }`,
    printable`controls (as '${UNAFFECTED}'): ${e.controls.join(', ') || 'none'}`,
    ...reportLines('raw space', e.raw),
    ...(e.learnt ? reportLines('learnt space', e.learnt) : []),
    printable`space used: ${e.chosen}${exported ? printable` (head written: ${exported})` : ''}`,
    ...reportLines('confound check (photo border only, no face)', e.confound),
    ...e.pairs.map(
      (p) => printable`${p.labels[0]} vs ${p.labels[1]} (${p.patients} patients only): AUC ${pct(p.auc)}`,
    ),
    ...e.groups.map(
      (g) =>
        printable`group question ${g.label} (${g.patients} patients) vs ${g.controls} control patients: AUC ${pct(g.auc)}, Brier ${pct(g.brier)}, permutation p ${g.permutationP.toFixed(4)} (${g.permutations} permutations)`,
    ),
  ].join('\n');
}

function intOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer of at least ${min}`);
  return n;
}

export const command: Command = {
  summary: 'patient-level cross-validated evaluation of matching over a labelled photo folder',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      json: { type: 'boolean' },
      folds: { type: 'string' },
      seed: { type: 'string' },
      controls: { type: 'string', multiple: true },
      model: { type: 'string' },
      'no-learnt': { type: 'boolean' },
      permutations: { type: 'string' },
      cache: { type: 'string' },
      'data-dir': { type: 'string' },
      'export-head': { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('name one folder: DIR/<label>/<photos>');
    const dir = resolve(positionals[0] as string);
    const { evaluation, exportedHead } = await evaluateGallerySource(dir, {
      modelId: values.model,
      folds: intOption(values.folds, 'folds', 5, 2),
      seed: intOption(values.seed, 'seed', 1, 1),
      controls: values.controls ?? defaultControlLabels,
      learnt: !values['no-learnt'],
      permutations: intOption(values.permutations, 'permutations', 0, 0),
      cacheFile: values.cache,
      ...cacheOf(ctx, values['data-dir']),
      exportHead: values['export-head'],
      onProgress: (line) => {
        if (!values.json) process.stderr.write(printable`${line}\n`);
      },
    });
    if (values.json) console.log(JSON.stringify({ dir, ...evaluation, exportedHead }, null, 2));
    else console.log(text(dir, evaluation, exportedHead));
    return 0;
  },
};

/**
 * Where the default embeddings cache lives and what seals it: the data directory's caches folder, under
 * a key derived from the data directory's database key (saved now if that database is still to be made).
 */
function cacheOf(ctx: CommandContext, dataDir: string | undefined): { cacheDir: string; cacheKey?: string } {
  const { dir } = resolveDataDir({ option: dataDir });
  const key = keptKey(ctx.storeConfig(storeFileIn(dir)));
  return { cacheDir: join(dir, 'caches'), ...(key !== undefined ? { cacheKey: key } : {}) };
}
