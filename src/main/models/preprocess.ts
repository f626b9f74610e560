import type { ModelEntry } from './manifest.js';

/**
 * n x H x W x 3 RGB pixels (0..255) -> the model's input tensor: colour order, per-channel
 * `pixel * scale + offset`, and layout, all as the manifest says.
 */
export function toModelInput(input: ModelEntry['input'], pixels: Float32Array, n: number): Float32Array {
  const { height, width, scale, offset } = input;
  const hw = height * width;
  const out = new Float32Array(n * hw * 3);
  const nchw = input.layout === 'NCHW';
  for (let c = 0; c < 3; c++) {
    const src = input.colorOrder === 'RGB' ? c : 2 - c;
    const s = scale[c] as number;
    const o = offset[c] as number;
    for (let b = 0; b < n; b++) {
      const base = b * hw;
      for (let p = 0; p < hw; p++) {
        const v = (pixels[(base + p) * 3 + src] as number) * s + o;
        out[nchw ? (b * 3 + c) * hw + p : (base + p) * 3 + c] = v;
      }
    }
  }
  return out;
}

export function inputDims(input: ModelEntry['input'], n: number): number[] {
  return input.layout === 'NCHW' ? [n, 3, input.height, input.width] : [n, input.height, input.width, 3];
}
