import type { Affine } from './geometry.js';

/** A decoded photo: 8-bit RGB, row-major, 3 bytes a pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Halves an image by 2x2 averaging (the odd last row/column is dropped). */
export function halve(img: RgbImage): RgbImage {
  const width = Math.max(1, img.width >> 1);
  const height = Math.max(1, img.height >> 1);
  const out = new Uint8Array(width * height * 3);
  const src = img.data;
  const stride = img.width * 3;
  for (let y = 0; y < height; y++) {
    const r0 = Math.min(2 * y, img.height - 1) * stride;
    const r1 = Math.min(2 * y + 1, img.height - 1) * stride;
    for (let x = 0; x < width; x++) {
      const c0 = Math.min(2 * x, img.width - 1) * 3;
      const c1 = Math.min(2 * x + 1, img.width - 1) * 3;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        out[o + k] =
          ((src[r0 + c0 + k] ?? 0) +
            (src[r0 + c1 + k] ?? 0) +
            (src[r1 + c0 + k] ?? 0) +
            (src[r1 + c1 + k] ?? 0) +
            2) >>
          2;
      }
    }
  }
  return { data: out, width, height };
}

/**
 * A photo with its 2x-halved copies, built on demand, so that a crop sampled at a strong reduction reads
 * from a level where bilinear sampling does not alias (a 4000-pixel photo into a 256-pixel detector input).
 */
export class Pyramid {
  private readonly levels: RgbImage[];

  constructor(readonly base: RgbImage) {
    this.levels = [base];
  }

  /** The level for a crop that takes `step` source pixels per output pixel, and its scale (2^level). */
  forStep(step: number): { img: RgbImage; scale: number } {
    let level = 0;
    while (step / 2 ** level > 2 && Math.min(this.at(level).width, this.at(level).height) > 32) level++;
    return { img: this.at(level), scale: 2 ** level };
  }

  private at(level: number): RgbImage {
    let img = this.levels[this.levels.length - 1] ?? this.base;
    while (this.levels.length <= level) this.levels.push((img = halve(img)));
    return this.levels[level] ?? img;
  }
}

/**
 * Samples an output image (size x size, RGB float 0..255) through `toImage`, the map from output pixel
 * centres to source pixel coordinates, with bilinear interpolation; outside the photo is black. Writes at
 * `offset` of `out` (n x H x W x 3 batches), mirrored left-right when `flip` is set.
 */
export function warpInto(
  pyramid: Pyramid,
  toImage: Affine,
  width: number,
  height: number,
  out: Float32Array,
  offset: number,
  flip = false,
): void {
  const step = Math.hypot(toImage.a, toImage.d);
  const { img, scale } = pyramid.forStep(step);
  // Pixel centres: output (x + 0.5) maps to source coordinate u, sampled at index u/scale - 0.5.
  const m: Affine = {
    a: toImage.a / scale,
    b: toImage.b / scale,
    c: toImage.c / scale - 0.5,
    d: toImage.d / scale,
    e: toImage.e / scale,
    f: toImage.f / scale - 0.5,
  };
  const { data, width: w, height: h } = img;
  for (let y = 0; y < height; y++) {
    // Source coordinates of this row's first pixel centre; each step right adds (a, d).
    const rowU = m.a * 0.5 + m.b * (y + 0.5) + m.c;
    const rowV = m.d * 0.5 + m.e * (y + 0.5) + m.f;
    for (let x = 0; x < width; x++) {
      const u = rowU + m.a * x;
      const v = rowV + m.d * x;
      const o = offset + (y * width + (flip ? width - 1 - x : x)) * 3;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
        out[o] = out[o + 1] = out[o + 2] = 0;
        continue;
      }
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const in0 = y0 >= 0;
      const in1 = y0 + 1 < h;
      const inL = x0 >= 0;
      const inR = x0 + 1 < w;
      const p00 = (y0 * w + x0) * 3;
      const p01 = p00 + 3;
      const p10 = p00 + w * 3;
      const p11 = p10 + 3;
      for (let k = 0; k < 3; k++) {
        out[o + k] =
          (in0 && inL ? w00 * (data[p00 + k] ?? 0) : 0) +
          (in0 && inR ? w01 * (data[p01 + k] ?? 0) : 0) +
          (in1 && inL ? w10 * (data[p10 + k] ?? 0) : 0) +
          (in1 && inR ? w11 * (data[p11 + k] ?? 0) : 0);
      }
    }
  }
}

/** Grey levels (BT.601 luma) of an n=1 float RGB crop. */
export function luma(rgb: Float32Array, offset: number, pixels: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const o = offset + i * 3;
    out[i] = 0.299 * (rgb[o] ?? 0) + 0.587 * (rgb[o + 1] ?? 0) + 0.114 * (rgb[o + 2] ?? 0);
  }
  return out;
}
