import type { ModelEntry } from './manifest.js';

/** Messages between openInference (the caller's thread) and the inference worker. */

export interface WorkerInit {
  modelsDir: string;
  threads: number | undefined;
}

export interface SerialisedError {
  message: string;
  /** Set for a UserError: the file it names (its message then starts with `${file}: `). */
  userFile?: string;
  user: boolean;
}

export type WorkerRequest =
  { type: 'run'; id: number; modelId: string; pixels: Float32Array; n: number } | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; models: ModelEntry[]; provider: string; notes: string[] }
  | { type: 'failed'; error: SerialisedError }
  | { type: 'result'; id: number; outputs: Record<string, Float32Array> }
  | { type: 'error'; id: number; error: SerialisedError }
  | { type: 'closed' };
