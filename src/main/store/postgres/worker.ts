// The PostgreSQL connection of one store, in a thread of its own: the store's thread posts a request and
// blocks until the reply is on its port (postgres/database.ts), which keeps the store's API synchronous.
import type { ConnectionOptions } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { ColumnsBuilder } from './columns.js';
import type { QueryResult, Reply, Request, SerialisedPgError, WorkerInit } from './protocol.js';
import type { TlsOptions } from './tls.js';

// Counts and identity keys are BIGINT; every value the store keeps is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number);
// bytea stays the server's hex text, which ColumnsBuilder decodes into its column's buffers (columns.ts).
pg.types.setTypeParser(pg.types.builtins.BYTEA, (text: string) => text);

const { signal, port } = workerData as WorkerInit;
const flag = new Int32Array(signal);
let client: pg.Client | undefined;
// A connection lost between requests: reported by the next one.
let lost: Error | undefined;

const empty = (command: string): Answer => ({
  result: { command, fields: [], columns: [], length: 0, rowCount: 0 },
  transfer: [],
});

/** A result and the buffers its reply transfers. */
interface Answer {
  result: QueryResult;
  transfer: ArrayBuffer[];
}

async function handle(req: Request): Promise<Answer> {
  if (req.op === 'connect') {
    const c = await connected(req.connectionString, req.ssl, req.plaintextFallback);
    client = c;
    if (req.schema !== undefined) {
      // Created only where missing: CREATE SCHEMA IF NOT EXISTS needs the right to create one even when
      // it exists, which a clinician's or researcher's login has not.
      const there = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [req.schema]);
      if (there.rowCount === 0)
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${req.schema}`).catch(async (err: { code?: string }) => {
          // Two workstations creating it at once: the loser finds it there.
          if (err.code !== '23505' && err.code !== '42P06') throw err;
        });
      await c.query(`SET search_path TO ${req.schema}`);
    }
    await c.query(`SET lock_timeout = ${Math.max(1, Math.round(req.lockTimeoutMs))}; SET bytea_output = hex`);
    return empty(req.op);
  }
  if (req.op === 'close') {
    await client?.end();
    client = undefined;
    return empty(req.op);
  }
  // SQLSTATE 08006, connection_failure: the store reports it as a lost connection.
  if (lost) throw Object.assign(new Error(lost.message), { code: '08006' });
  if (!client) throw new Error('the PostgreSQL connection is closed');
  const values = req.values?.map((v) => (v instanceof Uint8Array ? Buffer.from(v) : v));
  // node-pg's Query takes rowMode as client.query does; its types leave it out.
  const config: pg.QueryConfig & { rowMode: 'array' } = {
    text: req.text,
    values,
    name: req.name,
    rowMode: 'array',
  };
  return query(client, new pg.Query(config));
}

/**
 * A connected client. The ssl option is always given, so the driver never reads sslmode from the URL or
 * PGSSLMODE from the environment; a TLS failure is an error, never a silent plaintext retry, except under
 * sslmode=prefer and only when the server says it has no TLS.
 */
async function connected(
  connectionString: string,
  ssl: false | TlsOptions,
  plaintextFallback: boolean,
): Promise<pg.Client> {
  const open = async (tls: false | TlsOptions): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString, ssl: tlsOptions(tls), connectionTimeoutMillis: 15_000 });
    c.on('error', (err) => (lost = err));
    await c.connect();
    return c;
  };
  try {
    return await open(ssl);
  } catch (err) {
    if (ssl && plaintextFallback && /does not support SSL/i.test((err as Error).message)) return open(false);
    throw err;
  }
}

function tlsOptions(tls: false | TlsOptions): false | ConnectionOptions {
  if (!tls) return false;
  const { skipHostnameCheck, ...rest } = tls;
  return skipHostnameCheck ? { ...rest, checkServerIdentity: () => undefined } : rest;
}

const isBytea = (f: pg.FieldDef) => f.dataTypeID === pg.types.builtins.BYTEA;

/** Runs a query, its rows taken column-wise as they arrive rather than all kept as row arrays first. */
function query(client: pg.Client, q: pg.Query): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let failed: unknown;
    let builder: ColumnsBuilder | undefined;
    let current: pg.ResultBuilder | undefined;
    q.on('row', (row: unknown[], result?: pg.ResultBuilder) => {
      try {
        // A multi-statement text (exec) gives a result per statement: the last one counts.
        if (result && result !== current) {
          current = result;
          builder = new ColumnsBuilder(result.fields.map(isBytea));
        }
        builder?.add(row);
      } catch (err) {
        failed ??= err;
      }
    });
    q.on('error', reject);
    q.on('end', (results: pg.ResultBuilder | pg.ResultBuilder[]) => {
      if (failed !== undefined) return reject(failed);
      const last = Array.isArray(results) ? results.at(-1) : results;
      const rows = last !== undefined && last === current && builder ? builder : new ColumnsBuilder([]);
      try {
        const { columns, transfer } = rows.finish();
        resolve({
          result: {
            command: last?.command ?? '',
            fields: last?.fields.map((f) => f.name) ?? [],
            columns,
            length: rows.length,
            rowCount: last?.rowCount ?? 0,
          },
          transfer,
        });
      } catch (err) {
        reject(err);
      }
    });
    client.query(q);
  });
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
      ({ result, transfer }): [Reply, ArrayBuffer[]] => [{ ok: true, result }, transfer],
      (err: unknown): [Reply, ArrayBuffer[]] => [{ ok: false, error: serialise(err) }, []],
    )
    .then(([reply, transfer]) => {
      try {
        port.postMessage(reply, transfer);
      } catch (err) {
        // A reply that cannot be posted (too large a result, say) must still answer: the caller is blocked.
        port.postMessage({ ok: false, error: serialise(err) } satisfies Reply);
      }
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
});
