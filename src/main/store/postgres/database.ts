import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { UserError } from '../../errors.js';
import { packageRoot } from '../../version.js';
import type { PostgresHandle, RunResult, Statement, Transaction } from '../db.js';
import { columnReader } from './columns.js';
import type { QueryResult, Reply, Request, SerialisedPgError, WorkerInit } from './protocol.js';
import { translateSql, type TranslatedSql } from './sql.js';
import type { PostgresTarget } from './target.js';

// The first key of the store's write lock (pg_advisory_xact_lock(key, hashtext(schema))): 'FPHE'.
export const WRITE_LOCK_KEY = 0x46504845;
// How long a statement may run before the calling thread stops waiting for it.
const ANSWER_TIMEOUT_MS = 15 * 60_000;

function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'worker.js');
  const compiled = join(packageRoot(), 'dist', 'src', 'main', 'store', 'postgres', 'worker.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} missing: run 'npm run build' first`);
  return compiled;
}

/** The reply a PostgreSQL store gives when another workstation holds the write lock past the timeout. */
export function busyError(place: string, cause: unknown): UserError {
  return new UserError('the case database is busy: another FacePheno process is writing to it; try again', {
    file: place,
    cause,
  });
}

/** A server error as an Error carrying its SQLSTATE, or a UserError where the user must act. */
function toError(e: SerialisedPgError, place: string): Error {
  if (e.code === '55P03') return busyError(place, e);
  // Connection exceptions (class 08) and a server shutting down (57P01-57P03): nothing more can be done here.
  if (e.code !== undefined && (e.code.startsWith('08') || /^57P0[123]$/.test(e.code)))
    return new UserError(
      `lost the connection to the case database (${e.message}): what was not yet saved was not saved; open it again`,
      { file: place },
    );
  // insufficient_privilege: the server's roles (postgres/roles.ts) refuse what this login may not do.
  // ... or a write to a research view's pseudonymised column, which no grant could allow (0A000).
  if (e.code === '42501' || (e.code === '0A000' && / of view /.test(e.message)))
    return new UserError(
      `the database server refused this to your login (${e.message}): your FacePheno role does not allow it`,
      { file: place },
    );
  if (e.code === '53100')
    return new UserError(`the database server's disk is full: nothing was saved`, { file: place });
  const err = new Error(e.detail ? `${e.message} (${e.detail})` : e.message) as Error & { code?: string };
  err.code = e.code;
  return err;
}

/**
 * A PostgreSQL database behind the store's synchronous Db interface. The `pg` client runs in a worker
 * thread; each call posts a request and blocks on a shared flag (Atomics.wait) until the worker has put
 * the reply on a port, read with receiveMessageOnPort. The store already runs off the UI thread, and
 * better-sqlite3 blocks it just the same.
 */
export class PostgresDb implements PostgresHandle {
  readonly dialect = 'postgres' as const;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private depth = 0;
  private isOpen = true;
  private readonly statements = new Map<string, string>();
  private readonly identities = new Map<string, string | null>();

