import { type Affine, type Point, applyAffine, cropToImage, distance, mean } from './geometry.js';
import type { Detection } from './detect.js';

/**
 * MediaPipe face mesh indices. "Right" and "left" are the subject's: in an unmirrored photo the subject's
 * right eye is on the image's left.
 */
export const meshIndex = {
  rightEye: [246, 161, 160, 159, 158, 157, 173, 33, 7, 163, 144, 145, 153, 154, 155, 133],
  leftEye: [466, 388, 387, 386, 385, 384, 398, 263, 249, 390, 373, 374, 380, 381, 382, 362],
  rightEyeOuter: 33,
  leftEyeOuter: 263,
  noseTip: 1,
  mouthRight: 61,
  mouthLeft: 291,
  forehead: 10,
  chin: 152,
} as const;

/** Points the mesh model predicts; iris refinement, where it runs, appends 10 more. */
export const meshPoints = 468;

/**
 * The 68 iBUG 300-W landmarks (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67) as points on the
 * mesh: each is [vertex a, vertex b, weight of a], the point a*w + b*(1-w). Fitted (`npm run eval:landmarks --
 * --fit`) on the 17 faces of facedata's dlib_example_scenes/training_with_face_landmarks.xml and checked on
 * the 25 of testing_with_face_landmarks.xml; a blend of two vertices follows the iBUG convention (the jaw on
 * the visible outline, eye corners a little inside the mesh's) better than any single vertex.
 */
export const ibug68FromMesh: readonly (readonly [number, number, number])[] = [
  // jaw, from the subject's right ear round the chin to the left ear
  [34, 227, 0.75],
  [227, 137, 0.5],
  [147, 137, 0.75],
  [215, 213, 0.5],
  [138, 138, 1],
  [136, 135, 0.75],
  [149, 150, 0.75],
  [176, 148, 0.5],
  [152, 148, 0.75],
  [377, 377, 1],
  [378, 400, 0.75],
  [379, 365, 0.5],
  [397, 364, 0.75],
  [288, 435, 0.5],
  [361, 366, 0.75],
  [454, 401, 0.75],
  [356, 356, 1],
  // right brow (outer to inner), left brow (inner to outer)
  [70, 139, 0.75],
  [63, 71, 0.75],
  [104, 223, 0.5],
  [69, 28, 0.5],
  [107, 221, 0.75],
  [336, 8, 0.75],
  [258, 337, 0.5],
  [295, 333, 0.5],
  [445, 333, 0.5],
  [300, 342, 0.75],
  // nose bridge top to tip, then the nostrils' lower edge from right to left
  [168, 122, 0.75],
  [197, 245, 0.75],
  [281, 174, 0.5],
  [51, 274, 0.5],
  [219, 75, 0.5],
  [99, 60, 0.5],
  [2, 141, 0.75],
  [328, 250, 0.5],
  [305, 455, 0.75],
  // right eye: outer corner, upper lid, inner corner, lower lid; then the left eye from its inner corner
  [7, 226, 0.75],
  [161, 159, 0.5],
  [158, 145, 0.75],
  [243, 153, 0.5],
  [145, 154, 0.75],
  [144, 144, 1],
  [382, 382, 1],
  [385, 384, 0.5],
  [259, 380, 0.5],
  [263, 373, 0.5],
  [373, 374, 0.75],
  [380, 384, 0.75],
  // outer lips from the right corner over the upper lip and back along the lower; then the inner lips
  [61, 57, 0.5],
  [40, 39, 0.75],
  [37, 73, 0.75],
  [11, 164, 0.75],
  [267, 0, 0.75],
  [269, 270, 0.75],
  [291, 306, 0.75],
  [405, 321, 0.5],
  [314, 16, 0.75],
  [17, 84, 0.75],
  [84, 182, 0.75],
  [91, 182, 0.75],
  [185, 146, 0.5],
  [72, 41, 0.5],
  [12, 11, 0.75],
  [268, 0, 0.75],
  [409, 325, 0.5],
  [317, 14, 0.75],
  [14, 85, 0.75],
  [178, 86, 0.5],
];

/** The 68 iBUG points of a mesh (x, y, z triples in image pixels). */
export function ibug68(mesh: ArrayLike<number>): Point[] {
  return ibug68FromMesh.map(([a, b, w]): Point => [
    w * (mesh[a * 3] ?? 0) + (1 - w) * (mesh[b * 3] ?? 0),
    w * (mesh[a * 3 + 1] ?? 0) + (1 - w) * (mesh[b * 3 + 1] ?? 0),
  ]);
}

