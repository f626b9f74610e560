import sharp from 'sharp';
import { alignedCrops } from '../face/align.js';
import { flipAverage } from '../face/embed.js';
import type { Point } from '../face/geometry.js';
import { Pyramid, type RgbImage } from '../face/image.js';
import type { Inference, ModelEntry } from '../models/inference.js';
import { type GalleryIndex, rankByNearestCases } from '../match/nearest.js';

export interface OcclusionOptions {
  /** Patch side and stride as shares of the aligned face (16 and 8 pixels of 112 by default). */
  patch?: number;
  stride?: number;
  /** Occluded crops per inference call. */
  batch?: number;
  /** The grey the patch is filled with (0..255). */
  grey?: number;
}

export interface OcclusionMap {
  label: string;
  /** The patient's score for the label (mean similarity of its closest gallery patients), unoccluded. */
  baseline: number;
  /** The aligned face's side, in pixels of the model input. */
  size: number;
  /** Per pixel of the aligned face: the mean drop of the score when a patch covering it is grey. */
  drop: Float32Array;
  patches: number;
  /** The aligned face itself, PNG. */
  face: Buffer;
}

const defaults = { patch: 16 / 112, stride: 8 / 112, batch: 32, grey: 128 };

/**
 * Occlusion sensitivity (Zeiler and Fergus) of a patient's score for one label: a grey patch slides over
 * the aligned face; each occluded crop (and its mirror image, as the pipeline embeds every face) is
 * re-embedded and re-scored against the gallery; a pixel's value is the mean score drop of the patches
 * that cover it. Positive: the region makes the face look like the label.
 */
export async function occlusionMap(
  inference: Inference,
  model: ModelEntry,
  photo: RgbImage,
  points5: readonly Point[],
  gallery: GalleryIndex,
  target: { label: string; excludePatient?: string },
  options: OcclusionOptions = {},
): Promise<OcclusionMap> {
  const o = { ...defaults, ...options };
  const embedding = model.embedding;
  if (!embedding) throw new Error(`model ${model.id} is not a face-embedding model`);
  const size = model.input.width;
  const plane = size * size * 3;
  const pair = alignedCrops(new Pyramid(photo), points5, size, true);
  const patch = Math.max(2, Math.round(o.patch * size));
  const stride = Math.max(1, Math.round(o.stride * size));
  const starts: number[] = [];
  for (let s = 0; s + patch <= size; s += stride) starts.push(s);
  if (starts[starts.length - 1] !== size - patch) starts.push(size - patch);
  const positions = starts.flatMap((y) => starts.map((x) => [x, y] as const));

  const score = (vector: Float32Array) =>
    rankByNearestCases(gallery, [vector], { excludePatient: target.excludePatient }).find(
      (s) => s.label === target.label,
    )?.score;
  const embed = async (pixels: Float32Array, n: number) => {
    const out = (await inference.run(model.id, pixels, 2 * n))[embedding.output];
    if (!out || out.length !== 2 * n * embedding.dim)
      throw new Error(
        `embedding model ${model.id}: output ${embedding.output} is not ${2 * n}x${embedding.dim}`,
      );
    return Array.from({ length: n }, (_, i) =>
      flipAverage(out.subarray(2 * i * embedding.dim, 2 * (i + 1) * embedding.dim), embedding.dim),
    );
  };
  const baseline = score(((await embed(pair, 1)) as Float32Array[])[0] as Float32Array);
  if (baseline === undefined)
    throw new Error(`the gallery has no '${target.label}' patients to score against`);

  const sum = new Float64Array(size * size);
  const cover = new Uint32Array(size * size);
  for (let b = 0; b < positions.length; b += o.batch) {
    const chunk = positions.slice(b, b + o.batch);
    const pixels = new Float32Array(chunk.length * 2 * plane);
    chunk.forEach(([x, y], i) => {
      pixels.set(pair, i * 2 * plane);
      // The mirror image is occluded at the mirrored place, so both views lose the same part of the face.
      greyOut(pixels, i * 2 * plane, size, x, y, patch, o.grey);
      greyOut(pixels, (i * 2 + 1) * plane, size, size - x - patch, y, patch, o.grey);
    });
    const vectors = await embed(pixels, chunk.length);
    chunk.forEach(([x, y], i) => {
      const drop = baseline - (score(vectors[i] as Float32Array) ?? baseline);
      for (let yy = y; yy < y + patch; yy++)
        for (let xx = x; xx < x + patch; xx++) {
          sum[yy * size + xx] = (sum[yy * size + xx] as number) + drop;
          cover[yy * size + xx] = (cover[yy * size + xx] as number) + 1;
        }
    });
  }
  const drop = Float32Array.from(sum, (s, i) => (cover[i] ? s / (cover[i] as number) : 0));
  const face = await sharp(Buffer.from(Uint8ClampedArray.from(pair.subarray(0, plane))), {
    raw: { width: size, height: size, channels: 3 },
  })
    .png()
    .toBuffer();
  return { label: target.label, baseline, size, drop, patches: positions.length, face };
}

function greyOut(
  px: Float32Array,
  offset: number,
  size: number,
  x0: number,
  y0: number,
  patch: number,
  grey: number,
) {
  for (let y = y0; y < y0 + patch; y++)
    px.fill(grey, offset + (y * size + x0) * 3, offset + (y * size + x0 + patch) * 3);
}

/**
 * The map over the face: red where greying the region lowers the score (it looks like the label there),
 * blue where it raises it; opacity grows with the size of the change, relative to the largest.
 */
export async function occlusionOverlay(map: OcclusionMap, side = 336): Promise<Buffer> {
  const { size, drop } = map;
  const peak = Math.max(1e-9, ...Array.from(drop, Math.abs));
  const rgba = Buffer.alloc(size * size * 4);
  drop.forEach((v, i) => {
    const t = v / peak;
    rgba[i * 4] = t > 0 ? 220 : 30;
    rgba[i * 4 + 1] = 40;
    rgba[i * 4 + 2] = t > 0 ? 30 : 220;
    rgba[i * 4 + 3] = Math.round(200 * Math.min(1, Math.abs(t)));
  });
  const heat = await sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
    .resize(side, side, { kernel: 'cubic' })
    .png()
    .toBuffer();
  return sharp(map.face)
    .resize(side, side, { kernel: 'cubic' })
    .composite([{ input: heat }])
    .png()
    .toBuffer();
}
