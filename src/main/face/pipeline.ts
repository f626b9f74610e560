import { performance } from 'node:perf_hooks';
import type { Inference } from '../models/inference.js';
import type { ModelEntry } from '../models/manifest.js';
import { alignedCrops, cropToPng } from './align.js';
import { decodePhoto, readPhoto } from './decode.js';
import {
  type Detection,
  blazeFaceAnchors,
  choosePrimary,
  decodeBlazeFace,
  detectorInputs,
  overlapOfSmaller,
  weightedNms,
} from './detect.js';
import { flipAverage } from './embed.js';
import type { Point } from './geometry.js';
import { Pyramid, warpInto } from './image.js';
import { type EyeMeasurements, eyeCrops, eyeMeasurements, irisOutputLength, withIrises } from './iris.js';
import { openInferencePool } from './pool.js';
import {
  type Mesh,
  fivePoints,
  interocular,
  meshPoint,
  meshPoints,
  meshToImage,
  roiFromDetection,
  roiFromMesh,
} from './landmarks.js';
import { type Quality, assessQuality } from './quality.js';
import type { Affine } from './geometry.js';

export type { Quality } from './quality.js';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: FaceBox;
  score: number;
  /** Right eye, left eye (subject's), nose tip, right and left mouth corner, in image pixels. */
  points5: [number, number][];
  /**
   * 478 points x, y, z in image pixels, MediaPipe's refined layout: the 468 of the face mesh, then the iris of
   * the subject's right eye (468 its centre, 469-472 its boundary) and of the left eye (473, 474-477).
   */
  mesh: number[] | null;
  quality: Quality;
  /**
   * Eye distances from the mesh and the pupil centres. Optional so that faces stored before the iris model
   * ran (and synthetic faces elsewhere) stay valid; the pipeline always fills it.
   */
  measurements?: EyeMeasurements;
  /** Model id -> L2-normalised, flip-averaged embedding; filled for the primary face only. */
  embeddings: Record<string, Float32Array>;
}

export interface PhotoAnalysis {
  file: string;
  width: number;
  height: number;
  faces: DetectedFace[];
  primary: number | null;
  /** PNG 112x112 of the primary face on the ArcFace template. */
  aligned: Buffer | null;
}

export type Stage = 'decode' | 'detect' | 'mesh' | 'align' | 'embed';

export interface FacePipeline {
  readonly embeddingModels: { id: string; sha256: string; dim: number }[];
  readonly provider: string;
  /** Throws UserError naming the file for undecodable/oversized input; no face -> faces [], primary null. */
  analyze(input: { file: string; bytes?: Buffer }): Promise<PhotoAnalysis>;
  /** Milliseconds spent in each stage, summed over every photo analysed so far. */
  readonly stageMs: Record<Stage, number>;
  close(): Promise<void>;
}

/** Detector score (after the sigmoid) for a candidate; the mesh model's face score confirms it. */
const minDetectorScore = 0.5;
/** The lower bar of the second look, taken only when the first found no face at all. */
const secondLookScore = 0.5;
/** The mesh model's own face score (after the sigmoid) below which a candidate is not a face. */
const minMeshScore = 0.5;
const nmsIou = 0.3;
/** Faces analysed in one photo at most: a crowd is reported by its largest faces. */
const maxFaces = 20;
const alignedSize = 112;

type MeshFit = { mesh: Mesh; score: number };

function embeddingOf(m: ModelEntry): NonNullable<ModelEntry['embedding']> {
  if (!m.embedding) throw new Error(`face-embedding model ${m.id} has no embedding entry`);
  return m.embedding;
}

function one(models: readonly ModelEntry[], task: ModelEntry['task']): ModelEntry {
  const m = models.find((e) => e.task === task);
  if (!m) throw new Error(`the model manifest has no ${task} model`);
  return m;
}

