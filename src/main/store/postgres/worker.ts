// The PostgreSQL connection of one store, in a thread of its own: the store's thread posts a request and
// blocks until the reply is on its port (postgres/database.ts), which keeps the store's API synchronous.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { QueryResult, Reply, Request, SerialisedPgError, WorkerInit } from './protocol.js';

// Counts and identity keys are BIGINT; every value the store keeps is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number);

const { signal, port } = workerData as WorkerInit;
const flag = new Int32Array(signal);
let client: pg.Client | undefined;
// A connection lost between requests: reported by the next one.
let lost: Error | undefined;

async function handle(req: Request): Promise<QueryResult> {
  if (req.op === 'connect') {
    const c = new pg.Client({ connectionString: req.connectionString, connectionTimeoutMillis: 15_000 });
    c.on('error', (err) => (lost = err));
    await c.connect();
    client = c;
    if (req.schema !== undefined) {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${req.schema}`).catch(async (err: { code?: string }) => {
        // Two workstations creating it at once: the loser finds it there.
        if (err.code !== '23505' && err.code !== '42P06') throw err;
      });
      await c.query(`SET search_path TO ${req.schema}`);
    }
    await c.query(`SET lock_timeout = ${Math.max(1, Math.round(req.lockTimeoutMs))}`);
    return { command: req.op, fields: [], rows: [], rowCount: 0 };
  }
  if (req.op === 'close') {
    await client?.end();
    client = undefined;
    return { command: req.op, fields: [], rows: [], rowCount: 0 };
  }
  // SQLSTATE 08006, connection_failure: the store reports it as a lost connection.
  if (lost) throw Object.assign(new Error(lost.message), { code: '08006' });
  if (!client) throw new Error('the PostgreSQL connection is closed');
  const values = req.values?.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v));
  const r = await client.query({ text: req.text, values, name: req.name, rowMode: 'array' });
  // A multi-statement text (exec) answers with one result per statement: the last one counts.
  const last = (Array.isArray(r) ? r.at(-1) : r) as pg.QueryArrayResult | undefined;
  return {
    command: last?.command ?? '',
    fields: last?.fields.map((f) => f.name) ?? [],
    // A bytea may be a view of a pooled buffer; a copy of its own keeps the transfer to its bytes.
    rows: (last?.rows ?? []).map((row) => row.map((v) => (v instanceof Uint8Array ? new Uint8Array(v) : v))),
    rowCount: last?.rowCount ?? 0,
  };
}

function serialise(err: unknown): SerialisedPgError {
  const e = err as { message?: unknown; code?: unknown; detail?: unknown };
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    code: typeof e.code === 'string' ? e.code : undefined,
    detail: typeof e.detail === 'string' ? e.detail : undefined,
  };
}

parentPort?.on('message', (req: Request) => {
  void handle(req)
    .then(
      (result): Reply => ({ ok: true, result }),
      (err: unknown): Reply => ({ ok: false, error: serialise(err) }),
    )
    .then((reply) => {
      port.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
});
