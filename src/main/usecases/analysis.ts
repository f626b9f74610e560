/**
 * The researchers' analysis of the gallery's face space, for the app and for `facepheno analyze-space`:
 * what the analysis reads of the store (the gallery's faces, the case placed on the maps, the face a
 * heatmap is drawn on) is read here and handed to analysis/ as plain data. The app's map is computed in
 * its own thread (analysis-worker.ts), kept per gallery version, model and seed; its occlusion heatmaps
 * re-embed occluded faces with the Service's own inference sessions (one per model, opened on first use
 * and kept).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Point } from '../face/geometry.js';
import type { Member } from '../analysis/gallery.js';
import type { StoredPhoto } from '../analysis/average-face.js';
import {
  analyseGallery,
  caseHeatmap,
  type AnalysisOptions,
  type GalleryAnalysis,
  type GalleryData,
  type HeatmapFace,
  type HeatmapReport,
} from '../analysis/report.js';
import { writeFileDurably } from '../durable-file.js';
import { UserError } from '../errors.js';
import { fuse } from '../match/vectors.js';
import { openInference, type Inference } from '../models/inference.js';
import type { StoreConfig } from '../store/config.js';
import type { Photo } from '../store/repos/photos.js';
import type { Store } from '../store/store.js';
import type { HeatmapView, ModelRef, SpaceView } from '../../shared/api.js';
import type { JobContext } from './job-context.js';
import { runJobWorker } from './threads.js';
import type { Workspace } from './workspace.js';

// What the command's options are checked against.
export { colourings, type Colouring } from '../analysis/gallery.js';
export type { SpaceName } from '../analysis/space.js';

/** What the Service's analysis worker is given: the store's configuration, to open it read-only. */
export interface SpaceInput {
  store: StoreConfig;
  modelId: string;
  seed: number;
}

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
    // Every gallery patient's face is read into the map: recorded, kept or computed.
    this.store.audit.record('analysis.space', null, { model: model.id, seed });
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
    const view = this.store.caseView(caseId);
    this.store.audit.record('heatmap', view.patient.pseudonym, { model: model.id, label });
    const photos = view.photos.map((p) => p.id).join(',');
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
    const { report, png } = await storeHeatmap(this.store, await this.sessions(), model.id, caseId, label);
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

export interface SpaceStudyOptions extends Omit<AnalysisOptions, 'modelId'> {
  /** The embedding model; default: the manifest's default one. */
  modelId?: string;
  /** Draws the occlusion heatmap of `patient` for `label` (default: its best-scoring syndrome). */
  heatmap?: { label?: string };
  /** The folder to write the figures and analysis.json to. */
  out?: string;
}

/** analysis.json: the analysis without its figures, with the heatmap's report. */
export type SpaceReportDoc = Omit<GalleryAnalysis, 'figures'> & { heatmap: HeatmapReport | null };

export interface SpaceStudy {
  analysis: GalleryAnalysis;
  heatmap: HeatmapReport | null;
  doc: SpaceReportDoc;
  /** The files written to `out`, in the order written. */
  files: string[];
}

/**
 * `facepheno analyze-space`: the analysis of the store's gallery, with a case's occlusion heatmap where
 * asked for, its figures and analysis.json written where asked for.
 */
export async function studySpace(ws: Workspace, o: SpaceStudyOptions): Promise<SpaceStudy> {
  const { heatmap: asked, out, ...rest } = o;
  const options: AnalysisOptions = { ...rest, modelId: o.modelId ?? ws.embeddingModel().id };
  ws.store.audit.record('analysis.space', null, { model: options.modelId });
  const analysis = await analyseStoreGallery(ws.store, options);
  let heatmap: HeatmapReport | null = null;
  if (asked && o.patient !== undefined) {
    const inference = await openInference({ modelsDir: ws.modelsDir });
    try {
      const patient = ws.store.patients.get(o.patient).pseudonym;
      ws.store.audit.record('heatmap', patient, { model: options.modelId, label: asked.label });
      const h = await storeHeatmap(ws.store, inference, options.modelId, o.patient, asked.label);
      heatmap = h.report;
      analysis.figures.set(h.report.file, h.png);
    } finally {
      await inference.close();
    }
  }
  const { figures, ...report } = analysis;
  const doc = { ...report, heatmap };
  const files =
    out === undefined
      ? []
      : writeAll(
          resolve(out),
          new Map([...figures, ['analysis.json', Buffer.from(JSON.stringify(doc, null, 1))]]),
        );
  return { analysis, heatmap, doc, files };
}

