/**
 * Landmark accuracy against 68-point iBUG ground truth in dlib's imglab XML (e.g. facedata's
 * frontal_varied/dlib_example_scenes/*_with_face_landmarks.xml): every ground-truth face is matched to a
 * detected face, the mesh points of `ibug68FromMesh` are compared with the 68 points, and errors are given
 * as a share of the inter-ocular distance (outer eye corners 36-45, the 300-W convention).
 *
 *   npm run eval:landmarks -- XML... [--json] [--fit]
 *
 * --fit also prints, for each of the 68 points, the mesh vertex with the least mean error on these faces:
 * how `ibug68FromMesh` was chosen (fit on the training XML, checked on the testing XML).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { iou } from '../../src/main/face/detect.js';
import { ibug68 } from '../../src/main/face/landmarks.js';
import { type DetectedFace, openFacePipeline } from '../../src/main/face/pipeline.js';

interface TruthFace {
  box: { x: number; y: number; width: number; height: number };
  points: [number, number][];
}

/** Images and their annotated faces from an imglab XML file (boxes without 68 parts are skipped). */
function readImglab(xmlFile: string): { file: string; faces: TruthFace[] }[] {
  const xml = readFileSync(xmlFile, 'latin1');
  const images: { file: string; faces: TruthFace[] }[] = [];
  for (const img of xml.matchAll(/<image file='([^']+)'[^>]*>([\s\S]*?)<\/image>/g)) {
    const faces: TruthFace[] = [];
    for (const box of (img[2] ?? '').matchAll(
      /<box top='(-?\d+)' left='(-?\d+)' width='(\d+)' height='(\d+)'[^>]*>([\s\S]*?)<\/box>/g,
    )) {
      const points = [...(box[5] ?? '').matchAll(/<part name='(\d+)' x='(-?\d+)' y='(-?\d+)'\/>/g)].map(
        (p): [number, number] => [Number(p[2]), Number(p[3])],
      );
      if (points.length !== 68) continue;
      faces.push({
        box: { x: Number(box[2]), y: Number(box[1]), width: Number(box[3]), height: Number(box[4]) },
        points,
      });
    }
    images.push({ file: join(dirname(xmlFile), img[1] ?? ''), faces });
  }
  return images;
}

const regions: [string, number, number][] = [
  ['jaw', 0, 17],
  ['brows', 17, 27],
  ['nose', 27, 36],
  ['eyes', 36, 48],
  ['mouth', 48, 68],
];

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/**
 * For each of the 68 points, the mesh point with the least mean error on these faces (inter-ocular units):
 * the best single vertex, or a blend (weights 1/4, 1/2, 3/4) of two of the ten best vertices.
 */
function fitMapping(
  faces: readonly { mesh: number[]; truth: TruthFace; iod: number }[],
): [number, number, number][] {
  return Array.from({ length: 68 }, (_, k) => {
    const error = (a: number, b: number, w: number) =>
      meanOf(
        faces.map(({ mesh, truth, iod }) => {
          const [x, y] = truth.points[k] ?? [0, 0];
          const px = w * (mesh[a * 3] ?? 0) + (1 - w) * (mesh[b * 3] ?? 0);
          const py = w * (mesh[a * 3 + 1] ?? 0) + (1 - w) * (mesh[b * 3 + 1] ?? 0);
          return Math.hypot(px - x, py - y) / iod;
        }),
      );
    const singles = Array.from({ length: 468 }, (_, v) => ({ v, e: error(v, v, 1) }))
      .sort((p, q) => p.e - q.e)
      .slice(0, 10);
    let best: [number, number, number] = [singles[0]?.v ?? 0, singles[0]?.v ?? 0, 1];
    let bestError = singles[0]?.e ?? Infinity;
    for (const [i, p] of singles.entries())
      for (const q of singles.slice(i + 1))
        for (const w of [0.25, 0.5, 0.75]) {
          const e = error(p.v, q.v, w);
          if (e < bestError) [best, bestError] = [[p.v, q.v, w], e];
        }
    return best;
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { json: { type: 'boolean' }, fit: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: npm run eval:landmarks -- XML... [--json]');
    return 2;
  }
  const images = positionals.flatMap(readImglab);
  const pipeline = await openFacePipeline();
  const perFace: { file: string; error: number; byPoint: number[] }[] = [];
  const matchedFaces: { mesh: number[]; truth: TruthFace; iod: number }[] = [];
  let truthFaces = 0;
  const missed: string[] = [];
  try {
    for (const img of images) {
      const analysis = await pipeline.analyze({ file: img.file });
      for (const truth of img.faces) {
        truthFaces++;
        let best: DetectedFace | undefined;
        let bestIou = 0.2;
        for (const f of analysis.faces) {
          const overlap = iou(f.box, truth.box);
          if (overlap > bestIou) [best, bestIou] = [f, overlap];
        }
        if (!best?.mesh) {
          missed.push(`${img.file} face at ${truth.box.x},${truth.box.y}`);
          continue;
        }
        const mesh = best.mesh;
        const [ox, oy] = truth.points[36] ?? [0, 0];
        const [px, py] = truth.points[45] ?? [0, 0];
        const iod = Math.hypot(px - ox, py - oy);
        const mapped = ibug68(mesh);
        const byPoint = truth.points.map(([x, y], k) => {
          const [mx, my] = mapped[k] ?? [NaN, NaN];
          return Math.hypot(mx - x, my - y) / iod;
        });
        perFace.push({ file: img.file, error: meanOf(byPoint), byPoint });
        matchedFaces.push({ mesh, truth, iod });
      }
    }
  } finally {
    await pipeline.close();
  }
  const errors = perFace.map((f) => f.error).sort((a, b) => a - b);
  const report = {
    faces: truthFaces,
    matched: perFace.length,
    missed,
    mean_error_iod: meanOf(errors),
    median_error_iod: errors[Math.floor(errors.length / 2)] ?? NaN,
    worst_error_iod: errors[errors.length - 1] ?? NaN,
    by_region: Object.fromEntries(
      regions.map(([name, from, to]) => [
        name,
        meanOf(perFace.map((f) => meanOf(f.byPoint.slice(from, to)))),
      ]),
    ),
    by_point: Array.from({ length: 68 }, (_, k) => meanOf(perFace.map((f) => f.byPoint[k] ?? 0))),
  };
  if (values.fit) console.log(JSON.stringify({ fitted: fitMapping(matchedFaces) }));
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`${report.matched} of ${report.faces} annotated faces matched to a detected face`);
    for (const m of missed) console.log(`  missed: ${m}`);
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    console.log(
      `mean error ${pct(report.mean_error_iod)} of the inter-ocular distance (median ${pct(report.median_error_iod)}, worst face ${pct(report.worst_error_iod)})`,
    );
    console.log(
      Object.entries(report.by_region)
        .map(([r, e]) => `${r} ${pct(e)}`)
        .join(', '),
    );
  }
  return 0;
}

process.exitCode = await main();
