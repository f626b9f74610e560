import sharp from 'sharp';
import { decodePhoto } from '../face/decode.js';
import type { Point } from '../face/geometry.js';
import { ibug68, meshPoints } from '../face/landmarks.js';
import type { Sex } from '../../shared/api.js';
import { delaunay } from './delaunay.js';
import { generalisedProcrustes } from './procrustes.js';
import { arrow, escapeXml, svgDocument } from './svg.js';
import { accumulator, addWarped, averageImage } from './warp.js';

/** One face to average: its photo, its mesh there, and what controls are matched on. */
export interface FaceSource {
  patient: string;
  sex: Sex;
  ageYears: number | null;
  /** Mesh x, y, z per point in the photo's (EXIF-oriented) pixels. */
  mesh: Float32Array;
  photo: StoredPhoto;
}

/** A stored photo: its file (for messages) and its bytes, unsealed by the store that keeps it. */
export interface StoredPhoto {
  file: string;
  read(): Buffer;
}

/**
 * Controls matched to the cases one by one: same sex where both are known, then the closest age (a
 * missing age matches any), each control used once. Cases left without one are simply unmatched.
 */
export function matchControls(cases: readonly FaceSource[], pool: readonly FaceSource[]): FaceSource[] {
  const free = new Set(pool.map((_, i) => i));
  const matched: FaceSource[] = [];
  for (const c of cases) {
    let best = -1;
    let bestCost = Infinity;
    for (const i of free) {
      const p = pool[i] as FaceSource;
      const sexCost = c.sex !== 'unknown' && p.sex !== 'unknown' && c.sex !== p.sex ? 1000 : 0;
      const ageCost = c.ageYears === null || p.ageYears === null ? 50 : Math.abs(c.ageYears - p.ageYears);
      if (sexCost + ageCost < bestCost) {
        bestCost = sexCost + ageCost;
        best = i;
      }
    }
    if (best < 0) break;
    free.delete(best);
    matched.push(pool[best] as FaceSource);
  }
  return matched;
}

const shapeOf = (mesh: Float32Array): Point[] =>
  Array.from({ length: meshPoints }, (_, i): Point => [mesh[3 * i] as number, mesh[3 * i + 1] as number]);

function meanOf(shapes: readonly Point[][]): Point[] {
  return (shapes[0] as Point[]).map((_, i): Point => [
    shapes.reduce((s, a) => s + (a[i] as Point)[0], 0) / shapes.length,
    shapes.reduce((s, a) => s + (a[i] as Point)[1], 0) / shapes.length,
  ]);
}

export interface AverageFaces {
  title: string;
  cases: number;
  controls: number;
  size: number;
  /** PNGs: the cases' average, the controls' average, and the figure (both, and the displacement arrows). */
  casePng: Buffer;
  controlPng: Buffer;
  figurePng: Buffer;
  /** Mean landmark displacement, cases' mean shape minus controls', in canvas pixels (68 iBUG points). */
  displacement: { meanPx: number; maxPx: number; magnification: number };
  procrustesIterations: number;
}

/**
 * Average faces: all meshes aligned by generalised Procrustes; each group's mean shape placed on a
 * size x size canvas; each photo warped piecewise-affine (Delaunay triangles of the mean shape) onto its
 * group's mean shape and the warps averaged. The figure shows both averages and, on the controls', the
 * mean displacement of the 68 iBUG landmarks from the controls' mean shape to the cases', magnified.
 */