/** The output whose per-item length is `length` (outputs are identified by shape, not by converter names). */
function outputOfLength(
  out: Record<string, Float32Array>,
  n: number,
  length: number,
): Float32Array | undefined {
  return Object.values(out).find((v) => v.length === n * length);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** A score that may come as a logit or as a probability, as a probability. */
const asProbability = (x: number) => (x < 0 || x > 1 ? sigmoid(x) : x);

class Pipeline implements FacePipeline {
  readonly embeddingModels: { id: string; sha256: string; dim: number }[];
  readonly stageMs: Record<Stage, number> = { decode: 0, detect: 0, mesh: 0, align: 0, embed: 0 };
  private readonly detector: ModelEntry;
  private readonly meshModel: ModelEntry;
  private readonly irisModel: ModelEntry;
  private readonly embedders: ModelEntry[];
  private readonly anchors: Point[];

  constructor(private readonly inference: Inference) {
    this.detector = one(inference.models, 'face-detection');
    this.meshModel = one(inference.models, 'face-landmarks');
    this.irisModel = one(inference.models, 'iris-landmarks');
    this.embedders = inference.models.filter((m) => m.task === 'face-embedding');
    this.embeddingModels = this.embedders.map((m) => ({
      id: m.id,
      sha256: m.sha256,
      dim: embeddingOf(m).dim,
    }));
    this.anchors = blazeFaceAnchors(this.detector.input.width);
  }

  get provider(): string {
    return this.inference.provider;
  }

  private async timed<T>(stage: Stage, work: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.stageMs[stage] += performance.now() - t0;
    }
  }

  async analyze(input: { file: string; bytes?: Buffer }): Promise<PhotoAnalysis> {
    const { file } = input;
    const img = await this.timed('decode', async () => decodePhoto(file, await readPhoto(file, input.bytes)));
    const pyramid = new Pyramid(img);
    let meshes = await this.findFaces(pyramid, [0]);
    // Nothing upright: a baby lying on its side, a tilted head, a photo stored upside down without EXIF
    // orientation. The detector tolerates about 20 degrees of tilt: look again in eighth turns.
    if (meshes.length === 0)
      meshes = await this.findFaces(pyramid, [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5], secondLookScore);
    const faces = await this.timed('align', () => meshes.map((m) => this.describe(pyramid, m)));
    const primary = choosePrimary(faces, img.width, img.height);
    let aligned: Buffer | null = null;
    const face = primary === null ? undefined : faces[primary];
    if (face) {
      face.embeddings = await this.timed('embed', () => this.embed(pyramid, face.points5));
      aligned = await this.timed('align', () =>
        cropToPng(alignedCrops(pyramid, face.points5, alignedSize, false), alignedSize),
      );
    }
    return { file, width: img.width, height: img.height, faces, primary, aligned };
  }

  private async findFaces(
    pyramid: Pyramid,
    turns: number[],
    minScore = minDetectorScore,
  ): Promise<MeshFit[]> {
    const detections = await this.timed('detect', () => this.detect(pyramid, turns, minScore));
    return this.timed('mesh', () => this.landmarks(pyramid, detections));
  }

  /** Detections in views of the photo turned by each of `turns` quarter turns. */
  private async detect(pyramid: Pyramid, turns: number[], minScore: number): Promise<Detection[]> {
    const size = this.detector.input.width;
    const { pixels, toImage } = detectorInputs(pyramid, size, turns);
    const n = toImage.length;
    const out = await this.inference.run(this.detector.id, pixels, n);
    const [scores, regressors] = blazeFaceOutputs(out, n, this.anchors.length);
    const found: Detection[] = [];
    const perItem = this.anchors.length;
    toImage.forEach((m, i) => {
      found.push(
        ...decodeBlazeFace(
          scores.subarray(i * perItem, (i + 1) * perItem),
          regressors.subarray(i * perItem * 16, (i + 1) * perItem * 16),
          this.anchors,
          m,
          minScore,
        ),
      );
    });
    return weightedNms(found, nmsIou)
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
      .slice(0, maxFaces);
  }

  /** Runs the mesh twice: from the detector's box, then from the first mesh's own box (MediaPipe's tracking step). */
  private async landmarks(pyramid: Pyramid, detections: Detection[]): Promise<MeshFit[]> {
    if (detections.length === 0) return [];
    const size = this.meshModel.input.width;
    const rois = detections.map((d) => roiFromDetection(d, size));
    // The detector can take an upside-down face for an upright one: the mesh's face score decides which way
    // up it is (about 1.000 upright against 0.995 upside down), at the cost of one more mesh run.
    const both = await this.runMesh(pyramid, [...rois, ...rois.map((m) => halfTurned(m, size))]);
    const first = rois.map((_, i) => {
      const [m, t] = [both[i], both[i + rois.length]] as [MeshFit, MeshFit];
      return t.score > m.score ? t : m;
    });
    const confirmed = first.filter((m) => m.score >= minMeshScore);
    if (confirmed.length === 0) return [];
    const second = await this.runMesh(
      pyramid,
      confirmed.map((m) => roiFromMesh(m.mesh, size)),
    );
    return this.irises(pyramid, dedupe(second.filter((m) => m.score >= minMeshScore)));
  }

  /** Both eyes of every face in one run of the iris model; the irises are appended to each mesh. */
  private async irises(pyramid: Pyramid, fits: MeshFit[]): Promise<MeshFit[]> {
    if (fits.length === 0) return fits;
    const size = this.irisModel.input.width;
    const plane = size * size * 3;
    const crops = fits.map((f) => eyeCrops(f.mesh, size));
    const pixels = new Float32Array(plane * 2 * fits.length);
    crops.flat().forEach((m, i) => warpInto(pyramid, m, size, size, pixels, i * plane));
    const out = outputOfLength(
      await this.inference.run(this.irisModel.id, pixels, 2 * fits.length),
      2 * fits.length,
      irisOutputLength,
    );
    if (!out) throw new Error(`iris model ${this.irisModel.id}: unexpected outputs`);
    return fits.map((f, i) => ({
      ...f,
      mesh: withIrises(f.mesh, out, i * 2 * irisOutputLength, crops[i] as [Affine, Affine]),
    }));
  }

  private async runMesh(pyramid: Pyramid, rois: Affine[]): Promise<MeshFit[]> {
    const size = this.meshModel.input.width;
    const plane = size * size * 3;
    const pixels = new Float32Array(plane * rois.length);
    rois.forEach((m, i) => warpInto(pyramid, m, size, size, pixels, i * plane));
    const out = await this.inference.run(this.meshModel.id, pixels, rois.length);
    const points = outputOfLength(out, rois.length, meshPoints * 3);
    const flags = outputOfLength(out, rois.length, 1);
    if (!points || !flags) throw new Error(`mesh model ${this.meshModel.id}: unexpected outputs`);
    return rois.map((m, i) => ({
      mesh: meshToImage(points, i * meshPoints * 3, meshPoints, m),
      score: asProbability(flags[i] ?? 0),
    }));
  }

  private describe(pyramid: Pyramid, { mesh, score }: MeshFit): DetectedFace {
    const points5 = fivePoints(mesh);
    const crop = alignedCrops(pyramid, points5, alignedSize, false);
    return {
      box: meshBox(mesh),
      score,
      points5,
      mesh: Array.from(mesh),
      quality: assessQuality(mesh, interocular(points5), crop, alignedSize),
      measurements: eyeMeasurements(mesh),
      embeddings: {},
    };
  }

  /** Every embedding model at once (on separate workers where there are several). */
  private async embed(pyramid: Pyramid, points5: Point[]): Promise<Record<string, Float32Array>> {
    const vectors = await Promise.all(
      this.embedders.map(async (model) => {
        const { output, dim } = embeddingOf(model);
        const pixels = alignedCrops(pyramid, points5, model.input.width, true);
        const out = (await this.inference.run(model.id, pixels, 2))[output];
        if (!out || out.length !== 2 * dim)
          throw new Error(`embedding model ${model.id}: output ${output} is not 2x${dim}`);
        return [model.id, flipAverage(out, dim)] as const;
      }),
    );
    return Object.fromEntries(vectors);
  }

  close(): Promise<void> {
    return this.inference.close();
  }
}

