/**
 * Long work (gallery import, evaluation): started by a call that returns at once with a job id, followed
 * by progress events, ended by one 'job.finished' event; cancellable. A job that is cancelled or fails
 * leaves nothing half-written, because the work it runs is all-or-nothing itself.
 */
import { randomUUID } from 'node:crypto';
import { loggableError, UserError } from '../errors.js';
import type { AnyEvent, JobKind, JobRef, JobResult } from '../../shared/api.js';
import { Cancelled, type JobContext } from '../usecases/job-context.js';

export class Jobs {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly emit: (event: AnyEvent) => void) {}

  /**
   * One job of a kind runs at a time. `replace`: a newer request supersedes the running one (which is
   * cancelled) instead of being refused: for work that only reads, where the latest question is the one
   * the user waits for.
   */
  start(
    kind: JobKind,
    work: (ctx: JobContext) => Promise<JobResult>,
    opts: { replace?: boolean } = {},
  ): JobRef {
    for (const [id, abort] of this.running) {
      if (!id.startsWith(`${kind}:`)) continue;
      if (!opts.replace)
        throw new UserError(`another ${kind.replace('.', ' ')} is already running; wait for it or cancel it`);
      abort.abort();
      this.running.delete(id);
    }
    const jobId = `${kind}:${randomUUID()}`;
    const abort = new AbortController();
    this.running.set(jobId, abort);
    const ctx: JobContext = {
      signal: abort.signal,
      progress: (stage, done, total) => {
        if (abort.signal.aborted) throw new Cancelled();
        this.emit({ name: 'job.progress', payload: { jobId, kind, stage, done, total } });
      },
    };
    const finish = (
      status: 'done' | 'failed' | 'cancelled',
      error: string | null,
      result: JobResult | null,
    ) => {
      this.running.delete(jobId);
      this.emit({ name: 'job.finished', payload: { jobId, kind, status, error, result } });
    };
    // Started on the next turn, so the caller has the job id before the first event.
    setImmediate(() => {
      work(ctx).then(
        (result) => finish('done', null, result),
        (err: unknown) => {
          if (err instanceof Cancelled || abort.signal.aborted) finish('cancelled', null, null);
          else if (err instanceof UserError) finish('failed', err.message, null);
          else {
            console.error(`facepheno service: job ${kind} failed: ${loggableError(err)}`);
            finish(
              'failed',
              `${kind} stopped on an internal error (${(err as Error).message}); nothing was changed`,
              null,
            );
          }
        },
      );
    });
    return { jobId, kind };
  }

  cancel(jobId: string): boolean {
    const abort = this.running.get(jobId);
    abort?.abort();
    return abort !== undefined;
  }

  cancelAll(): void {
    for (const abort of this.running.values()) abort.abort();
  }
}