export async function averageFaces(
  title: string,
  cases: readonly FaceSource[],
  controls: readonly FaceSource[],
  size = 256,
): Promise<AverageFaces> {
  if (cases.length === 0) throw new Error(`no faces with landmarks to average for ${title}`);
  const all = [...cases, ...controls];
  const gpa = generalisedProcrustes(all.map((f) => shapeOf(f.mesh)));
  const xs = gpa.mean.map((p) => p[0]);
  const ys = gpa.mean.map((p) => p[1]);
  const scale =
    (0.86 * size) / Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const toCanvas = (shape: readonly Point[]) =>
    shape.map(([x, y]): Point => [size / 2 + (x - cx) * scale, size / 2 + (y - cy) * scale]);
  const triangles = delaunay(toCanvas(gpa.mean));
  const caseMean = toCanvas(meanOf(gpa.aligned.slice(0, cases.length)));
  const controlMean = controls.length ? toCanvas(meanOf(gpa.aligned.slice(cases.length))) : null;

  const render = async (faces: readonly FaceSource[], target: Point[]) => {
    const acc = accumulator(size, size);
    for (const f of faces) {
      const img = await decodePhoto(f.photo.file, f.photo.read());
      addWarped(acc, img, shapeOf(f.mesh), target, triangles);
    }
    return sharp(averageImage(acc), { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer();
  };
  const casePng = await render(cases, caseMean);
  const controlPng = controlMean ? await render(controls, controlMean) : await blank(size);

  // The 68 iBUG points, read off each mean shape as the face module reads them off a mesh.
  const asMesh = (shape: readonly Point[]) => shape.flatMap(([x, y]) => [x, y, 0]);
  const caseIbug = ibug68(asMesh(caseMean));
  const moves = controlMean
    ? ibug68(asMesh(controlMean)).map((a, i) => {
        const b = caseIbug[i] as Point;
        return { from: a, dx: b[0] - a[0], dy: b[1] - a[1] };
      })
    : [];
  const lengths = moves.map((m) => Math.hypot(m.dx, m.dy));
  const maxPx = lengths.length ? Math.max(...lengths) : 0;
  const meanPx = lengths.length ? lengths.reduce((s, v) => s + v, 0) / lengths.length : 0;
  // Magnified so the longest arrow is about 5% of the face, and the factor is printed on the figure.
  const magnification = maxPx > 0 ? Math.max(1, Math.min(20, Math.round((0.05 * size) / maxPx))) : 1;
  const figurePng = await figure(
    title,
    { casePng, controlPng, size, cases: cases.length, controls: controls.length },
    moves,
    magnification,
  );
  return {
    title,
    cases: cases.length,
    controls: controls.length,
    size,
    casePng,
    controlPng,
    figurePng,
    displacement: { meanPx, maxPx, magnification },
    procrustesIterations: gpa.iterations,
  };
}

function blank(size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
}

async function figure(
  title: string,
  p: { casePng: Buffer; controlPng: Buffer; size: number; cases: number; controls: number },
  moves: { from: Point; dx: number; dy: number }[],
  magnification: number,
): Promise<Buffer> {
  const { size } = p;
  const gap = 12;
  const top = 48;
  const width = 3 * size + 4 * gap;
  const height = size + top + 36;
  const text = (x: number, y: number, s: string, px = 14) =>
    `<text x="${x}" y="${y}" font-family="sans-serif" font-size="${px}" fill="#222">${escapeXml(s)}</text>`;
  const left = (k: number) => gap + k * (size + gap);
  const overlay = svgDocument(
    width,
    height,
    [
      text(gap, 20, title, 16),
      text(left(0), top - 8, `cases (n = ${p.cases})`),
      text(left(1), top - 8, `matched controls (n = ${p.controls})`),
      text(
        left(2),
        top - 8,
        moves.length ? `cases vs controls, x${magnification}` : 'no controls to compare',
      ),
      ...moves.map((m) =>
        arrow(
          left(2) + m.from[0],
          top + m.from[1],
          left(2) + m.from[0] + magnification * m.dx,
          top + m.from[1] + magnification * m.dy,
          '#d00000',
          1.4,
        ),
      ),
      text(
        gap,
        height - 12,
        'Procrustes-aligned mesh landmarks; photos warped piecewise-affine onto each mean shape',
        12,
      ),
    ].join(''),
  );
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: p.casePng, left: left(0), top },
      { input: p.controlPng, left: left(1), top },
      { input: p.controlPng, left: left(2), top },
      { input: Buffer.from(overlay), left: 0, top: 0 },
    ])
    .png()
    .toBuffer();
}