/** Each file written whole (writeFileDurably): a reader never sees half a figure. */
function writeAll(dir: string, files: Map<string, Buffer>): string[] {
  mkdirSync(dir, { recursive: true });
  return [...files].map(([name, bytes]) => {
    const path = join(dir, name);
    writeFileDurably(path, bytes);
    return path;
  });
}

/** The analysis (analysis/report.ts) of the store's own gallery, as the app's worker and the command run it. */
export function analyseStoreGallery(store: Store, o: AnalysisOptions): Promise<GalleryAnalysis> {
  return analyseGallery(galleryData(store, o.modelId, o.patient), o);
}

/** What the gallery analysis reads of the store: its faces in `modelId`, and the case `patient` to place. */
function galleryData(store: Store, modelId: string, patient: string | undefined): GalleryData {
  const members = readMembers(store, modelId);
  if (members.length < 5)
    throw new UserError(
      `the gallery has ${members.length} faces embedded with model '${modelId}'; a map needs at least 5`,
      { file: store.file },
    );
  return {
    members,
    galleryVersion: store.galleryVersion(),
    query: patient === undefined ? null : caseVector(store, patient, modelId),
    storedFace: (m) => {
      const mesh = store.faces.mesh(m.faceId);
      const photo = store.photos.get(m.photoId);
      return mesh && photo ? { mesh, photo: storedPhoto(store, photo) } : null;
    },
  };
}

/**
 * The store's own gallery of one embedding model, each face with its patient's sex and the photo's age.
 * Pack members from other centres are left out: maps, clusters and average faces are of photos here.
 */
function readMembers(store: Store, modelId: string): Member[] {
  const sexes = new Map<number, Member['sex']>();
  return store.galleryEmbeddings(modelId).flatMap((r) => {
    if (r.patientId === null || r.faceId === null || r.photoId === null) return [];
    let sex = sexes.get(r.patientId);
    if (!sex) sexes.set(r.patientId, (sex = store.patients.getById(r.patientId).sex));
    return {
      patientId: r.patientId,
      patient: r.patient,
      faceId: r.faceId,
      photoId: r.photoId,
      label: r.label,
      isControl: r.isControl,
      sex,
      ageYears: store.photos.get(r.photoId)?.ageYears ?? null,
      vector: r.vector,
    };
  });
}

/** The case's primary-face embeddings in one model, fused into one direction. */
function caseVector(store: Store, pseudonym: string, modelId: string): Float32Array {
  const vectors = store
    .openCase(pseudonym)
    .photos.flatMap((p) => p.faces.filter((f) => f.isPrimary))
    .flatMap((f) => store.faces.embedding(f.id, modelId)?.vector ?? []);
  if (vectors.length === 0)
    throw new UserError(`case '${pseudonym}' has no face embedded with model '${modelId}'`);
  return fuse(vectors);
}

/** The occlusion heatmap (analysis/report.ts) of a stored case against the store's gallery in `modelId`. */
async function storeHeatmap(
  store: Store,
  inference: Inference,
  modelId: string,
  pseudonym: string,
  label: string | undefined,
): Promise<{ report: HeatmapReport; png: Buffer }> {
  const model = inference.models.find((m) => m.id === modelId);
  if (!model) throw new UserError(`the model manifest has no model '${modelId}'`);
  return caseHeatmap(
    inference,
    model,
    readMembers(store, modelId),
    heatmapFace(store, pseudonym, modelId),
    label,
  );
}

/** The case's first photo whose primary face has an embedding in `modelId`: the face its heatmap is drawn on. */
function heatmapFace(store: Store, pseudonym: string, modelId: string): HeatmapFace {
  const photo = store
    .openCase(pseudonym)
    .photos.find((p) => p.faces.some((f) => f.isPrimary && f.embeddingModels.includes(modelId)));
  const face = photo?.faces.find((f) => f.isPrimary);
  if (!photo || !face)
    throw new UserError(`case '${pseudonym}' has no face embedded with model '${modelId}'`);
  return {
    patient: pseudonym,
    photo: storedPhoto(store, photo),
    points5: face.points5 as Point[],
    vector: store.faces.embedding(face.id, modelId)?.vector as Float32Array,
  };
}

/** A stored photo as the analyses read it: unsealed by the store's photo folder, checked against its sha256. */
function storedPhoto(store: Store, photo: Photo): StoredPhoto {
  return { file: photo.path, read: () => store.photoBytes(photo) };
}
