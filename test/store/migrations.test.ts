import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { migrate, orderedMigrations, type Migration } from '../../src/main/store/migrate.js';
import * as all from '../../src/main/store/migrations/index.js';
import { Store } from '../../src/main/store/store.js';

const migrations = orderedMigrations(Object.values(all));
const root = mkdtempSync(join(tmpdir(), 'facepheno-migrations-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newFile = () => join(root, `db${n++}.db`);

/** sqlite_master without SQLite's own objects, whitespace normalised, in a stable order. */
function schemaDump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
    return rows.map((r) => `-- ${r.type} ${r.name} on ${r.tbl_name}\n${normalise(r.sql ?? '')};`).join('\n');
  } finally {
    db.close();
  }
}

function normalise(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A database at an old schema version: only the first `count` migrations, through the real runner. */
function oldDatabase(count: number): string {
  const file = newFile();
  const db = new Database(file);
  migrate(db, file, migrations.slice(0, count), '0.0.1-test');
  // A patient as the 0001 schema stores one, to be carried through every later migration.
  db.prepare(
    "INSERT INTO patients (pseudonym, sex, birth_year, created_at, updated_at) VALUES ('OLD-1', 'female', 2015, 'x', 'x')",
  ).run();
  db.close();
  return file;
}

describe('schema migrations', () => {
  it('are numbered uniquely, 0001 being the core schema', () => {
    expect(migrations[0]?.version).toBe(1);
    expect(migrations[0]?.name).toBe('core');
  });

  it.each(migrations.map((m, i) => [`${String(m.version).padStart(4, '0')}_${m.name}`, i + 1] as const))(
    'schema after %s matches its committed snapshot',
    async (name, count) => {
      const file = newFile();
      const db = new Database(file);
      migrate(db, file, migrations.slice(0, count), 'test');
      db.close();
      await expect(schemaDump(file)).toMatchFileSnapshot(`./schema/${name}.sql`);
    },
  );

  it('applies every migration to a new file, in WAL mode with foreign keys on', () => {
    const file = newFile();
    const store = Store.open(file);
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      const applied = store.db
        .prepare('SELECT version, sha256 FROM schema_migrations ORDER BY version')
        .all();
      expect(applied).toHaveLength(migrations.length);
    } finally {
      store.close();
    }
  });

  it.each(migrations.map((_, i) => i + 1))(
    'upgrades a database holding only the first %i migration(s), keeping its data',
    (count) => {
      const file = oldDatabase(count);
      const store = Store.open(file);
      try {
        expect(store.patients.get('OLD-1')).toMatchObject({ sex: 'female', birthYear: 2015 });
        expect(store.checkConsistency()).toMatchObject({ integrity: 'ok', foreignKeyViolations: 0 });
      } finally {
        store.close();
      }
      const fresh = newFile();
      Store.open(fresh).close();
      expect(schemaDump(file)).toBe(schemaDump(fresh));
    },
  );

  it('refuses a database written by a newer FacePheno, naming the file and the unknown migration', () => {
    const file = newFile();
    const future: Migration = {
      version: 9999,
      name: 'from_the_future',
      sql: 'CREATE TABLE future (x INTEGER)',
    };
    const db = new Database(file);
    migrate(db, file, [...migrations, future], '9.0.0');
    db.close();
    expect(() => Store.open(file)).toThrow(UserError);
    expect(() => Store.open(file)).toThrow(
      new RegExp(
        `^${file}: written by a newer FacePheno \\(9\\.0\\.0\\).*9999_from_the_future.*update FacePheno`,
      ),
    );
  });

  it('fails loudly when an applied migration has been edited', () => {
    const file = newFile();
    Store.open(file).close();
    const first = migrations[0] as Migration;
    const edited = [{ ...first, sql: first.sql + '\n-- edited' }, ...migrations.slice(1)];
    expect(() => Store.open(file, { migrations: edited })).toThrow(
      /migration 0001_core has changed since it was applied/,
    );
  });

  it('applies each migration in a transaction: a failing one leaves no trace', () => {
    const file = newFile();
    const bad: Migration = {
      version: 9998,
      name: 'bad',
      sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM nowhere;',
    };
    const db = new Database(file);
    expect(() => migrate(db, file, [...migrations, bad], 'test')).toThrow(/no such table: nowhere/);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({
      v: migrations.at(-1)?.version,
    });
    db.close();
  });

  it('refuses a file that is not a FacePheno database, naming it', () => {
    const junk = newFile();
    writeFileSync(junk, 'this is not SQLite at all, just text that is long enough to be read as a header');
    expect(() => Store.open(junk)).toThrow(new RegExp(`^${junk}: cannot open the case database`));
    const other = newFile();
    const db = new Database(other);
    db.exec('CREATE TABLE invoices (id INTEGER)');
    db.close();
    expect(() => Store.open(other)).toThrow(/not a FacePheno case database.*invoices/);
  });
});
