/**
 * Faces of photos that are not in any case: analysed and measured, two photos compared, the pipeline
 * timed, identity verification figures on a folder of people. The face models are opened for the run and
 * closed after it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import { analyzeAll, expandPhotoArgs, photosIn, streamAnalyses, type Outcome } from '../face/batch.js';
import type { EyeMeasurements } from '../face/iris.js';
import {
  openFacePipeline,
  type DetectedFace,
  type FacePipeline,
  type PhotoAnalysis,
  type Stage,
} from '../face/pipeline.js';
import { pairScores, verificationFigures, type Identified } from '../face/verification.js';
import { defaultModelsDir, openInference, type Inference } from '../models/inference.js';
import { dot } from '../match/vectors.js';
import type { ModelRef } from '../../shared/api.js';

export type { DetectedFace, EyeMeasurements, Outcome, Stage };

async function withPipeline<T>(use: (p: FacePipeline) => Promise<T>): Promise<T> {
  const pipeline = await openFacePipeline();
  try {
    return await use(pipeline);
  } finally {
    await pipeline.close();
  }
}

/** The photo files that IMAGE|DIR arguments name: folders listed, files kept as given. */
export function photoFiles(args: readonly string[]): string[] {
  return expandPhotoArgs(args);
}

/**
 * Analyses each photo, a few at a time; `onOutcome` sees each in input order as soon as it is done, and
 * none is kept, so any number of photos runs in bounded memory. A photo the user must fix becomes that
 * photo's error. Resolves to the number of photos.
 */
export function analyzePhotos(
  files: readonly string[],
  onOutcome: (o: Outcome, index: number) => void | Promise<void>,
): Promise<number> {
  return withPipeline((p) => streamAnalyses(p, files, onOutcome));
}

export interface PhotoComparison {
  images: [string, string];
  models: (ModelRef & { cosine: number })[];
}

/** Cosine similarity of the primary faces of two photos, per embedding model. */
export function comparePhotos(fileA: string, fileB: string): Promise<PhotoComparison> {
  return withPipeline(async (pipeline) => {
    const a = primaryEmbeddings(await pipeline.analyze({ file: fileA }));
    const b = primaryEmbeddings(await pipeline.analyze({ file: fileB }));
    const models = pipeline.embeddingModels.map((m) => {
      const va = a[m.id];
      const vb = b[m.id];
      if (!va || !vb) throw new Error(`no ${m.id} embedding`);
      return { id: m.id, sha256: m.sha256, cosine: Number(dot(va, vb).toFixed(4)) };
    });
    return { images: [fileA, fileB], models };
  });
}

function primaryEmbeddings(a: PhotoAnalysis): Record<string, Float32Array> {
  const face = a.primary === null ? undefined : a.faces[a.primary];
  if (!face) throw new UserError('no face found in this photo', { file: a.file });
  return face.embeddings;
}

export interface PipelineBench {
  photos: number;
  photos_per_s: number;
  /** Mean milliseconds per photo in each stage. */
  ms: Record<Stage, number>;
  provider: string;
}

/** Times the whole pipeline on every photo of `dir`, after one warm-up photo that loads the models. */
export function benchPipeline(dir: string): Promise<PipelineBench> {
  const files = expandPhotoArgs([dir]);
  return withPipeline(async (pipeline) => {
    await analyzeAll(pipeline, files.slice(0, 1));
    const before = { ...pipeline.stageMs };
    const t0 = performance.now();
    await analyzeAll(pipeline, files);
    const seconds = (performance.now() - t0) / 1000;
    const ms = {} as Record<Stage, number>;
    for (const stage of Object.keys(before) as Stage[])
      ms[stage] = Number(((pipeline.stageMs[stage] - before[stage]) / files.length).toFixed(2));
    return {
      photos: files.length,
      photos_per_s: Number((files.length / seconds).toFixed(2)),
      ms,
      provider: pipeline.provider,
    };
  });
}

export interface VerificationReport {
  people: number;
  photos: number;
  failed: number;
  pairs_same: number;
  pairs_diff: number;
  models: Record<string, { auc: number; eer: number; tar_at_far_1pct: number }>;
  /** `file: reason` of each photo without a readable face. */
  failures: string[];
}

/** Identity verification on DIR/<person>/<photos>: every same- and different-person pair, per model. */
export async function verifyIdentities(dir: string): Promise<VerificationReport> {
  let people: string[];
  try {
    people = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new UserError(`cannot list the folder (${(err as NodeJS.ErrnoException).code ?? err})`, {
      file: dir,
    });
  }
  const photos = people.flatMap((person) => photosIn(join(dir, person)).map((file) => ({ person, file })));
  if (people.length < 2 || photos.length === 0)
    throw new UserError('needs a subfolder of photos for each of at least two people', { file: dir });
  return withPipeline(async (pipeline) => {
    const outcomes = await analyzeAll(
      pipeline,
      photos.map((p) => p.file),
    );
    const failures: string[] = [];
    const faces = new Map<string, Identified[]>(pipeline.embeddingModels.map((m) => [m.id, []]));
    outcomes.forEach((o, i) => {
      const face = o.analysis?.primary == null ? undefined : o.analysis.faces[o.analysis.primary];
      if (!face) {
        failures.push(`${o.file}: ${o.error ?? 'no face found'}`);
        return;
      }
      const person = (photos[i] as { person: string }).person;
      for (const [id, list] of faces) list.push({ person, embedding: face.embeddings[id] as Float32Array });
    });
    const models: VerificationReport['models'] = {};
    let pairs = { same: 0, diff: 0 };
    for (const [id, list] of faces) {
      const { same, diff } = pairScores(list);
      pairs = { same: same.length, diff: diff.length };
      const f = verificationFigures(same, diff);
      models[id] = {
        auc: Number(f.auc.toFixed(4)),
        eer: Number(f.eer.toFixed(4)),
        tar_at_far_1pct: Number(f.tar_at_far_1pct.toFixed(4)),
      };
    }
    return {
      people: people.length,
      photos: photos.length,
      failed: failures.length,
      pairs_same: pairs.same,
      pairs_diff: pairs.diff,
      models,
      failures,
    };
  });
}

/** The face models, each file checked against its sha256, with one session each and the provider in use. */
export async function checkModels(): Promise<
  Pick<Inference, 'models' | 'provider' | 'providerNotes'> & { modelsDir: string }
> {
  const modelsDir = defaultModelsDir();
  const inference = await openInference({ modelsDir });
  try {
    const { models, provider, providerNotes } = inference;
    return { modelsDir, provider, providerNotes, models };
  } finally {
    await inference.close();
  }
}
