import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import type { Db } from '../../src/main/store/db.js';
import { migrate, migrationSha256, orderedMigrations, type Migration } from '../../src/main/store/migrate.js';
import * as all from '../../src/main/store/migrations/index.js';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { Store } from '../../src/main/store/store.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';

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

describe('shipped migrations', () => {
  // Every existing database records these hashes of the SQLite texts: they must never change.
  it.each([
    [1, '66fc35891c6f0404d07b1d7c725600ffee53d5ef3b78af1699fb8c118ab6ee89'],
    [2, 'c26319a1520c7aeafcc0113cc6ff4174dd3d9ce08e31e2e2b44a6533faf137f9'],
  ])('keep SQLite text %i byte for byte', (version, sha) => {
    const m = migrations.find((x) => x.version === version) as Migration;
    expect(migrationSha256(m)).toBe(sha);
  });

  it('each have a PostgreSQL text', () => {
    expect(migrations.filter((m) => !m.postgres).map((m) => m.name)).toEqual([]);
  });
});

describe.skipIf(postgresSkip !== false)('schema migrations on PostgreSQL', () => {
  const schemas: (() => void)[] = [];
  afterAll(() => schemas.forEach((drop) => drop()));
  const photosDir = join(root, 'pg.photos');

  /** A schema of its own, and a connection to it. */
  function schema(): { url: string; name: string; db: PostgresDb } {
    const s = freshSchema();
    schemas.push(s.drop);
    return {
      url: s.url,
      name: s.schema,
      db: PostgresDb.connect(parsePostgresTarget(s.url), { lockTimeoutMs: 10_000 }),
    };
  }

  /** Tables, columns, constraints, indexes and triggers of the connection's schema, its name left out. */
  function dump(db: Db, name: string): string {
    const rows = (sql: string) =>
      (db.prepare(sql).raw().all() as unknown[][]).map((r) => r.join(' | ').replaceAll(`${name}.`, ''));
    return [
      ...rows(`SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name, is_identity
        FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`),
      ...rows(`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`),
      ...rows(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`),
      ...rows(`SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal ORDER BY 1`),
    ].join('\n');
  }

  it('applies every migration to a new schema, recording the sha256 of each PostgreSQL text', () => {
    const { url, db } = schema();
    db.close();
    const store = Store.open(url, { photosDir });
    try {
      const applied = store.db
        .prepare('SELECT version, sha256 FROM schema_migrations ORDER BY version')
        .all();
      expect(applied).toEqual(
        migrations.map((m) => ({ version: m.version, sha256: migrationSha256(m, 'postgres') })),
      );
      expect(store.checkConsistency()).toMatchObject({ integrity: 'ok', foreignKeyViolations: 0 });
    } finally {
      store.close();
    }
  });

  it.each(migrations.map((_, i) => i + 1))(
    'upgrades a schema holding only the first %i migration(s), keeping its data, to the schema a new one gets',
    (count) => {
      const old = schema();
      migrate(old.db, old.url, migrations.slice(0, count), '0.0.1-test');
      old.db
        .prepare(
          "INSERT INTO patients (pseudonym, sex, birth_year, created_at, updated_at) VALUES ('OLD-1', 'female', 2015, 'x', 'x')",
        )
        .run();
      const store = Store.open(old.url, { photosDir });
      try {
        expect(store.patients.get('old-1')).toMatchObject({ sex: 'female', birthYear: 2015 });
        expect(store.checkConsistency()).toMatchObject({ integrity: 'ok', foreignKeyViolations: 0 });
      } finally {
        store.close();
      }
      const fresh = schema();
      migrate(fresh.db, fresh.url, migrations, 'test');
      expect(dump(old.db, old.name)).toBe(dump(fresh.db, fresh.name));
      old.db.close();
      fresh.db.close();
    },
  );

  it('refuses a schema written by a newer FacePheno, and one whose applied migration was edited', () => {
    const { url, db } = schema();
    const future: Migration = {
      version: 9999,
      name: 'from_the_future',
      sql: '',
      postgres: 'CREATE TABLE future (x INTEGER)',
    };
    migrate(db, url, [...migrations, future], '9.0.0');
    db.close();
    const display = parsePostgresTarget(url).display;
    expect(() => Store.open(url, { photosDir })).toThrow(
      `${display}: written by a newer FacePheno (9.0.0): it has schema migration 9999_from_the_future`,
    );
    const edited = schema();
    edited.db.close();
    Store.open(edited.url, { photosDir }).close();
    const first = migrations[0] as Migration;
    expect(() =>
      Store.open(edited.url, {
        photosDir,
        migrations: [{ ...first, postgres: `${first.postgres}\n-- edited` }, ...migrations.slice(1)],
      }),
    ).toThrow(/migration 0001_core has changed since it was applied/);
  });

  it('applies each migration in a transaction: a failing one leaves no trace', () => {
    const { url, db } = schema();
    const bad: Migration = {
      version: 9998,
      name: 'bad',
      sql: '',
      postgres: 'CREATE TABLE half (x INTEGER); SELECT * FROM nowhere;',
    };
    expect(() => migrate(db, url, [...migrations, bad], 'test')).toThrow(/relation "nowhere" does not exist/);
    expect(
      db
        .prepare(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'half'",
        )
        .get(),
    ).toEqual({ n: 0 });
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({
      v: migrations.at(-1)?.version,
    });
    db.close();
  });

  it('refuses a schema holding other tables, and a migration that has no PostgreSQL text', () => {
    const other = schema();
    other.db.exec('CREATE TABLE invoices (id INTEGER)');
    other.db.close();
    expect(() => Store.open(other.url, { photosDir })).toThrow(/not a FacePheno case database.*invoices/);
    const { url, db } = schema();
    db.close();
    const sqliteOnly: Migration = { version: 9997, name: 'sqlite_only', sql: 'CREATE TABLE x (y INTEGER)' };
    expect(() => Store.open(url, { photosDir, migrations: [...migrations, sqliteOnly] })).toThrow(
      /schema migration 9997_sqlite_only has no PostgreSQL text/,
    );
    // Refused before anything was applied: the schema holds no table at all.
    const check = PostgresDb.connect(parsePostgresTarget(url), { lockTimeoutMs: 10_000 });
    expect(
      check
        .prepare('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()')
        .get(),
    ).toEqual({ n: 0 });
    check.close();
  });
});
