import { luma } from './image.js';
import { type Mesh, eyeLineAngle, meshIndex } from './landmarks.js';

export interface Pose {
  /** Degrees; positive when the face turns towards the subject's left (the image's right). */
  yaw: number;
  /** Degrees; positive when the subject looks up. */
  pitch: number;
  /** Degrees; positive when the eye line runs down towards the image's right. */
  roll: number;
}

const degrees = (rad: number) => (rad * 180) / Math.PI;

/**
 * Head pose from the mesh's 3-D points, after taking out the in-plane tilt: yaw from the depth difference
 * between the outer eye corners, pitch from the depth difference between forehead and chin.
 */
export function poseFromMesh(mesh: Mesh): Pose {
  const roll = eyeLineAngle(mesh);
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const upright = (i: number): [number, number, number] => {
    const x = mesh[i * 3] ?? 0;
    const y = mesh[i * 3 + 1] ?? 0;
    return [cos * x - sin * y, sin * x + cos * y, mesh[i * 3 + 2] ?? 0];
  };
  const r = upright(meshIndex.rightEyeOuter);
  const l = upright(meshIndex.leftEyeOuter);
  const top = upright(meshIndex.forehead);
  const chin = upright(meshIndex.chin);
  return {
    yaw: degrees(Math.atan2(l[2] - r[2], l[0] - r[0])),
    pitch: degrees(Math.atan2(top[2] - chin[2], chin[1] - top[1])),
    roll: degrees(roll),
  };
}

/** Sharpness: variance of the 4-neighbour Laplacian of the grey aligned face (inner part, away from the borders). */
export function laplacianVariance(grey: Float32Array, size: number): number {
  const margin = Math.round(size * 0.15);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = margin; y < size - margin; y++) {
    for (let x = margin; x < size - margin; x++) {
      const i = y * size + x;
      const lap =
        (grey[i - 1] ?? 0) +
        (grey[i + 1] ?? 0) +
        (grey[i - size] ?? 0) +
        (grey[i + size] ?? 0) -
        4 * (grey[i] ?? 0);
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const m = sum / n;
  return sumSq / n - m * m;
}

/** Mean brightness of the inner face, 0 (black) .. 1 (white). */
export function exposure(grey: Float32Array, size: number): number {
  const lo = Math.round(size * 0.25);
  const hi = size - lo;
  let sum = 0;
  for (let y = lo; y < hi; y++) for (let x = lo; x < hi; x++) sum += grey[y * size + x] ?? 0;
  return sum / ((hi - lo) * (hi - lo) * 255);
}

/** Limits behind the readable flags; the numbers are reported beside them. */
export const qualityLimits = {
  smallFacePx: 40,
  yawDeg: 25,
  pitchDeg: 25,
  rollDeg: 30,
  blur: 40,
  dark: 0.2,
  bright: 0.85,
} as const;

export interface Quality extends Pose {
  interocularPx: number;
  blur: number;
  exposure: number;
  flags: string[];
}

/** Quality of one face from its mesh, eye distance and grey aligned crop (size x size RGB float). */
export function assessQuality(
  mesh: Mesh,
  interocularPx: number,
  alignedRgb: Float32Array,
  size: number,
): Quality {
  const pose = poseFromMesh(mesh);
  const grey = luma(alignedRgb, 0, size * size);
  const blur = laplacianVariance(grey, size);
  const bright = exposure(grey, size);
  const flags: string[] = [];
  if (interocularPx < qualityLimits.smallFacePx) flags.push('small face');
  if (Math.abs(pose.yaw) > qualityLimits.yawDeg) flags.push(pose.yaw > 0 ? 'turned left' : 'turned right');
  if (pose.pitch > qualityLimits.pitchDeg) flags.push('looking up');
  if (pose.pitch < -qualityLimits.pitchDeg) flags.push('looking down');
  if (Math.abs(pose.roll) > qualityLimits.rollDeg) flags.push('head tilted');
  if (blur < qualityLimits.blur) flags.push('blurred');
  if (bright < qualityLimits.dark) flags.push('underexposed');
  if (bright > qualityLimits.bright) flags.push('overexposed');
  return { interocularPx, ...pose, blur, exposure: bright, flags };
}
