/**
 * Evaluation by patient: the store's gallery, cross-validated in evaluate-worker.js and worded for the
 * screen; and a gallery source outside the store (a labelled folder or a gallery CSV), analysed here and
 * evaluated with its confound check, as the `evaluate` command runs it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { deriveSealKey, makePrivateDir, sealPurposes } from '../sealed-file.js';
import { join, resolve } from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { openFacePipeline } from '../face/pipeline.js';
import { readGallery } from '../gallery/source.js';
import { evaluateFolder, type FeatureOutcome, type FolderEvaluation } from '../match/evaluate-folder.js';
import { trainHead } from '../match/head.js';
import { classifierSamples, galleryFaces, UNAFFECTED } from '../match/matcher.js';
import type { Interval } from '../match/metrics.js';
import { headManifestEntry, headToOnnx } from '../match/onnx-head.js';
import type { Sample } from '../match/samples.js';
import { jointEmbedding } from '../match/vectors.js';
import type { GalleryEmbedding, Store } from '../store/store.js';
import type { EvaluationReport, ModelRef } from '../../shared/api.js';
import type { EvaluateInput, EvaluateResult } from './evaluate-worker.js';
import type { JobContext } from './job-context.js';
import { photoFeatures } from './photo-features.js';
import { runJobWorker } from './threads.js';

// What the `evaluate` command words its report with.
export { macroAuc } from '../match/evaluation.js';
export { UNAFFECTED, type FolderEvaluation };

function pick(figures: Record<string, Interval>, name: string): Interval {
  const f = figures[name];
  if (!f) throw new Error(`the evaluation report has no ${name}`);
  return f;
}

/**
 * The store's gallery in `model`, read for a study of the whole gallery (an evaluation, a learnt space's
 * training): every gallery patient's face embeddings, so the read is recorded.
 */
export function galleryForStudy(
  store: Store,
  model: ModelRef,
  purpose: 'gallery.evaluate' | 'space.train',
): GalleryEmbedding[] {
  const rows = store.galleryEmbeddings(model.id);
  store.audit.record(purpose, null, { model: model.id, photos: rows.length });
  return rows;
}

/** The gallery as samples for patient-level K-fold work, or a UserError saying what it lacks. */
export function gallerySamples(rows: GalleryEmbedding[], folds: number): Sample[] {
  const samples = galleryFaces(rows);
  const patients = new Set(samples.map((s) => s.patient)).size;
  if (new Set(samples.map((s) => s.label)).size < 2) {
    throw new UserError('this needs a gallery with at least two syndromes, or a syndrome and controls');
  }
  if (patients < folds) {
    throw new UserError(
      `${folds}-fold cross-validation needs at least ${folds} gallery patients (the gallery has ${patients})`,
    );
  }
  return samples;
}

export async function evaluateGallery(
  rows: GalleryEmbedding[],
  model: ModelRef,
  folds: number,
  ctx: JobContext,
): Promise<EvaluationReport> {
  const samples = gallerySamples(rows, folds);
  ctx.progress('cross-validating', 0, folds);
  // Learnt with each source of controls apart, as matching does; reported with them as one 'unaffected'.
  const result = await runJobWorker<EvaluateResult>(
    './evaluate-worker.js',
    { samples: classifierSamples(rows), folds } satisfies EvaluateInput,
    ctx,
  );
  const r = result.report;
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  return {
    folds,
    patients: r.patients,
    images: r.images,
    model,
    metrics: {
      'top-1 per image': pick(r.topKPerImage, 'top1'),
      'top-5 per image': pick(r.topKPerImage, 'top5'),
      'top-1 per label': pick(r.topKPerLabel, 'top1'),
      'top-5 per label': pick(r.topKPerLabel, 'top5'),
      'Brier score': r.brier,
      'calibration error (ECE)': r.ece,
    },
    perLabel: r.classes.map((label) => ({
      label,
      images: counts.get(label) ?? 0,
      metrics: { AUC: r.auc[label]?.value ?? NaN, Brier: r.brierByLabel[label]?.value ?? NaN },
    })),
    calibration: result.calibration,
  };
}

