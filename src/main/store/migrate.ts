import { createHash } from 'node:crypto';
import { bySql, dialectOf, type Db, type Dialect } from './db.js';
import { UserError } from '../errors.js';

/**
 * One schema step. Migrations live in ./migrations/NNNN_name.ts and are listed in ./migrations/index.ts.
 * Never edit one that has shipped: its sha256 is stored when applied and checked on every open.
 * Each backend applies (and records the sha256 of) its own text: `sql` for SQLite, `postgres` for
 * PostgreSQL, written by hand to the same schema.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  postgres?: string;
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string;
  app_version: string;
}

/** The text a backend applies; a migration without PostgreSQL text cannot be applied there. */
export function migrationText(m: Migration, dialect: Dialect = 'sqlite'): string | undefined {
  return dialect === 'sqlite' ? m.sql : m.postgres;
}

export function migrationSha256(m: Migration, dialect: Dialect = 'sqlite'): string {
  return createHash('sha256')
    .update(migrationText(m, dialect) ?? '')
    .digest('hex');
}

function label(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

/** Checks that a migration list is usable: unique versions, ascending. */
export function orderedMigrations(list: readonly Migration[]): Migration[] {
  const sorted = [...list].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (!Number.isInteger(m.version) || m.version < 1) throw new Error(`migration ${label(m)}: bad version`);
    const prev = sorted[i - 1];
    if (prev && prev.version === m.version)
      throw new Error(`migrations ${label(prev)} and ${label(m)} share version ${m.version}`);
  });
  return sorted;
}

/**
 * Brings the database at `file` up to `list`, each missing migration in its own transaction, and refuses
 * a database that a newer FacePheno wrote or whose applied migrations no longer match their source.
 * Returns the versions it applied.
 */
export function migrate(db: Db, file: string, list: readonly Migration[], appVersion: string): number[] {
  const known = orderedMigrations(list);
  const dialect = dialectOf(db);
  const missing = known.find((m) => migrationText(m, dialect) === undefined);
  if (missing)
    throw new UserError(
      `schema migration ${label(missing)} has no PostgreSQL text: this FacePheno cannot keep its cases in PostgreSQL`,
      { file },
    );
  // Checked and changed inside write transactions so that two processes opening a new file at once agree.
  db.transaction(() => ensureLedger(db, file)).immediate();
  const applied = db
    .prepare('SELECT version, name, sha256, app_version FROM schema_migrations ORDER BY version')
    .all() as AppliedRow[];
  checkApplied(applied, known, file, dialect);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, sha256, applied_at, app_version) VALUES (?, ?, ?, ?, ?)',
  );
  const ran: number[] = [];
  for (const m of known) {
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(migrationText(m, dialect) ?? '');
      record.run(m.version, m.name, migrationSha256(m, dialect), new Date().toISOString(), appVersion);
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}

// Everything in the store's own namespace (PostgreSQL: the connection's current schema).
const objects = {
  sqlite: "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
  postgres: 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()',
};

function ensureLedger(db: Db, file: string): void {
  const names = db.prepare(bySql(db, objects)).pluck().all() as string[];
  if (names.includes('schema_migrations')) return;
  const other = names[0];
  if (other)
    throw new UserError(`not a FacePheno case database (it has a table '${other}' but no schema ledger)`, {
      file,
    });
  db.exec(`CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    app_version TEXT NOT NULL
  )${dialectOf(db) === 'sqlite' ? ' STRICT' : ''}`);
}

function checkApplied(applied: AppliedRow[], known: Migration[], file: string, dialect: Dialect): void {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = byVersion.get(row.version);
    if (!m)
      throw new UserError(
        `written by a newer FacePheno (${row.app_version}): it has schema migration ${label(row)}, which this ` +
          `FacePheno does not know; update FacePheno to open it`,
        { file },
      );
    const sha = migrationSha256(m, dialect);
    if (sha !== row.sha256)
      throw new UserError(
        `schema migration ${label(m)} has changed since it was applied (sha256 ${row.sha256.slice(0, 12)}... ` +
          `stored, ${sha.slice(0, 12)}... now); an applied migration must never be edited: restore it and add a new one`,
        { file },
      );
  }
}
