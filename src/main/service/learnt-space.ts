/**
 * The learnt face space of a gallery: trained on request (model.train), kept in the data directory only
 * when it beat the plain embedding in patient-level cross-validation, and used by matching only while
 * the gallery is the one it was trained on.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { project, type ProjectionHead } from '../match/head.js';
import type { GalleryEmbedding } from '../store/store.js';
import type { ModelRef } from '../../shared/api.js';
import { gallerySamples } from './evaluation.js';
import type { JobContext } from './jobs.js';
import { runJobWorker } from './threads.js';
import type { SpaceFigures, TrainInput, TrainResult } from './train-worker.js';

const FOLDS = 5;

const figures = z.object({ top1PerLabel: z.number(), brier: z.number() });
const savedSpace = z.object({
  modelId: z.string(),
  galleryVersion: z.string(),
  trainedAt: z.string(),
  raw: figures,
  learnt: figures,
  head: z.object({
    inputDim: z.number().int().positive(),
    outputDim: z.number().int().positive(),
    weights: z.array(z.number()),
    epochs: z.number(),
    scale: z.number(),
    margin: z.number(),
  }),
});

export interface LearntSpace {
  head: ProjectionHead;
  /** How the space was chosen, for the provenance of every match it gives. */
  description: string;
  project(v: Float32Array): Float32Array;
}

export class LearntSpaces {
  constructor(private readonly dataDir: string) {}

  private file(modelId: string): string {
    return join(this.dataDir, 'learnt-space', `${encodeURIComponent(modelId)}.json`);
  }

  /** The space trained on this very gallery, or null (none, or the gallery changed since). */
  current(modelId: string, galleryVersion: string): LearntSpace | null {
    let saved: z.infer<typeof savedSpace>;
    try {
      saved = savedSpace.parse(JSON.parse(readFileSync(this.file(modelId), 'utf8')));
    } catch {
      return null;
    }
    if (saved.galleryVersion !== galleryVersion || saved.modelId !== modelId) return null;
    const head: ProjectionHead = { ...saved.head, weights: Float32Array.from(saved.head.weights) };
    return {
      head,
      description: `learnt face space (trained ${saved.trainedAt.slice(0, 10)}; held-out Brier ${saved.learnt.brier.toFixed(3)} vs ${saved.raw.brier.toFixed(3)} plain)`,
      project: (v) => project(head, v),
    };
  }

  /** Trains and compares; keeps the head only when it wins. Returns the summary shown to the user. */
  async train(
    rows: GalleryEmbedding[],
    model: ModelRef,
    galleryVersion: string,
    ctx: JobContext,
  ): Promise<string> {
    const folds = Math.min(FOLDS, new Set(rows.map((r) => r.patient)).size);
    const samples = gallerySamples(rows, folds);
    ctx.progress('evaluating the plain embedding', 0, 2 * folds + 1);
    const r = await runJobWorker<TrainResult>(
      './train-worker.js',
      { samples, folds } satisfies TrainInput,
      ctx,
    );
    const file = this.file(model.id);
    const figuresText = `top-1 per label ${fmt(r.learnt, 'top1PerLabel')} learnt vs ${fmt(r.raw, 'top1PerLabel')} plain, Brier ${fmt(r.learnt, 'brier')} vs ${fmt(r.raw, 'brier')} (${folds}-fold by patient, ${model.id})`;
    if (!r.head) {
      rmSync(file, { force: true });
      return `The plain embedding stays: the learnt space did not beat it (${figuresText}).`;
    }
    mkdirSync(join(this.dataDir, 'learnt-space'), { recursive: true });
    const saved: z.input<typeof savedSpace> = {
      modelId: model.id,
      galleryVersion,
      trainedAt: new Date().toISOString(),
      raw: r.raw,
      learnt: r.learnt,
      head: { ...r.head, weights: Array.from(r.head.weights) },
    };
    // Written whole, then renamed: a crash never leaves half a head for matching to read.
    writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    renameSync(`${file}.tmp`, file);
    return `Matching now uses the learnt space: it beat the plain embedding (${figuresText}).`;
  }
}

function fmt(f: SpaceFigures, key: keyof SpaceFigures): string {
  return f[key].toFixed(3);
}