export interface SourceEvaluationOptions {
  /** The embedding model (default: the pipeline's first); ID+ID... for the joint space of several. */
  modelId?: string;
  folds: number;
  seed: number;
  /** Labels merged into one 'unaffected' class. */
  controls: string[];
  learnt: boolean;
  permutations: number;
  /** The embeddings cache (default: a file in `cacheDir` named by the source). */
  cacheFile?: string;
  /** Where the default cache lives: the data directory's own caches folder (never the shared /tmp). */
  cacheDir: string;
  /** The database key the cache is sealed under (the data directory's); none: unsealed, still 0600. */
  cacheKey?: string;
  /** Where to write the learnt space's head (ONNX and its manifest entry) when it wins. */
  exportHead?: string;
  onProgress?: (line: string) => void;
}

/**
 * Patient-level K-fold evaluation of a gallery source: every photo analysed as the import would (masked
 * where the source says so; cached by content, mask and models), evaluated in the raw and learnt spaces
 * with the confound check; with `exportHead`, the learnt head, where it wins, trained on every photo.
 */
export async function evaluateGallerySource(
  source: string,
  o: SourceEvaluationOptions,
): Promise<{ evaluation: FolderEvaluation; exportedHead: string | null }> {
  const dir = resolve(source);
  const photos = readGallery(dir);
  const labels = new Set(photos.map((p) => p.label));
  if (labels.size < 2)
    throw new UserError(`an evaluation needs two labels at least (found only '${[...labels].join()}')`, {
      file: dir,
    });
  if (o.cacheFile === undefined) makePrivateDir(o.cacheDir);
  const cacheFile =
    o.cacheFile ??
    join(o.cacheDir, `evaluate-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.json`);
  const pipeline = await openFacePipeline();
  let outcomes;
  let modelId: string;
  try {
    const have = pipeline.embeddingModels.map((m) => m.id);
    modelId = o.modelId ?? have[0] ?? '';
    const unknown = modelId.split('+').filter((id) => !have.includes(id));
    if (unknown.length > 0)
      throw new UsageError(`no embedding model '${unknown.join("', '")}' (have: ${have.join(', ')})`);
    o.onProgress?.(`analysing ${photos.length} photos (cache: ${cacheFile})`);
    outcomes = await photoFeatures(pipeline, photos, {
      cacheFile,
      ...(o.cacheKey !== undefined ? { cacheKey: deriveSealKey(o.cacheKey, sealPurposes.caches) } : {}),
      onProgress: (done, total) => {
        if (done % 250 === 0 || done === total) o.onProgress?.(`  ${done}/${total}`);
      },
    });
  } finally {
    await pipeline.close();
  }
  const evaluation = evaluateFolder(outcomes, {
    modelId,
    folds: o.folds,
    seed: o.seed,
    controls: o.controls,
    learnt: o.learnt,
    permutations: o.permutations,
    onStage: (s) => o.onProgress?.(`evaluating: ${s}`),
  });
  if (evaluation.used === 0) throw new UserError('no photo with a face to evaluate', { file: dir });
  const exportedHead =
    o.exportHead !== undefined && evaluation.chosen === 'learnt'
      ? writeHead(resolve(o.exportHead), outcomes, evaluation, o)
      : null;
  return { evaluation, exportedHead };
}

/** Trains the learnt head on every photo, writes OUT/<id>.onnx and OUT/<id>.json; the ONNX file's path. */
function writeHead(
  out: string,
  outcomes: readonly FeatureOutcome[],
  evaluation: FolderEvaluation,
  o: SourceEvaluationOptions,
): string {
  o.onProgress?.('training the head on every photo for export');
  const { modelId, galleryVersion } = evaluation;
  const controls = new Set(o.controls.map((c) => c.toLowerCase()));
  const samples = outcomes.flatMap((x) => {
    const v = x.features && jointEmbedding(x.features.embeddings, modelId);
    if (!v) return [];
    const label = controls.has(x.photo.label.toLowerCase()) ? UNAFFECTED : x.photo.label;
    return [{ patient: x.photo.patient, label, vector: v }];
  });
  const head = trainHead(samples);
  const bytes = headToOnnx(head, `FacePheno projection head over ${modelId}, gallery ${galleryVersion}`);
  const entry = headManifestEntry(bytes, head, {
    baseModelId: modelId,
    galleryVersion,
    classes: [...new Set(samples.map((s) => s.label))].sort(),
  });
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, entry.file), bytes);
    writeFileSync(join(out, `${entry.id}.json`), JSON.stringify(entry, null, 2) + '\n');
  } catch (err) {
    throw new UserError(`cannot write the head (${(err as Error).message})`, { file: out });
  }
  return join(out, entry.file);
}
