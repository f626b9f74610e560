import { type Affine, type Point, applyAffine, cropToImage } from './geometry.js';
import { type Pyramid, warpInto } from './image.js';

/** A BlazeFace detection in image pixels. */
export interface Detection {
  /** Axis-aligned box: x, y (top-left), width, height. */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** Six points: two eyes, nose tip, mouth centre, two ear tragions. */
  keypoints: Point[];
}

/** BlazeFace (back-camera, 256x256) anchor grid: 16x16 cells with 2 anchors, then 8x8 with 6, centres in input pixels. */
export function blazeFaceAnchors(inputSize: number): Point[] {
  const anchors: Point[] = [];
  for (const [stride, perCell] of [
    [inputSize / 16, 2],
    [inputSize / 8, 6],
  ] as const) {
    const cells = Math.ceil(inputSize / stride);
    for (let gy = 0; gy < cells; gy++)
      for (let gx = 0; gx < cells; gx++)
        for (let k = 0; k < perCell; k++) anchors.push([stride * (gx + 0.5), stride * (gy + 0.5)]);
  }
  return anchors;
}

/** Detector views: the photo letterboxed into a square, and again inside a wide black margin. */
export const detectorMargins = [1, 1.8] as const;

/**
 * The detector's input batch, one view per margin, so that a face that fills a tight crop is also seen at a
 * size the detector was trained on; and, for each view, the map from input pixels to photo pixels.
 */
export function detectorInputs(
  pyramid: Pyramid,
  inputSize: number,
): { pixels: Float32Array; toImage: Affine[] } {
  const { width, height } = pyramid.base;
  const centre: Point = [width / 2, height / 2];
  const side = Math.max(width, height);
  const plane = inputSize * inputSize * 3;
  const pixels = new Float32Array(plane * detectorMargins.length);
  const toImage = detectorMargins.map((margin, i) => {
    const m = cropToImage(centre, side * margin, 0, inputSize);
    warpInto(pyramid, m, inputSize, inputSize, pixels, i * plane);
    return m;
  });
  return { pixels, toImage };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

/**
 * Decodes raw BlazeFace outputs of one batch item. `scores` holds one logit per anchor and `regressors` 16
 * numbers per anchor (box centre offset, box size, six keypoint offsets, all in input pixels), in anchor order.
 */
export function decodeBlazeFace(
  scores: ArrayLike<number>,
  regressors: ArrayLike<number>,
  anchors: readonly Point[],
  toImage: Affine,
  minScore: number,
): Detection[] {
  const out: Detection[] = [];
  for (const [i, [ax, ay]] of anchors.entries()) {
    const score = sigmoid(scores[i] ?? 0);
    if (score < minScore) continue;
    const r = (k: number) => regressors[i * 16 + k] ?? 0;
    const cx = ax + r(0);
    const cy = ay + r(1);
    const corners = [
      applyAffine(toImage, [cx - r(2) / 2, cy - r(3) / 2]),
      applyAffine(toImage, [cx + r(2) / 2, cy + r(3) / 2]),
    ] as const;
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push(applyAffine(toImage, [ax + r(4 + 2 * k), ay + r(5 + 2 * k)]));
    out.push({
      box: {
        x: corners[0][0],
        y: corners[0][1],
        width: corners[1][0] - corners[0][0],
        height: corners[1][1] - corners[0][1],
      },
      score,
      keypoints,
    });
  }
  return out;
}

type Box = Detection['box'];

function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union. */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  return inter === 0 ? 0 : inter / (a.width * a.height + b.width * b.height - inter);
}

/** How much of the smaller box lies inside the other. */
export function overlapOfSmaller(a: Box, b: Box): number {
  const inter = intersection(a, b);
  return inter === 0 ? 0 : inter / Math.min(a.width * a.height, b.width * b.height);
}

/**
 * MediaPipe's weighted non-maximum suppression: each cluster of overlapping detections becomes one, its box
 * and keypoints the score-weighted mean of the cluster, its score the best one. Steadier than plain NMS.
 */
export function weightedNms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const remaining = [...detections].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (let best = remaining[0]; best; best = remaining[0]) {
    const cluster = remaining.filter((d) => iou(d.box, best.box) > iouThreshold);
    const rest = remaining.filter((d) => iou(d.box, best.box) <= iouThreshold);
    remaining.length = 0;
    remaining.push(...rest);
    let total = 0;
    const box = { x: 0, y: 0, width: 0, height: 0 };
    const keypoints: Point[] = best.keypoints.map(() => [0, 0]);
    for (const d of cluster) {
      total += d.score;
      box.x += d.score * d.box.x;
      box.y += d.score * d.box.y;
      box.width += d.score * d.box.width;
      box.height += d.score * d.box.height;
      d.keypoints.forEach(([x, y], k) => {
        const sum = keypoints[k];
        if (sum) keypoints[k] = [sum[0] + d.score * x, sum[1] + d.score * y];
      });
    }
    kept.push({
      box: { x: box.x / total, y: box.y / total, width: box.width / total, height: box.height / total },
      score: best.score,
      keypoints: keypoints.map(([x, y]) => [x / total, y / total]),
    });
  }
  return kept;
}

/** The primary face: the largest, preferring the central when sizes are close (area discounted by off-centre distance). */
export function choosePrimary(
  faces: readonly { box: Detection['box'] }[],
  width: number,
  height: number,
): number | null {
  let best: number | null = null;
  let bestValue = -Infinity;
  const halfDiagonal = Math.hypot(width, height) / 2;
  faces.forEach((f, i) => {
    const cx = f.box.x + f.box.width / 2;
    const cy = f.box.y + f.box.height / 2;
    const offCentre = Math.hypot(cx - width / 2, cy - height / 2) / halfDiagonal;
    const value = f.box.width * f.box.height * (1 - 0.5 * Math.min(1, offCentre));
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  });
  return best;
}
