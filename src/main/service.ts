/**
 * The Service: implements the API contract (src/shared/api.ts) over the store, face and match modules.
 * It knows no Electron and no HTTP; a host runs it in a worker thread (service/worker.ts) and forwards
 * each call as (name, input). Every input is parsed with the contract here, whatever the host checked.
 */
import { mkdirSync } from 'node:fs';
import { UserError } from './errors.js';
import { appVersion } from './version.js';
import { ApiError, isCallName, parseInput } from '../shared/api.js';
import type { AnyEvent, CallArgs, CallName, CallOutput, Reply } from '../shared/api.js';

export interface ServiceOptions {
  dataDir: string;
  modelsDir?: string;
  emit: (event: AnyEvent) => void;
}

/** What a handler gets besides its input: the file paths the host resolved from dialog tokens. */
interface CallContext {
  paths: Record<string, string>;
}

type Handlers = { [K in CallName]: (args: CallArgs<K>, ctx: CallContext) => Promise<CallOutput<K>> };

export class Service {
  private readonly handlers: Handlers;

  private constructor(private readonly opts: ServiceOptions) {
    this.handlers = this.buildHandlers();
  }

  static async open(opts: ServiceOptions): Promise<Service> {
    try {
      mkdirSync(opts.dataDir, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create the data directory (${(err as Error).message})`, {
        file: opts.dataDir,
      });
    }
    return new Service(opts);
  }

  /** Answers one call; errors come back as a message to show, never as a throw. */
  async handle(name: string, input: unknown, paths: Record<string, string> = {}): Promise<Reply> {
    try {
      if (!isCallName(name)) throw new ApiError(`unknown request '${name}'`);
      const args = parseInput(name, input);
      const handler = this.handlers[name] as (a: unknown, c: CallContext) => Promise<unknown>;
      return { ok: true, value: await handler(args, { paths }) };
    } catch (err) {
      if (err instanceof ApiError || err instanceof UserError) return { ok: false, error: err.message };
      console.error(`facepheno service: ${name} failed:`, err);
      return {
        ok: false,
        error: `FacePheno could not complete this (internal error: ${err instanceof Error ? err.message : String(err)}). Nothing was changed.`,
      };
    }
  }

  async close(): Promise<void> {}

  private buildHandlers(): Handlers {
    return {
      'app.info': async () => ({
        version: appVersion,
        host: 'browser',
        dataDir: this.opts.dataDir,
        provider: null,
        models: [],
        gallery: { version: '0', patients: 0, photos: 0, labels: [] },
      }),
    } as unknown as Handlers;
  }
}
