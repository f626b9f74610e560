import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module that holds FacePheno's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'facepheno') return dir;
    } catch {
      // not here; keep climbing
    }
    const up = dirname(dir);
    if (up === dir)
      throw new Error('FacePheno package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** FacePheno's version, stamped on every result users act on. */
export const appVersion: string = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;
