/**
 * Runs the Service in a worker thread, off the thread that serves the window or the HTTP requests, and
 * forwards calls to it. Photo decoding, inference and SQLite all happen in the worker.
 */
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { AnyEvent, Reply } from '../../shared/api.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

export class ServiceHost {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private readonly listeners = new Set<(event: AnyEvent) => void>();
  private exited = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'reply') {
        this.pending.get(msg.id)?.(msg.reply);
        this.pending.delete(msg.id);
      } else if (msg.type === 'event') {
        for (const l of this.listeners) l(msg.event);
      }
    });
    worker.on('exit', (code) => {
      this.exited = true;
      const error = `FacePheno's service stopped (exit code ${code}); restart FacePheno. Saved cases are safe.`;
      for (const resolve of this.pending.values()) resolve({ ok: false, error });
      this.pending.clear();
    });
  }

  /**
   * Starts the worker and waits until the Service has opened its data directory. `workerUrl` is the
   * compiled worker module; by default the one beside this module (dist/ or the electron-vite bundle).
   */
  static async start(
    init: WorkerInit,
    workerUrl = new URL('./service-worker.js', import.meta.url),
  ): Promise<ServiceHost> {
    const worker = new Worker(workerUrl, { workerData: init });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (msg: FromWorker) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'failed') reject(new UserError(msg.error));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the service worker exited (code ${code}) while starting`)),
      );
    });
    return new ServiceHost(worker);
  }

  /** Forwards one call; `paths` maps file tokens in `input` to the files the user chose in a dialog. */
  call(name: string, input: unknown, paths: Record<string, string> = {}): Promise<Reply> {
    if (this.exited)
      return Promise.resolve({ ok: false, error: "FacePheno's service has stopped; restart it." });
    const id = this.nextId++;
    return new Promise((resolve) => {
      try {
        this.post({ type: 'call', id, name, input, paths });
      } catch (err) {
        // An input the worker cannot receive (too deeply nested to copy, or holding a function) is refused
        // like any other bad input, never thrown at the host.
        resolve({ ok: false, error: `${name}: the request could not be read (${(err as Error).message})` });
        return;
      }
      this.pending.set(id, resolve);
    });
  }

  onEvent(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Lets running work finish its current step, closes the store, and ends the worker. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }
}
