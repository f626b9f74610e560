import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { packageRoot } from '../version.js';
import type { ModelEntry } from './manifest.js';
import type { SerialisedError, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';

export type { ModelEntry, ModelTask } from './manifest.js';

export interface Inference {
  readonly models: ModelEntry[];
  /** The execution provider actually in use, e.g. 'cpu', 'cuda'. */
  readonly provider: string;
  /** Why better providers were passed over or failed (empty when the first choice ran). */
  readonly providerNotes: string[];
  /**
   * pixels: n x H x W x 3, RGB, float 0..255, at the model's input size. Normalisation, colour order and
   * layout are applied here from the manifest. Returns every output by name, batch-major. The pixels are
   * copied to the worker (the caller keeps its array); the outputs' buffers are transferred back.
   */
  run(modelId: string, pixels: Float32Array, n: number): Promise<Record<string, Float32Array>>;
  close(): Promise<void>;
}

export function defaultModelsDir(): string {
  return process.env.FACEPHENO_MODELS_DIR ?? join(packageRoot(), 'resources', 'models');
}

/**
 * The worker's compiled file. Beside this module when it runs compiled; when it runs as TypeScript source
 * (Vitest) Node cannot start a .ts worker, so the build's copy in dist/ is used (the test command builds first).
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'worker.js');
  const compiled = join(packageRoot(), 'dist', 'src', 'main', 'models', 'worker.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} missing: run 'npm run build' first`);
  return compiled;
}

function revive(e: SerialisedError): Error {
  if (!e.user) return new Error(e.message);
  const place = e.userFile === undefined ? '' : `${e.userFile}: `;
  const message = place && e.message.startsWith(place) ? e.message.slice(place.length) : e.message;
  return new UserError(message, e.userFile === undefined ? {} : { file: e.userFile });
}

/** Starts the inference worker: every model file checked, one session per model, the provider chosen. */
export async function openInference(opts: { modelsDir?: string; threads?: number } = {}): Promise<Inference> {
  const init: WorkerInit = { modelsDir: opts.modelsDir ?? defaultModelsDir(), threads: opts.threads };
  const worker = new Worker(workerFile(), { workerData: init });
  const pending = new Map<
    number,
    { resolve: (o: Record<string, Float32Array>) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let dead: Error | null = null;
  let onClosed: (() => void) | null = null;

  const failAll = (err: Error): void => {
    dead = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const ready = await new Promise<Extract<WorkerReply, { type: 'ready' }>>((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(new Error(`the inference worker exited (code ${code}) while starting`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (reply: WorkerReply) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (reply.type === 'ready') resolve(reply);
      else if (reply.type === 'failed') reject(revive(reply.error));
      else reject(new Error(`the inference worker said '${reply.type}' while starting`));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });

  worker.on('message', (reply: WorkerReply) => {
    if (reply.type === 'result' || reply.type === 'error') {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.type === 'result') p?.resolve(reply.outputs);
      else p?.reject(revive(reply.error));
    } else if (reply.type === 'closed') onClosed?.();
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`the inference worker exited (code ${code})`)));

  const byId = new Map(ready.models.map((m) => [m.id, m]));
  return {
    models: ready.models,
    provider: ready.provider,
    providerNotes: ready.notes,
    run(modelId, pixels, n) {
      const m = byId.get(modelId);
      if (!m) return Promise.reject(new Error(`no model '${modelId}' (have ${[...byId.keys()].join(', ')})`));
      const want = n * m.input.height * m.input.width * 3;
      if (!Number.isInteger(n) || n < 1 || pixels.length !== want)
        return Promise.reject(
          new Error(
            `${modelId}: ${pixels.length} values for n=${n}, expected n x ${m.input.height} x ${m.input.width} x 3`,
          ),
        );
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const req: WorkerRequest = { type: 'run', id, modelId, pixels, n };
        worker.postMessage(req);
      });
    },
    async close() {
      if (dead) return;
      const closed = new Promise<void>((resolve) => {
        onClosed = resolve;
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' } satisfies WorkerRequest);
      await closed;
      await worker.terminate();
      dead = new Error('inference closed');
    },
  };
}
