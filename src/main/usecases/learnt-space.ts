/**
 * The learnt face space of a gallery: trained on request (model.train), kept in the data directory only
 * when it beat the plain embedding in patient-level cross-validation, and used by matching only while
 * the gallery is the one it was trained on.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { project, type ProjectionHead } from '../match/head.js';
import { storageError } from '../store/storage-errors.js';
import type { GalleryEmbedding } from '../store/store.js';
import type { ModelRef } from '../../shared/api.js';
import { gallerySamples } from './evaluation.js';
import type { JobContext } from './job-context.js';
import { runJobWorker } from './threads.js';
import { processGone } from '../process-alive.js';
import {
  deriveSealKey,
  readSealedFile,
  sealPurposes,
  writeSealedFile,
  type SealKey,
} from '../sealed-file.js';
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

/** `<model>.json.<pid>.tmp`: a head being written by process <pid>. */
const temporary = /\.json\.(\d+)\.tmp$/;

export class LearntSpaces {
  private readonly dir: string;
  private readonly key: SealKey | undefined;

  /** `databaseKey`: the key of the store whose gallery the spaces are trained on; the files are sealed with it. */
  constructor(dataDir: string, databaseKey?: string) {
    this.dir = join(dataDir, 'learnt-space');
    this.key = databaseKey === undefined ? undefined : deriveSealKey(databaseKey, sealPurposes.caches);
    this.sweep();
  }

  private file(modelId: string): string {
    return join(this.dir, `${encodeURIComponent(modelId)}.json`);
  }

  /**
   * Removes the temporary files of processes that are gone (killed between writing a head and renaming
   * it into place); another process's head being written right now is left alone.
   */
  private sweep(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return; // no learnt space yet, or a folder we cannot read: nothing of ours to sweep
    }
    for (const name of names) {
      const pid = temporary.exec(name)?.[1];
      if (pid !== undefined && processGone(Number(pid))) rmSync(join(this.dir, name), { force: true });
    }
  }

  /** The space trained on this very gallery, or null (none, or the gallery changed since). */
  current(modelId: string, galleryVersion: string): LearntSpace | null {
    let saved: z.infer<typeof savedSpace>;
    try {
      saved = savedSpace.parse(JSON.parse(readSealedFile(this.file(modelId), this.key).toString('utf8')));
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
    const saved: z.input<typeof savedSpace> = {
      modelId: model.id,
      galleryVersion,
      trainedAt: new Date().toISOString(),
      raw: r.raw,
      learnt: r.learnt,
      head: { ...r.head, weights: Array.from(r.head.weights) },
    };
    writeWhole(file, JSON.stringify(saved), this.key);
    return `Matching now uses the learnt space: it beat the plain embedding (${figuresText}).`;
  }
}

/**
 * Written to a temporary file, flushed to the disk, then renamed: neither a crash nor a power cut leaves
 * half a head for matching to read. A full or read-only disk is the user's to fix, and leaves nothing.
 */
function writeWhole(file: string, text: string, key: SealKey | undefined): void {
  const dir = join(file, '..');
  try {
    // Not `recursive`: a recursive mkdir on a read-only disk reports ENOENT, not EROFS.
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
    writeSealedFile(file, Buffer.from(text), key);
  } catch (err) {
    throw storageError(err, dir);
  }
}

function fmt(f: SpaceFigures, key: keyof SpaceFigures): string {
  return f[key].toFixed(3);
}
