/** Messages between a host (Electron main, `facepheno serve`) and the Service in its worker thread. */
import type { StoreConfig } from '../store/config.js';
import type { AnyEvent, Reply } from '../../shared/api.js';

export interface WorkerInit {
  dataDir: string;
  host: 'electron' | 'browser';
  modelsDir?: string;
  /**
   * The case store, as the host's edge configured it (see StoreConfig); default the data directory's own
   * SQLite file, unencrypted. The thread reads no environment.
   */
  store?: StoreConfig;
  /** The session's upload key (uploads.ts) where the host streams uploads to disk itself (serve). */
  uploadKey?: Uint8Array;
}

export type ToWorker =
  /** `paths` resolves the file tokens in `input`: filled by the Electron shell from its dialog, never by a renderer. */
  | { type: 'call'; id: number; name: string; input: unknown; paths: Record<string, string> }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; reply: Reply }
  | { type: 'event'; event: AnyEvent }
  | { type: 'closed' };
