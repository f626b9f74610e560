/** Runs the gallery's cross-validated evaluation in evaluate-worker.js and words its report for the screen. */
import { UserError } from '../errors.js';
import { classifierSamples, galleryFaces } from '../match/matcher.js';
import type { Interval } from '../match/metrics.js';
import type { Sample } from '../match/samples.js';
import type { GalleryEmbedding } from '../store/store.js';
import type { EvaluationReport, ModelRef } from '../../shared/api.js';
import type { EvaluateInput, EvaluateResult } from './evaluate-worker.js';
import type { JobContext } from './job-context.js';
import { runJobWorker } from './threads.js';

function pick(figures: Record<string, Interval>, name: string): Interval {
  const f = figures[name];
  if (!f) throw new Error(`the evaluation report has no ${name}`);
  return f;
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
