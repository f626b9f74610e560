/**
 * What every use case works on: one open case store and the face models, whose sessions are created once,
 * on first use (loading them takes seconds) and kept. The Service holds one for its life; a command opens
 * one for its run. Both then call the same use cases with it.
 */
import { UsageError } from '../errors.js';
import { openFacePipeline, type FacePipeline } from '../face/pipeline.js';
import { defaultModelsDir } from '../models/inference.js';
import { defaultEmbeddingModel, readManifest, type Manifest, type ModelEntry } from '../models/manifest.js';
import type { StoreConfig } from '../store/config.js';
import { Store } from '../store/store.js';
import type { ModelRef } from '../../shared/api.js';

// The edge (a command, the app, serve) configures the store through here, not from the store itself.
export {
  connectionWarning,
  dataDirStoreConfig,
  displayTarget,
  encryptedStoreConfig,
  isDepartmentDatabase,
  storeConfig,
  type StoreConfig,
} from '../store/config.js';
export { readKeyFile } from '../store/encryption.js';
export { keptKey } from '../store/user-keys.js';

export class Workspace {
  private pipeline: Promise<FacePipeline> | null = null;

  constructor(
    readonly store: Store,
    readonly modelsDir: string = defaultModelsDir(),
  ) {}

  /** Opens the store the configuration names (see StoreConfig); the models load when first used. */
  static open(config: StoreConfig, opts: { modelsDir?: string } = {}): Workspace {
    return new Workspace(Store.openConfig(config), opts.modelsDir);
  }

  /** The face pipeline, started on first use; a failed start is tried again by the next use. */
  facePipeline(): Promise<FacePipeline> {
    this.pipeline ??= openFacePipeline({ modelsDir: this.modelsDir }).catch((err: unknown) => {
      this.pipeline = null;
      throw err;
    });
    return this.pipeline;
  }

  /** The pipeline if it was started and did start: what it knows (its provider) without loading it. */
  async startedPipeline(): Promise<FacePipeline | null> {
    return this.pipeline ? this.pipeline.catch(() => null) : null;
  }

  manifest(): Manifest {
    return readManifest(this.modelsDir);
  }

  /** The embedding models the manifest lists (no model is loaded). */
  embeddingModels(): ModelEntry[] {
    return this.manifest().models.filter((m) => m.task === 'face-embedding');
  }

  /** The embedding model `id`, or the manifest's default one: refused in words when there is none. */
  embeddingModel(id?: string): ModelRef {
    if (id === undefined) {
      const m = defaultEmbeddingModel(this.manifest(), this.modelsDir);
      return { id: m.id, sha256: m.sha256 };
    }
    const all = this.embeddingModels();
    const m = all.find((e) => e.id === id);
    if (!m) throw new UsageError(`no embedding model '${id}' (have: ${all.map((e) => e.id).join(', ')})`);
    return { id: m.id, sha256: m.sha256 };
  }

  async close(): Promise<void> {
    try {
      await (await this.startedPipeline())?.close();
    } finally {
      this.store.close();
    }
  }
}

/** Runs `use` on a workspace opened for it and closes it after, whatever happens. */
export async function withWorkspace<T>(
  config: StoreConfig,
  use: (ws: Workspace) => Promise<T> | T,
  opts: { modelsDir?: string } = {},
): Promise<T> {
  const ws = Workspace.open(config, opts);
  try {
    return await use(ws);
  } finally {
    await ws.close();
  }
}
