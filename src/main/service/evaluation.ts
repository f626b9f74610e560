/** Runs the gallery's cross-validated evaluation in evaluate-worker.js and words its report for the screen. */
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { galleryFaces } from '../match/matcher.js';
import type { Interval } from '../match/metrics.js';
import type { GalleryEmbedding } from '../store/store.js';
import type { EvaluationReport, ModelRef } from '../../shared/api.js';
import type { EvaluateInput, EvaluateMessage } from './evaluate-worker.js';
import { Cancelled, type JobContext } from './jobs.js';

function pick(figures: Record<string, Interval>, name: string): Interval {
  const f = figures[name];
  if (!f) throw new Error(`the evaluation report has no ${name}`);
  return f;
}

export async function evaluateGallery(
  rows: GalleryEmbedding[],
  model: ModelRef,
  folds: number,
  ctx: JobContext,
): Promise<EvaluationReport> {
  const samples = galleryFaces(rows);
  const patients = new Set(samples.map((s) => s.patient)).size;
  if (new Set(samples.map((s) => s.label)).size < 2) {
    throw new UserError('evaluation needs a gallery with at least two syndromes, or a syndrome and controls');
  }
  if (patients < folds)
    throw new UserError(
      `${folds}-fold evaluation needs at least ${folds} gallery patients (the gallery has ${patients})`,
    );
  ctx.progress('cross-validating', 0, folds);
  const worker = new Worker(new URL('./evaluate-worker.js', import.meta.url), {
    workerData: { samples, folds } satisfies EvaluateInput,
  });
  const onAbort = () => void worker.terminate();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    const result = await new Promise<Extract<EvaluateMessage, { type: 'result' }>>((resolve, reject) => {
      worker.on('message', (m: EvaluateMessage) => {
        if (m.type === 'fold') {
          try {
            ctx.progress(m.done < folds ? 'cross-validating' : 'bootstrapping intervals', m.done, folds);
          } catch (err) {
            reject(err);
          }
        } else if (m.type === 'result') resolve(m);
        else reject(new Error(m.error));
      });
      worker.on('error', reject);
      worker.on('exit', () =>
        reject(ctx.signal.aborted ? new Cancelled() : new Error('the evaluation stopped')),
      );
    });
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
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
