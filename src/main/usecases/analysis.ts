/**
 * The researchers' analysis for the app: the gallery's map (computed in its own thread, kept per gallery
 * version, model and seed) and occlusion heatmaps, which re-embed occluded faces with the Service's own
 * inference sessions (one per model, opened on first use and kept).
 */
import { caseHeatmap } from '../analysis/report.js';
import { UserError } from '../errors.js';
import { openInference, type Inference } from '../models/inference.js';
import type { Store } from '../store/store.js';
import type { HeatmapView, ModelRef, SpaceView } from '../../shared/api.js';
import type { SpaceInput } from './analysis-worker.js';
import type { JobContext } from './job-context.js';
import { runJobWorker } from './threads.js';

export class Analyses {
  private readonly spaces = new Map<string, SpaceView>();
  /** Heatmaps by model, gallery version, case photos and label: Matches and Compare ask for the same one. */
  private readonly heatmaps = new Map<string, Promise<HeatmapView>>();
  private inference: Promise<Inference> | null = null;

  constructor(
    private readonly store: Store,
    private readonly modelsDir: string,
  ) {}

  async space(model: ModelRef, seed: number, ctx: JobContext): Promise<SpaceView> {
    // The gallery version changes with every gallery change, so a kept map is never stale.
    const key = `${model.id}@${this.store.galleryVersion()}/${seed}`;
    const kept = this.spaces.get(key);
    if (kept) return kept;
    const { view } = await runJobWorker<{ view: SpaceView }>(
      './analysis-worker.js',
      { store: this.store.config, modelId: model.id, seed } satisfies SpaceInput,
      ctx,
    );
    // Only the latest gallery's maps are worth keeping.
    for (const k of this.spaces.keys())
      if (!k.startsWith(`${model.id}@${view.galleryVersion}/`)) this.spaces.delete(k);
    this.spaces.set(key, view);
    return view;
  }

  heatmap(model: ModelRef, caseId: string, label: string): Promise<HeatmapView> {
    const photos = this.store
      .caseView(caseId)
      .photos.map((p) => p.id)
      .join(',');
    const key = `${model.id}@${this.store.galleryVersion()}/${caseId}/${photos}/${label}`;
    let kept = this.heatmaps.get(key);
    if (!kept) {
      kept = this.computeHeatmap(model, caseId, label);
      this.heatmaps.set(key, kept);
      // Kept for the screens now open; the oldest go first.
      if (this.heatmaps.size > 32) this.heatmaps.delete(this.heatmaps.keys().next().value as string);
      // A failure is not kept: the next request tries again.
      kept.catch(() => this.heatmaps.delete(key));
    }
    return kept;
  }

  private async computeHeatmap(model: ModelRef, caseId: string, label: string): Promise<HeatmapView> {
    const inference = await this.sessions();
    const entry = inference.models.find((m) => m.id === model.id);
    if (!entry) throw new UserError(`the model manifest has no model '${model.id}'`);
    const { report, png } = await caseHeatmap(this.store, inference, entry, caseId, label);
    return {
      caseId: report.patient,
      label: report.label,
      model: report.model,
      score: report.baseline,
      png: png.toString('base64'),
    };
  }

  async close(): Promise<void> {
    if (this.inference) await (await this.inference.catch(() => null))?.close();
  }

  private sessions(): Promise<Inference> {
    this.inference ??= openInference({ modelsDir: this.modelsDir }).catch((err: unknown) => {
      this.inference = null;
      throw err;
    });
    return this.inference;
  }
}
