import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/paths.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared evaluation photos: ../shared/facedata beside the checkout, or FACEPHENO_FACEDATA. */
export const facedataDir = process.env.FACEPHENO_FACEDATA ?? resolve(repoRoot, '..', 'shared', 'facedata');

export function facedata(...parts: string[]): string {
  const path = join(facedataDir, ...parts);
  if (!existsSync(path)) throw new Error(`test photos missing: ${path} (set FACEPHENO_FACEDATA)`);
  return path;
}

/** The compiled command, as a user runs it (the test command builds first). */
export const cliPath = join(repoRoot, 'bin', 'facepheno.js');
