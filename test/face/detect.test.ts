import { describe, expect, it } from 'vitest';
import {
  type Detection,
  blazeFaceAnchors,
  choosePrimary,
  decodeBlazeFace,
  iou,
  weightedNms,
} from '../../src/main/face/detect.js';
import { ibug68, ibug68FromMesh, roiFromDetection } from '../../src/main/face/landmarks.js';
import { applyAffine } from '../../src/main/face/geometry.js';
import { flipAverage } from '../../src/main/face/embed.js';

describe('BlazeFace decoding', () => {
  const anchors = blazeFaceAnchors(256);

  it('lays out 896 anchors: 16x16 cells of 2, then 8x8 of 6', () => {
    expect(anchors).toHaveLength(896);
    expect(anchors[0]).toEqual([8, 8]);
    expect(anchors[1]).toEqual([8, 8]);
    expect(anchors[2]).toEqual([24, 8]);
    expect(anchors[512]).toEqual([16, 16]);
    expect(anchors[895]).toEqual([240, 240]);
  });

  it('decodes a box and keypoints around its anchor, into photo pixels', () => {
    const scores = new Float32Array(896).fill(-10);
    const regs = new Float32Array(896 * 16);
    const i = 600; // an 8x8-grid anchor
    scores[i] = 3;
    regs.set([2, -4, 40, 50, -10, -10, 10, -10, 0, 5, 0, 15, -20, 0, 20, 0], i * 16);
    const halfScale = { a: 0.5, b: 0, c: 100, d: 0, e: 0.5, f: 0 };
    const [d] = decodeBlazeFace(scores, regs, anchors, halfScale, 0.5);
    if (!d) throw new Error('no detection');
    const [ax, ay] = anchors[i] ?? [NaN, NaN];
    expect(d.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 6);
    expect(d.box).toEqual({ x: 100 + (ax + 2 - 20) / 2, y: (ay - 4 - 25) / 2, width: 20, height: 25 });
    expect(d.keypoints[0]).toEqual([100 + (ax - 10) / 2, (ay - 10) / 2]);
    expect(decodeBlazeFace(scores, regs, anchors, halfScale, 0.99)).toHaveLength(0);
  });

  it('merges overlapping detections by score-weighted mean and keeps separate faces apart', () => {
    const det = (x: number, score: number): Detection => ({
      box: { x, y: 0, width: 10, height: 10 },
      score,
      keypoints: [[x, 0]],
    });
    const kept = weightedNms([det(0, 0.9), det(2, 0.3), det(50, 0.8)], 0.3);
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.8]);
    expect(kept.map((d) => d.box.x)).toEqual([expect.closeTo((0.9 * 0 + 0.3 * 2) / 1.2, 9), 50]);
    expect(iou(det(0, 1).box, det(5, 1).box)).toBeCloseTo(50 / 150, 9);
  });

  it('lets the orientation with the most detector score behind it lead a cluster', () => {
    const at = (score: number, upsideDown: boolean): Detection => ({
      box: { x: 0, y: 0, width: 10, height: 10 },
      score,
      // eyes, eyes, nose, mouth: the mouth below the eyes, or above them when upside down
      keypoints: upsideDown
        ? [
            [7, 7],
            [3, 7],
            [5, 5],
            [5, 3],
          ]
        : [
            [3, 3],
            [7, 3],
            [5, 5],
            [5, 7],
          ],
    });
    const [d] = weightedNms([at(0.9, true), at(0.8, false), at(0.7, false)], 0.3);
    expect(d?.score).toBe(0.8);
    expect(d?.keypoints[3]?.[1]).toBeCloseTo(7, 9);
  });

  it('turns the mesh crop so that the face is upright in it', () => {
    // A face lying on its side: eyes to the right of the mouth.
    const d: Detection = {
      box: { x: 0, y: 0, width: 100, height: 100 },
      score: 1,
      keypoints: [
        [70, 30],
        [70, 70],
        [60, 50],
        [30, 50],
        [0, 0],
        [0, 0],
      ],
    };
    const m = roiFromDetection(d, 192);
    const top = applyAffine(m, [96, 0]);
    const bottom = applyAffine(m, [96, 192]);
    expect(top[0]).toBeGreaterThan(bottom[0]); // the crop's top is towards the eyes
    expect(Math.hypot(top[0] - bottom[0], top[1] - bottom[1])).toBeCloseTo(150, 6);
  });
});

describe('face choice and embeddings', () => {
  it('prefers the largest face, and the central one when sizes are close', () => {
    const box = (x: number, y: number, s: number) => ({ box: { x, y, width: s, height: s } });
    expect(choosePrimary([box(0, 0, 50), box(200, 200, 100)], 500, 500)).toBe(1);
    expect(choosePrimary([box(0, 0, 100), box(200, 200, 95)], 500, 500)).toBe(1);
    expect(choosePrimary([], 500, 500)).toBeNull();
  });

  it('averages the original and mirrored embedding into a unit vector', () => {
    const v = flipAverage(new Float32Array([3, 4, 0, 0, 0, 2]), 3);
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    const s = Math.SQRT1_2;
    expect(Array.from(v)).toEqual(
      [0.6 * s, 0.8 * s, s].map((x) => expect.closeTo(x / Math.hypot(0.6 * s, 0.8 * s, s), 6)),
    );
  });

  it('maps the 68 iBUG landmarks onto blends of mesh vertices', () => {
    expect(ibug68FromMesh).toHaveLength(68);
    for (const [a, b, w] of ibug68FromMesh) {
      expect([a, b].every((v) => Number.isInteger(v) && v >= 0 && v < 468)).toBe(true);
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(1);
    }
    const mesh = Array.from({ length: 468 * 3 }, (_, i) => i);
    const [a, b, w] = ibug68FromMesh[0] ?? [0, 0, 1];
    expect(ibug68(mesh)[0]).toEqual([w * a * 3 + (1 - w) * b * 3, w * (a * 3 + 1) + (1 - w) * (b * 3 + 1)]);
  });
});
