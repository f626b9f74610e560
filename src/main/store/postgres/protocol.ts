import type { MessagePort } from 'node:worker_threads';
import type { TlsOptions } from './tls.js';

/** Messages between a PostgreSQL store (the calling thread) and its connection worker (worker.ts). */

export interface WorkerInit {
  /** Int32 flag the worker sets to 1 when a reply is on `port`. */
  signal: SharedArrayBuffer;
  port: MessagePort;
}

export type Request =
  | {
      op: 'connect';
      connectionString: string;
      /** TLS as tls.ts decided it from the URL; false: plaintext. */
      ssl: false | TlsOptions;
      /** sslmode=prefer: retry in plaintext when the server answers that it has no TLS. */
      plaintextFallback: boolean;
      schema: string | undefined;
      /** Milliseconds to wait for a lock (another workstation's write) before giving up. */
      lockTimeoutMs: number;
    }
  | {
      op: 'query';
      text: string;
      values?: unknown[];
      /** A name under which the server keeps the parsed statement for this connection. */
      name?: string;
    }
  | { op: 'close' };

/**
 * A column of a result: its values as they are, or a bytea column's bytes packed into a few large buffers
 * (value i is chunks[chunk[i]] from starts[i] to ends[i]; null where nulls[i] is 1). A result crosses to
 * the calling thread by structured clone: a million rows as a million arrays, each holding a Buffer of its
 * own, cost a million ArrayBuffers to copy and collect there (minutes for a 1,000,000-row gallery).
 * Packed, a bytea column is a few transferred buffers, whatever the row count.
 */
export type Column =
  | { kind: 'values'; values: unknown[] }
  | {
      kind: 'bytes';
      chunks: Uint8Array[];
      chunk: Uint32Array;
      starts: Float64Array;
      ends: Float64Array;
      nulls: Uint8Array | null;
    };

export interface QueryResult {
  /** The server's command tag: a COMMIT of a failed transaction answers ROLLBACK. */
  command: string;
  fields: string[];
  /** One per field, column-wise. */
  columns: Column[];
  /** The rows returned. */
  length: number;
  /** The rows the statement changed (or returned). */
  rowCount: number;
}

export interface SerialisedPgError {
  message: string;
  /** SQLSTATE for server errors, errno code (ECONNREFUSED...) for connection failures. */
  code: string | undefined;
  detail: string | undefined;
}

export type Reply = { ok: true; result: QueryResult } | { ok: false; error: SerialisedPgError };
