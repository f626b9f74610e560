import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openFacePipeline, type FacePipeline } from '../../src/main/face/pipeline.js';
import { Store } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';

/** A temporary folder; remove() deletes it. */
export function tempDir(prefix = 'facepheno-store-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new store in its own temporary folder. */
export function tempStore(): { store: Store; dir: string; file: string; remove: () => void } {
  const t = tempDir();
  const file = join(t.dir, 'cases.db');
  const store = Store.open(file, { osUser: 'test-user' });
  return {
    store,
    dir: t.dir,
    file,
    remove: () => {
      if (store.db.open) store.close();
      t.remove();
    },
  };
}

/** A synthetic photo without a face (a colour gradient with a seed-dependent tint), as JPEG bytes. */
export async function syntheticPhoto(seed: number, size = 64): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    raw[i * 3] = (i * 7 + seed * 31) % 256;
    raw[i * 3 + 1] = (Math.floor(i / size) * 3 + seed * 17) % 256;
    raw[i * 3 + 2] = (seed * 53) % 256;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .jpeg()
    .toBuffer();
}

/** The built face models: FACEPHENO_MODELS_DIR, else resources/models once `npm run models` has run. */
export function builtModelsDir(): string | undefined {
  const dir = process.env.FACEPHENO_MODELS_DIR ?? join(repoRoot, 'resources', 'models');
  return existsSync(join(dir, 'manifest.json')) ? dir : undefined;
}

/** A models folder for the real face pipeline: the built one, else a fresh build in a temporary folder. */
export async function testModelsDir(): Promise<{ dir: string; cleanup: () => void }> {
  const built = builtModelsDir();
  if (built) return { dir: built, cleanup: () => undefined };
  const { buildTestModels } = await import('../models/support.js');
  return buildTestModels();
}

/** The real face pipeline, opened on first use and shared by a test file; close() in afterAll. */
export function sharedPipeline(): { get: () => Promise<FacePipeline>; close: () => Promise<void> } {
  let opened: Promise<{ pipeline: FacePipeline; cleanup: () => void }> | undefined;
  return {
    get: async () => {
      opened ??= testModelsDir().then(async (m) => ({
        pipeline: await openFacePipeline({ modelsDir: m.dir, threads: 1 }),
        cleanup: m.cleanup,
      }));
      return (await opened).pipeline;
    },
    close: async () => {
      if (!opened) return;
      const { pipeline, cleanup } = await opened;
      await pipeline.close();
      cleanup();
    },
  };
}