/** The same square crop turned upside down. */
function halfTurned(m: Affine, size: number): Affine {
  return {
    a: -m.a,
    b: -m.b,
    c: m.a * size + m.b * size + m.c,
    d: -m.d,
    e: -m.e,
    f: m.d * size + m.e * size + m.f,
  };
}

/** Sorts BlazeFace outputs into per-anchor logits and regressors (16 a anchor), the 16x16 grid first. */
function blazeFaceOutputs(
  out: Record<string, Float32Array>,
  n: number,
  anchors: number,
): [Float32Array, Float32Array] {
  const fine = 512;
  const coarse = anchors - fine;
  const whole = [outputOfLength(out, n, anchors), outputOfLength(out, n, anchors * 16)] as const;
  if (whole[0] && whole[1]) return [whole[0], whole[1]];
  const [s1, s2, r1, r2] = [fine, coarse, fine * 16, coarse * 16].map((len) => outputOfLength(out, n, len));
  if (!s1 || !s2 || !r1 || !r2)
    throw new Error('face detector: unexpected outputs ' + Object.keys(out).join(', '));
  const scores = new Float32Array(n * anchors);
  const regs = new Float32Array(n * anchors * 16);
  for (let i = 0; i < n; i++) {
    scores.set(s1.subarray(i * fine, (i + 1) * fine), i * anchors);
    scores.set(s2.subarray(i * coarse, (i + 1) * coarse), i * anchors + fine);
    regs.set(r1.subarray(i * fine * 16, (i + 1) * fine * 16), i * anchors * 16);
    regs.set(r2.subarray(i * coarse * 16, (i + 1) * coarse * 16), (i * anchors + fine) * 16);
  }
  return [scores, regs];
}

function meshBox(mesh: Mesh): FaceBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < meshPoints; i++) {
    const [x, y] = meshPoint(mesh, i);
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/**
 * One face per place: a candidate mostly inside a larger one (the same face found twice, or a part of a face
 * taken for a face) is dropped.
 */
function dedupe<T extends { mesh: Mesh }>(faces: T[]): T[] {
  const kept: { face: T; box: FaceBox }[] = [];
  const area = (b: FaceBox) => b.width * b.height;
  const boxed = faces
    .map((face) => ({ face, box: meshBox(face.mesh) }))
    .sort((p, q) => area(q.box) - area(p.box));
  for (const c of boxed) if (kept.every((k) => overlapOfSmaller(k.box, c.box) < 0.5)) kept.push(c);
  return kept.map((k) => k.face);
}

/** `threads`: CPU inference workers, one thread each (default: the cores, at most 4). */
export async function openFacePipeline(opts?: {
  modelsDir?: string;
  threads?: number;
}): Promise<FacePipeline> {
  const inference = await openInferencePool(opts);
  try {
    return new Pipeline(inference);
  } catch (err) {
    await inference.close();
    throw err;
  }
}
