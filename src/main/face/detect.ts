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
 * The detector's input batch, one view per margin and turn, so that a face that fills a tight crop is also
 * seen at a size the detector was trained on (and, turned by `turns` quarter turns, a face lying on its
 * side or upside down is seen upright); and, for each view, the map from input pixels to photo pixels.
 */
export function detectorInputs(
  pyramid: Pyramid,
  inputSize: number,
  turns: readonly number[] = [0],
): { pixels: Float32Array; toImage: Affine[] } {
  const { width, height } = pyramid.base;
  const centre: Point = [width / 2, height / 2];
  const side = Math.max(width, height);
  const plane = inputSize * inputSize * 3;
  const views = turns.flatMap((turn) => detectorMargins.map((margin) => ({ turn, margin })));
  const pixels = new Float32Array(plane * views.length);
  const toImage = views.map(({ turn, margin }, i) => {
    const m = cropToImage(centre, side * margin, (turn * Math.PI) / 2, inputSize);
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
      [cx - r(2) / 2, cy - r(3) / 2],
      [cx + r(2) / 2, cy - r(3) / 2],
      [cx - r(2) / 2, cy + r(3) / 2],
      [cx + r(2) / 2, cy + r(3) / 2],
    ].map((p) => applyAffine(toImage, p as Point));
    const xs = corners.map((p) => p[0]);
    const ys = corners.map((p) => p[1]);
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push(applyAffine(toImage, [ax + r(4 + 2 * k), ay + r(5 + 2 * k)]));
    out.push({
      box: {
        x: Math.min(...xs),
        y: Math.min(...ys),
        width: Math.max(...xs) - Math.min(...xs),
        height: Math.max(...ys) - Math.min(...ys),
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

/** Direction from the mouth keypoint to the eyes' midpoint, in radians (image axes). */
function upAngle(d: Detection): number {
  const [r, l, , mouth] = d.keypoints;
  if (!r || !l || !mouth) return 0;
  return Math.atan2((r[1] + l[1]) / 2 - mouth[1], (r[0] + l[0]) / 2 - mouth[0]);
}

/**
 * MediaPipe's weighted non-maximum suppression: each cluster of overlapping detections becomes one, its box
 * and keypoints the score-weighted mean of the cluster, its score the best one. Steadier than plain NMS.
 * Detections from views turned differently can see one face in different orientations: only those that
 * agree with the best one (within 45 degrees) are averaged, the others are suppressed.
 */
export function weightedNms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  let remaining = [...detections].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (let best = remaining[0]; best; best = remaining[0]) {
    const first = best;
    const overlapping = remaining.filter((d) => iou(d.box, first.box) > iouThreshold);
    remaining = remaining.filter((d) => iou(d.box, first.box) <= iouThreshold);
    // The orientation with the most score behind it wins, then the best detection holding it leads.
    const agreeing = (a: Detection) =>
      overlapping.filter((d) => {
        const turn = upAngle(d) - upAngle(a);
        return Math.abs(Math.atan2(Math.sin(turn), Math.cos(turn))) < Math.PI / 4;
      });
    const support = (a: Detection) => agreeing(a).reduce((sum, d) => sum + d.score, 0);
    const leader = overlapping.reduce((p, q) => (support(q) > support(p) ? q : p), first);
    const cluster = agreeing(leader);
    let total = 0;
    const box = { x: 0, y: 0, width: 0, height: 0 };
    const keypoints: Point[] = leader.keypoints.map(() => [0, 0]);
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
      score: leader.score,
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
