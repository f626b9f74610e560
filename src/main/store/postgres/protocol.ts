import type { MessagePort } from 'node:worker_threads';

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

export interface QueryResult {
  /** The server's command tag: a COMMIT of a failed transaction answers ROLLBACK. */
  command: string;
  fields: string[];
  rows: unknown[][];
  rowCount: number;
}

export interface SerialisedPgError {
  message: string;
  /** SQLSTATE for server errors, errno code (ECONNREFUSED...) for connection failures. */
  code: string | undefined;
  detail: string | undefined;
}

export type Reply = { ok: true; result: QueryResult } | { ok: false; error: SerialisedPgError };
