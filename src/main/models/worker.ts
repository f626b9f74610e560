/**
 * The inference worker: owns every onnxruntime session (one per model, created once) so that inference never
 * runs on the thread that serves the caller. Started by inference.ts; talks through ./protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ort } from './onnxruntime.js';
import { UserError } from '../errors.js';
import type { ModelEntry } from './manifest.js';
import { readManifest, verifyModelFile } from './manifest.js';
import { inputDims, toModelInput } from './preprocess.js';
import type { SerialisedError, WorkerInit, WorkerReply, WorkerRequest } from './protocol.js';
import { providerCandidates } from './providers.js';

const port = parentPort;
if (!port) throw new Error('models/worker.js runs only as a worker thread');

function serialise(err: unknown): SerialisedError {
  if (err instanceof UserError) return { message: err.message, user: true, userFile: err.file };
  return { message: err instanceof Error ? err.message : String(err), user: false };
}

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(reply, transfer);
}

interface Loaded {
  sessions: Map<string, ort.InferenceSession>;
  models: ModelEntry[];
  provider: string;
  notes: string[];
}

async function createSessions(
  models: ModelEntry[],
  bytes: Buffer[],
  provider: string,
  threads: number | undefined,
): Promise<Map<string, ort.InferenceSession>> {
  const sessions = new Map<string, ort.InferenceSession>();
  try {
    for (const [i, m] of models.entries()) {
      const session = await ort.InferenceSession.create(bytes[i] as Buffer, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        interOpNumThreads: 1,
        ...(threads ? { intraOpNumThreads: threads } : {}),
      });
      sessions.set(m.id, session);
    }
    return sessions;
  } catch (err) {
    await Promise.all([...sessions.values()].map((s) => s.release()));
    throw err;
  }
}

async function load(init: WorkerInit): Promise<Loaded> {
  const manifest = readManifest(init.modelsDir);
  // Every file is checked before any session exists: nothing starts half-working.
  const bytes = manifest.models.map((m) => verifyModelFile(init.modelsDir, m));
  const notes: string[] = [];
  for (const candidate of providerCandidates()) {
    if (candidate.skipped) {
      notes.push(`${candidate.name}: ${candidate.skipped}`);
      continue;
    }
    try {
      const sessions = await createSessions(manifest.models, bytes, candidate.name, init.threads);
      return { sessions, models: manifest.models, provider: candidate.name, notes };
    } catch (err) {
      const reason = `${candidate.name}: ${(err as Error).message.split('\n')[0]}`;
      notes.push(reason);
      if (candidate.name === 'cpu') throw err;
      console.warn(`facepheno models: execution provider ${reason}; falling back`);
    }
  }
  throw new Error('no execution provider could run the models');
}

async function run(loaded: Loaded, modelId: string, pixels: Float32Array, n: number) {
  const session = loaded.sessions.get(modelId);
  const model = loaded.models.find((m) => m.id === modelId);
  if (!session || !model) throw new Error(`no model '${modelId}'`);
  const data = toModelInput(model.input, pixels, n);
  const feeds = { [model.input.name]: new ort.Tensor('float32', data, inputDims(model.input, n)) };
  const results = await session.run(feeds);
  const outputs: Record<string, Float32Array> = {};
  for (const o of model.outputs) {
    const t = results[o.name];
    if (!t || !(t.data instanceof Float32Array))
      throw new Error(`model '${modelId}' gave no float output '${o.name}'`);
    // Own the buffer outright so that it can be transferred, not copied, to the caller.
    const whole = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength;
    outputs[o.name] = whole ? t.data : t.data.slice();
  }
  return outputs;
}

async function start(): Promise<void> {
  let loaded: Loaded;
  try {
    loaded = await load(workerData as WorkerInit);
  } catch (err) {
    post({ type: 'failed', error: serialise(err) });
    return;
  }
  // Requests run one at a time: each session already uses the intra-op threads it was given.
  let queue = Promise.resolve();
  port?.on('message', (req: WorkerRequest) => {
    if (req.type === 'close') {
      queue = queue.then(async () => {
        await Promise.all([...loaded.sessions.values()].map((s) => s.release()));
        post({ type: 'closed' });
        port?.close();
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        const outputs = await run(loaded, req.modelId, req.pixels, req.n);
        post(
          { type: 'result', id: req.id, outputs },
          Object.values(outputs).map((a) => a.buffer as ArrayBuffer),
        );
      } catch (err) {
        post({ type: 'error', id: req.id, error: serialise(err) });
      }
    });
  });
  post({ type: 'ready', models: loaded.models, provider: loaded.provider, notes: loaded.notes });
}

void start();
