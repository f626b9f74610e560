import { availableParallelism } from 'node:os';
import { type Inference, openInference } from '../models/inference.js';

/**
 * Several single-threaded inference workers behind one `Inference`, each request going to the least busy.
 * Why not one worker with several intra-op threads: onnxruntime's thread pool spins while it waits, and on
 * a busy 2-core machine one worker with 2 threads ran the face pipeline about 4x slower than one with 1
 * thread (1.5 against 5.8 photos/s); independent requests on separate workers use the cores without that.
 * A GPU provider needs no pool: then one worker is opened.
 */
export async function openInferencePool(
  opts: { modelsDir?: string; threads?: number } = {},
): Promise<Inference> {
  const wanted = Math.max(1, opts.threads ?? Math.min(4, availableParallelism()));
  const first = await openInference({ modelsDir: opts.modelsDir, threads: 1 });
  const workers = [first];
  if (first.provider === 'cpu' && wanted > 1) {
    const more = await Promise.allSettled(
      Array.from({ length: wanted - 1 }, () => openInference({ modelsDir: opts.modelsDir, threads: 1 })),
    );
    for (const r of more) if (r.status === 'fulfilled') workers.push(r.value);
    const failed = more.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.close()));
      throw failed.reason;
    }
  }
  const pending = workers.map(() => 0);
  return {
    models: first.models,
    provider: first.provider,
    providerNotes: first.providerNotes,
    async run(modelId, pixels, n) {
      const i = pending.indexOf(Math.min(...pending));
      pending[i] = (pending[i] ?? 0) + 1;
      try {
        return await (workers[i] as Inference).run(modelId, pixels, n);
      } finally {
        pending[i] = (pending[i] ?? 1) - 1;
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
