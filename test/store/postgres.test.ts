import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { Store } from '../../src/main/store/store.js';
import { adminConnection, freshSchema, postgresSkip, postgresUrl } from '../support/postgres.js';
import { tempDir, tempStore } from './support.js';

const work = tempDir('facepheno-postgres-');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
afterAll(() => work.remove());

describe('PostgreSQL addresses', () => {
  it('hide the password in every message, and take ?schema= as the store schema', () => {
    const t = parsePostgresTarget(
      'postgres://ana:s3cret@db.example:5433/cases?schema=genetics&sslmode=require',
    );
    // The TLS parameters are FacePheno's to apply (postgres/tls.ts), not left for the driver to re-read.
    expect(t).toMatchObject({
      connectionString: 'postgres://ana:s3cret@db.example:5433/cases',
      schema: 'genetics',
      display: 'postgres://ana:***@db.example:5433/cases?sslmode=require&schema=genetics',
      security: { ssl: { rejectUnauthorized: false }, warning: expect.stringMatching(/sslmode=require/) },
    });
    expect(() => parsePostgresTarget('postgres://ana:s3cret@db/cases?schema=Robert%27);DROP')).toThrow(
      /^postgres:\/\/ana:\*\*\*@db\/cases: schema 'Robert'\);DROP' must be a lower-case name/,
    );
    expect(() => parsePostgresTarget('postgres://ana:s3cret@[oops/cases')).toThrow(
      'postgres://ana:***@[oops/cases: not a valid postgres:// URL',
    );
  });

  it('need a shared photo folder, and take a key only to seal that folder', () => {
    const url = 'postgres://nobody@127.0.0.1:1/none';
    const noPhotos = { ...process.env };
    delete noPhotos.FACEPHENO_PHOTOS_DIR;
    const saved = process.env.FACEPHENO_PHOTOS_DIR;
    delete process.env.FACEPHENO_PHOTOS_DIR;
    try {
      expect(() => Store.open(url)).toThrow(
        `${url}: a PostgreSQL case database keeps its photos in a folder every workstation shares: set FACEPHENO_PHOTOS_DIR to it`,
      );
    } finally {
      if (saved !== undefined) process.env.FACEPHENO_PHOTOS_DIR = saved;
    }
    // Changed on purpose (issue 15, finding 2): a key is the department's, sealing the shared photo folder,
    // so it is no longer refused; this server does not answer.
    expect(() => Store.open(url, { photosDir: work.dir, key: 'secret' })).not.toThrow(
      /a database key encrypts a SQLite file/,
    );
  });
});

describe.skipIf(postgresSkip !== false)('a PostgreSQL case database', () => {
  const server = new URL(postgresUrl ?? 'postgres://unset');

  /** The test server's URL with some parts changed. */
  function variant(change: (u: URL) => void): string {
    const u = new URL(server.toString());
    change(u);
    return u.toString();
  }

  it.each([
    ['a refused connection', (u: URL) => (u.port = '1'), /ECONNREFUSED/],
    [
      'a missing database',
      (u: URL) => (u.pathname = '/no_such_database'),
      /database "no_such_database" does not exist/,
    ],
    [
      'a wrong password',
      (u: URL) => {
        u.username = 'facepheno_pw';
        u.password = 'wrong-password';
      },
      /password authentication failed|authentication|no pg_hba.conf entry/,
    ],
  ])('reports %s as one UserError naming the URL without its password', (_, change, why) => {
    const url = variant(change);
    const err = (() => {
      try {
        Store.open(url, { photosDir: work.dir });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message.startsWith(`${parsePostgresTarget(url).display}: cannot open the case database: `)).toBe(
      true,
    );
    expect(message).toMatch(why);
    expect(message).not.toContain('wrong-password');
  });

  it('refuses SQLite-only operations clearly: PRAGMA, and backup (pg_dump backs it up)', async () => {
    const t = tempStore('postgres');
    try {
      expect(() => t.store.db.pragma('integrity_check')).toThrow(/PRAGMA integrity_check is SQLite's/);
      await expect(t.store.db.backup('/tmp/x.db')).rejects.toThrow(/backed up with pg_dump/);
    } finally {
      t.remove();
    }
  });

  it('keeps values exactly: floats, blobs, unicode, and numbers from counts and keys', () => {
    const t = tempStore('postgres');
    try {
      const s = t.store;
      const p = s.patients.create({ pseudonym: 'Ünïcødé-🙂', notes: "it's \\ 'quoted' ? :name @x $1" });
      // Case folds as SQLite's NOCASE does: ASCII letters only.
      expect(s.patients.get('ÜNïCøDé-🙂').notes).toBe("it's \\ 'quoted' ? :name @x $1");
      expect(typeof p.id).toBe('number');
      expect(s.patients.count()).toBe(1);
      const row = s.db
        .prepare('SELECT CAST(? AS DOUBLE PRECISION) AS f, CAST(? AS BYTEA) AS b')
        .get(0.1 + 0.2, Buffer.from([0, 255, 7])) as { f: number; b: Buffer };
      expect(row.f).toBe(0.1 + 0.2);
      expect(Buffer.isBuffer(row.b) && [...row.b]).toEqual([0, 255, 7]);
      expect(() => s.db.prepare('SELECT ?').get(true)).toThrow(TypeError);
    } finally {
      t.remove();
    }
  });

  it('gives one writer the lock at a time, across connections: the other waits, then writes', () => {
    const t = tempStore('postgres');
    const other = t.open({ busyTimeoutMs: 200 });
    try {
      t.store.transaction(() => {
        t.store.patients.create({ pseudonym: 'FIRST' });
        // A second workstation's write waits for this transaction, then gives up after its busy timeout,
        // while its reads go on, seeing only what is committed.
        expect(() => other.patients.create({ pseudonym: 'SECOND' })).toThrow(/the case database is busy/);
        expect(other.patients.count()).toBe(0);
      });
      other.patients.create({ pseudonym: 'SECOND' });
      expect(t.store.patients.list().rows.map((r) => r.pseudonym)).toEqual(['FIRST', 'SECOND']);
    } finally {
      t.remove();
    }
  });

  it('reports a connection the server ended as lost, naming the URL, and rolls back what was not committed', () => {
    const t = tempStore('postgres');
    const admin = adminConnection();
    try {
      const pid = (t.store.db.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid;
      expect(() =>
        t.store.transaction(() => {
          t.store.patients.create({ pseudonym: 'HALF' });
          admin.prepare('SELECT pg_terminate_backend(?)').get(pid);
          t.store.patients.create({ pseudonym: 'NEVER' });
        }),
      ).toThrow(new RegExp(`^${escape(t.store.file)}: lost the connection to the case database \\(`));
      expect(() => t.store.patients.count()).toThrow(/lost the connection/);
      const again = t.open();
      expect(again.patients.count()).toBe(0);
    } finally {
      admin.close();
      t.remove();
    }
  });

  it('keeps one store per schema: two schemas in one database do not see each other', () => {
    const a = freshSchema();
    const b = freshSchema();
    const sa = Store.open(a.url, { photosDir: `${work.dir}/a` });
    const sb = Store.open(b.url, { photosDir: `${work.dir}/b` });
    try {
      sa.patients.create({ pseudonym: 'ONLY-IN-A' });
      expect(sb.patients.count()).toBe(0);
      expect(sa.galleryVersion().split(':')[0]).not.toBe(sb.galleryVersion().split(':')[0]);
    } finally {
      sa.close();
      sb.close();
      a.drop();
      b.drop();
    }
  });
});
