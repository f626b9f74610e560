import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { describe } from 'vitest';
import {
  openFacePipeline,
  type DetectedFace,
  type FacePipeline,
  type PhotoAnalysis,
} from '../../src/main/face/pipeline.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { isPostgresUrl, parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { Store, photosDirFor, type StoreOptions } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';

export type Backend = 'sqlite' | 'postgres';

/** A temporary folder; remove() deletes it. */
export function tempDir(prefix = 'facepheno-store-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `body` (its describe and it blocks) once per backend: on SQLite files, and on PostgreSQL schemas of
 * the FACEPHENO_TEST_POSTGRES server, skipped with the reason in its name where that is not set.
 */
export function eachBackend(body: (backend: Backend) => void): void {
  describe('sqlite', () => body('sqlite'));
  describe.skipIf(postgresSkip !== false)(
    postgresSkip === false ? 'postgres' : `postgres (skipped: ${postgresSkip})`,
    () => body('postgres'),
  );
}

export interface TempStore {
  store: Store;
  dir: string;
  /** What Store.open takes: the SQLite file, or the PostgreSQL URL with the store's own schema. */
  target: string;
  photosDir: string;
  /** Opens the same store again (a second workstation, or after a close). */
  open: (opts?: StoreOptions) => Store;
  remove: () => void;
}

/** Holds the store's write lock from another connection (another workstation) until the returned release. */
export function holdWriteLock(target: string): () => void {
  if (isPostgresUrl(target)) {
    const other = PostgresDb.connect(parsePostgresTarget(target), { lockTimeoutMs: 10_000 });
    other.begin();
    return () => other.close();
  }
  const other = new Database(target);
  other.exec('BEGIN IMMEDIATE');
  return () => {
    other.exec('ROLLBACK');
    other.close();
  };
}

/** A new store in its own temporary folder (and, on PostgreSQL, its own schema). */
export function tempStore(backend: Backend = 'sqlite'): TempStore {
  const t = tempDir();
  const schema = backend === 'postgres' ? freshSchema() : undefined;
  const target = schema?.url ?? join(t.dir, 'cases.db');
  const photosDir = schema ? join(t.dir, 'photos') : photosDirFor(target);
  const opened: Store[] = [];
  const open = (opts: StoreOptions = {}): Store => {
    const s = Store.open(target, { osUser: 'test-user', ...(schema ? { photosDir } : {}), ...opts });
    opened.push(s);
    return s;
  };
  return {
    store: open(),
    dir: t.dir,
    target,
    photosDir,
    open,
    remove: () => {
      for (const s of opened) if (s.db.open) s.close();
      schema?.drop();
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

/** An analysis result as the face pipeline returns it, without running it: one face, or none. */
function stubAnalysis(file: string, withFace: boolean, vector = [1, 0, 0, 0]): PhotoAnalysis {
  const face: DetectedFace = {
    box: { x: 10, y: 12, width: 40, height: 44 },
    score: 0.97,
    points5: [
      [20, 25],
      [40, 25],
      [30, 35],
      [22, 45],
      [38, 45],
    ],
    mesh: [1, 2, 3, 4, 5, 6],
    quality: {
      interocularPx: 20,
      yaw: 1,
      pitch: -2,
      roll: 0.5,
      blur: 100,
      exposure: 0.5,
      flags: ['small face'],
    },
    embeddings: { testnet: Float32Array.from(vector) },
  };
  return {
    file,
    width: 64,
    height: 64,
    faces: withFace ? [face] : [],
    primary: withFace ? 0 : null,
    aligned: null,
  };
}

/** A stored-photo input: a synthetic photo with its stub analysis. */
export async function stubPhoto(seed: number, withFace = true, vector?: number[]) {
  const bytes = await syntheticPhoto(seed);
  const file = `/photos/p${seed}.jpg`;
  return { file, bytes, sha256: sha256Hex(bytes), analysis: stubAnalysis(file, withFace, vector) };
}
