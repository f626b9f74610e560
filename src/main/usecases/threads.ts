/** Runs one job's heavy, synchronous work in its own worker thread: progress forwarded, cancel = terminate. */
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { Cancelled, type JobContext } from './job-context.js';

/** What a job worker posts: progress as it goes, then one result or one failure. */
export type JobWorkerMessage<R> =
  | { type: 'progress'; stage: string; done: number; total: number }
  | ({ type: 'result' } & R)
  /** `user`: the message is meant for the user as it is (a UserError in the worker). */
  | { type: 'failed'; error: string; user?: boolean };

/** `file` is the worker's compiled module beside this one (dist/, or flat in the electron-vite bundle). */
export async function runJobWorker<R>(file: string, workerData: unknown, ctx: JobContext): Promise<R> {
  const worker = new Worker(new URL(file, import.meta.url), { workerData });
  const onAbort = () => void worker.terminate();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    return await new Promise<R>((resolve, reject) => {
      worker.on('message', (m: JobWorkerMessage<R>) => {
        if (m.type === 'progress') {
          try {
            ctx.progress(m.stage, m.done, m.total);
          } catch (err) {
            reject(err);
          }
        } else if (m.type === 'result') resolve(m);
        else reject(m.user ? new UserError(m.error) : new Error(m.error));
      });
      worker.on('error', reject);
      worker.on('exit', () => reject(ctx.signal.aborted ? new Cancelled() : new Error(`${file} stopped`)));
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
