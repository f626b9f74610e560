import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildModels } from '../../tools/models/build-models.js';
import type { Layout } from '../../tools/models/convert.js';
import { facedata } from '../support/paths.js';

/** Builds the converted models into a fresh temporary folder (the real converter, from the real package). */
export async function buildTestModels(
  ids?: string[] | 'all',
  layout: Layout = 'nchw',
): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'facepheno-models-'));
  await buildModels({ outDir: dir, layout, ids });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Real face photos from the shared evaluation set: tight 200x200 crops of children and adults. */
export const facePhotos = [
  facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg'),
  facedata('children_controls', '10_0_0_20170110224524253.jpg.chip.jpg'),
  facedata('children_controls', '10_0_0_20170110225227587.jpg.chip.jpg'),
];

/** A photo (or a region of it) as n=1 x H x W x 3 RGB floats 0..255. */
export async function pixels(
  file: string,
  size: { width: number; height: number },
  region?: { left: number; top: number; width: number; height: number },
): Promise<Float32Array> {
  let img = sharp(file).removeAlpha();
  if (region) img = img.extract(region);
  const raw = await img.resize(size.width, size.height, { fit: 'fill' }).raw().toBuffer();
  return Float32Array.from(raw);
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