  private constructor(readonly target: PostgresTarget) {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = { signal, port: port2 };
    this.worker = new Worker(workerFile(), { workerData: init, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
    this.flag = new Int32Array(signal);
  }

  /** Connects (creating the URL's schema if it is missing); a UserError naming the URL when it cannot. */
  static connect(target: PostgresTarget, opts: { lockTimeoutMs: number }): PostgresDb {
    const db = new PostgresDb(target);
    try {
      db.call({
        op: 'connect',
        connectionString: target.connectionString,
        ssl: target.security.ssl,
        plaintextFallback: target.security.plaintextFallback,
        schema: target.schema,
        lockTimeoutMs: opts.lockTimeoutMs,
      });
      return db;
    } catch (err) {
      db.close();
      throw new UserError(`cannot open the case database: ${(err as Error).message}`, {
        file: target.display,
        cause: err,
      });
    }
  }

  get open(): boolean {
    return this.isOpen;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * One request to the worker, waited for. The reply on the port is what ends the wait, not the flag: the
   * worker sets the flag and notifies after posting, so a call can see its reply before the worker's
   * notify lands, and that late wake-up must not end the next call's wait (it did, as "thread stopped").
   * Reset, look, then sleep: a reply posted after the look sets the flag after the reset, so the wait
   * returns at once; a stale wake-up only costs another look.
   */
  call(req: Request): QueryResult {
    if (!this.isOpen) throw new TypeError('The database connection is not open');
    this.worker.postMessage(req);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    let reply: Reply | undefined;
    for (;;) {
      Atomics.store(this.flag, 0, 0);
      reply = receiveMessageOnPort(this.port)?.message as Reply | undefined;
      if (reply) break;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`PostgreSQL did not answer within ${ANSWER_TIMEOUT_MS / 60_000} minutes`);
      Atomics.wait(this.flag, 0, 0, left);
    }
    if (!reply.ok) throw toError(reply.error, this.target.display);
    return reply.result;
  }

  /**
   * The name the server keeps a statement's plan under, for this connection: one per distinct text, so
   * that preparing the same SQL again (in a loop, in each call of a method) reuses it.
   */
  statementName(text: string): string {
    let name = this.statements.get(text);
    if (name === undefined) {
      name = `fp${this.statements.size + 1}`;
      this.statements.set(text, name);
    }
    return name;
  }

  /** The identity (auto-numbered key) column of a table, which an INSERT returns as lastInsertRowid. */
  identityOf(table: string): string | null {
    let col = this.identities.get(table);
    if (col === undefined) {
      const r = this.call({
        op: 'query',
        text: `SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass($1)
          AND a.attidentity <> '' AND a.attnum > 0 AND NOT a.attisdropped`,
        values: [table],
      });
      col = (firstValue(r) as string | undefined) ?? null;
      this.identities.set(table, col);
    }
    return col;
  }

  prepare(sql: string): Statement {
    return new PostgresStatement(this, translateSql(sql));
  }

  /** Runs SQL text as it is (any number of statements, no parameters). */
  exec(sql: string): this {
    this.call({ op: 'query', text: sql });
    return this;
  }

  /** Opens a write transaction: one writer at a time per store, across workstations, as SQLite's lock. */
  begin(): void {
    this.exec('BEGIN');
    this.depth = 1;
    try {
      this.exec(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY}, hashtext(current_schema()))`);
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  commit(): void {
    const r = this.call({ op: 'query', text: 'COMMIT' });
    this.depth = 0;
    // An error inside the transaction that the caller caught has already failed it: the server rolls back.
    if (r.command === 'ROLLBACK') throw new Error('the transaction failed earlier and was rolled back');
  }

  rollback(): void {
    this.depth = 0;
    if (this.isOpen) this.exec('ROLLBACK');
  }

  transaction<T>(fn: () => T): Transaction<T> {
    const run = (): T => {
      if (this.depth > 0) return this.savepoint(fn);
      this.begin();
      try {
        const result = settled(fn());
        this.commit();
        return result;
      } catch (err) {
        if (this.depth > 0) quietly(() => this.rollback());
        throw err;
      }
    };
    return Object.assign(run, { immediate: run, deferred: run, exclusive: run });
  }

  private savepoint<T>(fn: () => T): T {
    const name = `fp_sp${this.depth}`;
    this.exec(`SAVEPOINT ${name}`);
    this.depth += 1;
    try {
      const result = settled(fn());
      this.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      quietly(() => this.exec(`ROLLBACK TO ${name}; RELEASE ${name}`));
      throw err;
    } finally {
      this.depth -= 1;
    }
  }

  pragma(source: string): never {
    throw new UserError(`PRAGMA ${source} is SQLite's; this case database is PostgreSQL`, {
      file: this.target.display,
    });
  }

  backup(): Promise<never> {
    return Promise.reject(
      new UserError(
        'a PostgreSQL case database is backed up with pg_dump (and its photo folder copied), not facepheno backup',
        { file: this.target.display },
      ),
    );
  }

