import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import { UserError } from '../errors.js';

/**
 * One schema step. Migrations live in ./migrations/NNNN_name.ts and are listed in ./migrations/index.ts.
 * Never edit one that has shipped: its sha256 is stored when applied and checked on every open.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

interface AppliedRow {
  version: number;
  name: string;
  sha256: string;
  app_version: string;
}

export function migrationSha256(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
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
  // Checked and changed inside write transactions so that two processes opening a new file at once agree.
  db.transaction(() => ensureLedger(db, file)).immediate();
  const applied = db
    .prepare('SELECT version, name, sha256, app_version FROM schema_migrations ORDER BY version')
    .all() as AppliedRow[];
  checkApplied(applied, known, file);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, sha256, applied_at, app_version) VALUES (?, ?, ?, ?, ?)',
  );
  const ran: number[] = [];
  for (const m of known) {
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, migrationSha256(m), new Date().toISOString(), appVersion);
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}

function ensureLedger(db: Db, file: string): void {
  const hasLedger = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (hasLedger) return;
  const other = db.prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1").get() as
    { name: string } | undefined;
  if (other)
    throw new UserError(
      `not a FacePheno case database (it has a table '${other.name}' but no schema ledger)`,
      {
        file,
      },
    );
  db.exec(`CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    app_version TEXT NOT NULL
  ) STRICT`);
}

function checkApplied(applied: AppliedRow[], known: Migration[], file: string): void {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = byVersion.get(row.version);
    if (!m)
      throw new UserError(
        `written by a newer FacePheno (${row.app_version}): it has schema migration ${label(row)}, which this ` +
          `FacePheno does not know; update FacePheno to open it`,
        { file },
      );
    const sha = migrationSha256(m);
    if (sha !== row.sha256)
      throw new UserError(
        `schema migration ${label(m)} has changed since it was applied (sha256 ${row.sha256.slice(0, 12)}... ` +
          `stored, ${sha.slice(0, 12)}... now); an applied migration must never be edited: restore it and add a new one`,
        { file },
      );
  }
}