/** Mesh points in image pixels: x, y, z, where z is depth on the same scale as x (nearer is negative). */
export type Mesh = Float32Array;

export const meshPoint = (mesh: Mesh, i: number): Point => [mesh[i * 3] ?? 0, mesh[i * 3 + 1] ?? 0];

/**
 * The square the mesh model looks at: centred on the face, enlarged 1.5x as MediaPipe does, and turned so
 * that the face is upright in it. `up` is a vector from the mouth towards the eyes.
 */
function roi(centre: Point, side: number, up: Point, inputSize: number): Affine {
  const angle = Math.atan2(up[0], -up[1]);
  return cropToImage(centre, side * 1.5, angle, inputSize);
}

/** The mesh crop for a detection: its box, turned by the line from its mouth point to its eyes. */
export function roiFromDetection(d: Detection, inputSize: number): Affine {
  const [rEye, lEye, , mouth] = d.keypoints as [Point, Point, Point, Point];
  const eyes = mean([rEye, lEye]);
  return roi(
    [d.box.x + d.box.width / 2, d.box.y + d.box.height / 2],
    Math.max(d.box.width, d.box.height),
    [eyes[0] - mouth[0], eyes[1] - mouth[1]],
    inputSize,
  );
}

/** The mesh crop from a previous mesh (MediaPipe's tracking step): tighter and better centred than the detector's. */
export function roiFromMesh(mesh: Mesh, inputSize: number): Affine {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const angle = eyeLineAngle(mesh);
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  // Bounds in the face's own upright frame, so that a tilted face does not inflate the box.
  for (let i = 0; i < meshPoints; i++) {
    const [x, y] = meshPoint(mesh, i);
    const u = cos * x - sin * y;
    const v = sin * x + cos * y;
    minX = Math.min(minX, u);
    maxX = Math.max(maxX, u);
    minY = Math.min(minY, v);
    maxY = Math.max(maxY, v);
  }
  const cu = (minX + maxX) / 2;
  const cv = (minY + maxY) / 2;
  const centre: Point = [
    Math.cos(angle) * cu - Math.sin(angle) * cv,
    Math.sin(angle) * cu + Math.cos(angle) * cv,
  ];
  return cropToImage(centre, Math.max(maxX - minX, maxY - minY) * 1.5, angle, inputSize);
}

/** The angle of the line from the subject's right eye corner to the left one (0 for an upright face). */
export function eyeLineAngle(mesh: Mesh): number {
  const [rx, ry] = meshPoint(mesh, meshIndex.rightEyeOuter);
  const [lx, ly] = meshPoint(mesh, meshIndex.leftEyeOuter);
  return Math.atan2(ly - ry, lx - rx);
}

/** Mesh model output (input-pixel x, y, z for each point) carried into image pixels through the crop map. */
export function meshToImage(raw: ArrayLike<number>, offset: number, count: number, toImage: Affine): Mesh {
  const scale = Math.hypot(toImage.a, toImage.d);
  const out = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const [x, y] = applyAffine(toImage, [raw[offset + i * 3] ?? 0, raw[offset + i * 3 + 1] ?? 0]);
    out[i * 3] = x;
    out[i * 3 + 1] = y;
    out[i * 3 + 2] = (raw[offset + i * 3 + 2] ?? 0) * scale;
  }
  return out;
}

/** The five alignment points in ArcFace order: right eye, left eye, nose tip, right and left mouth corner. */
export function fivePoints(mesh: Mesh): [Point, Point, Point, Point, Point] {
  const centre = (indices: readonly number[]) => mean(indices.map((i) => meshPoint(mesh, i)));
  return [
    centre(meshIndex.rightEye),
    centre(meshIndex.leftEye),
    meshPoint(mesh, meshIndex.noseTip),
    meshPoint(mesh, meshIndex.mouthRight),
    meshPoint(mesh, meshIndex.mouthLeft),
  ];
}

/** Inter-ocular distance (eye centres) in image pixels. */
export function interocular([rightEye, leftEye]: readonly [Point, Point, ...Point[]]): number {
  return distance(rightEye, leftEye);
}