  close(): this {
    if (!this.isOpen) return this;
    try {
      this.call({ op: 'close' });
    } catch {
      // Closing a connection that failed to open or was lost: nothing to end.
    } finally {
      this.isOpen = false;
      this.depth = 0;
      void this.worker.terminate();
      this.port.close();
    }
    return this;
  }
}

function settled<T>(v: T): T {
  if (v instanceof Promise) throw new TypeError('Transaction function cannot return a promise');
  return v;
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // The original error is the one worth reporting; the connection is reset by the server anyway.
  }
}

class PostgresStatement implements Statement {
  private plucked = false;
  private rawRows = false;
  private insertText: string | undefined;

  constructor(
    private readonly db: PostgresDb,
    private readonly sql: TranslatedSql,
  ) {}

  pluck(toggle = true): this {
    this.plucked = toggle;
    if (toggle) this.rawRows = false;
    return this;
  }

  raw(toggle = true): this {
    this.rawRows = toggle;
    if (toggle) this.plucked = false;
    return this;
  }

  run(...params: unknown[]): RunResult {
    const text = this.returningText();
    const r = this.query(text, params);
    const id = text === this.sql.text ? undefined : firstValue(r);
    return { changes: r.rowCount, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }

  get(...params: unknown[]): unknown {
    return this.rows(this.query(this.sql.text, params))[0];
  }

  all(...params: unknown[]): unknown[] {
    return this.rows(this.query(this.sql.text, params));
  }

  /** An INSERT into a table with an identity key returns it, as SQLite's lastInsertRowid. */
  private returningText(): string {
    if (this.insertText === undefined) {
      const table = /^\s*INSERT\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(this.sql.text)?.[1];
      const id = table && !/\bRETURNING\b/i.test(this.sql.text) ? this.db.identityOf(table) : null;
      this.insertText = id ? `${this.sql.text} RETURNING ${id}` : this.sql.text;
    }
    return this.insertText;
  }

  private query(text: string, params: unknown[]): QueryResult {
    return this.db.call({ op: 'query', text, values: this.bind(params), name: this.db.statementName(text) });
  }

  private rows(r: QueryResult): unknown[] {
    const read = r.columns.map(columnReader);
    const out = new Array<unknown>(r.length);
    if (this.plucked) {
      const first = read[0] ?? (() => undefined);
      for (let i = 0; i < r.length; i++) out[i] = first(i);
    } else if (this.rawRows) for (let i = 0; i < r.length; i++) out[i] = read.map((get) => get(i));
    else
      for (let i = 0; i < r.length; i++) {
        const o: Record<string, unknown> = {};
        r.fields.forEach((f, k) => (o[f] = read[k]?.(i)));
        out[i] = o;
      }
    return out;
  }

  /** better-sqlite3's binding rules: values in order for `?`, one object for named parameters. */
  private bind(params: unknown[]): unknown[] {
    const { names, count } = this.sql;
    if (names.length > 0) {
      const [o] = params;
      if (
        params.length !== 1 ||
        typeof o !== 'object' ||
        o === null ||
        Array.isArray(o) ||
        o instanceof Uint8Array
      )
        throw new TypeError('Named parameters can only be bound by one object');
      return names.map((n) => {
        if (!(n in o)) throw new RangeError(`Missing named parameter "${n}"`);
        return bindable((o as Record<string, unknown>)[n]);
      });
    }
    const values = params.flat();
    if (values.length !== count)
      throw new RangeError(`Too ${values.length > count ? 'many' : 'few'} parameter values were provided`);
    return values.map(bindable);
  }
}

function bindable(v: unknown): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (v instanceof Uint8Array) return v;
  throw new TypeError('a case database can only bind numbers, strings, bigints, buffers and null');
}

/** The first row's first value; undefined when there is none. */
function firstValue(r: QueryResult): unknown {
  const c = r.columns[0];
  return c && r.length > 0 ? columnReader(c)(0) : undefined;
}
