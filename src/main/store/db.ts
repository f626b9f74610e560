export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement: the part of better-sqlite3's Statement the store uses. */
export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as their first column's value. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays of column values. */
  raw(toggle?: boolean): this;
}

/** A function run in a transaction (all or nothing), nested ones as savepoints. */
export interface Transaction<T> {
  (): T;
  /** Takes the write lock at the start, so that the transaction's reads are current. */
  immediate(): T;
}

/**
 * The database handle the store's repositories are written against: the subset of better-sqlite3's
 * Database they use, which better-sqlite3 satisfies as is and the PostgreSQL backend implements
 * (postgres/database.ts). SQL that differs between the two is chosen with `dialectOf`.
 */
export interface Db {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  transaction<T>(fn: () => T): Transaction<T>;
  /** SQLite's PRAGMA; a PostgreSQL store refuses it, naming what to use instead. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** SQLite's online backup; a PostgreSQL store refuses it (pg_dump backs one up). */
  backup(destination: string): Promise<unknown>;
  close(): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

export type Dialect = 'sqlite' | 'postgres';

/** The PostgreSQL handle's own part: better-sqlite3's Database has no `dialect`. */
export interface PostgresHandle extends Db {
  readonly dialect: 'postgres';
  /** BEGIN and the store's write lock. */
  begin(): void;
  commit(): void;
  rollback(): void;
}

function isPostgres(db: Db): db is PostgresHandle {
  return 'dialect' in db && (db as { dialect: unknown }).dialect === 'postgres';
}

export function dialectOf(db: Db): Dialect {
  return isPostgres(db) ? 'postgres' : 'sqlite';
}

/** The SQL text for this database's dialect, where SQLite's and PostgreSQL's differ. */
export function bySql(db: Db, text: Record<Dialect, string>): string {
  return text[dialectOf(db)];
}

/**
 * Opens a write transaction by hand (taking the write lock), for one that spans awaits, such as a
 * streamed import on a connection of its own; db.transaction covers everything synchronous.
 */
export function beginWrite(db: Db): void {
  if (isPostgres(db)) db.begin();
  else db.exec('BEGIN IMMEDIATE');
}

export function commitWrite(db: Db): void {
  if (isPostgres(db)) db.commit();
  else db.exec('COMMIT');
}

/** Rolls back the transaction beginWrite opened, if it is still open. */
export function rollbackWrite(db: Db): void {
  if (!db.inTransaction) return;
  if (isPostgres(db)) db.rollback();
  else db.exec('ROLLBACK');
}

/**
 * Inserts many rows into one table (inside the caller's transaction): SQLite row by row through one
 * prepared statement, PostgreSQL a few thousand rows per statement (json_populate_recordset), since each
 * statement there is a round trip to the server. With ignoreDuplicates, rows whose key is taken are skipped.
 */
export function insertMany(
  db: Db,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  opts: { ignoreDuplicates?: boolean } = {},
): void {
  const conflict = opts.ignoreDuplicates ? ' ON CONFLICT DO NOTHING' : '';
  const cols = columns.join(', ');
  if (!isPostgres(db)) {
    const insert = db.prepare(
      `INSERT INTO ${table} (${cols}) VALUES (${columns.map(() => '?').join(', ')})${conflict}`,
    );
    for (const row of rows) insert.run(...row);
    return;
  }
  const insert = db.prepare(
    `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${table}, ?)${conflict}`,
  );
  const chunk = 5000;
  for (let i = 0; i < rows.length; i += chunk)
    insert.run(
      JSON.stringify(
        rows.slice(i, i + chunk).map((row) => Object.fromEntries(columns.map((c, k) => [c, row[k]]))),
      ),
    );
}
