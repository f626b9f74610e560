import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/main/store/migrate.js';
import * as allMigrations from '../../src/main/store/migrations/index.js';
import { orderedMigrations } from '../../src/main/store/migrate.js';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { isPostgresUrl, parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { CHAIN_START, appendEntry, entryHash, verifyChain } from '../../src/main/store/repos/audit.js';
import { Store } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { adminConnection, postgresSkip } from '../support/postgres.js';
import { eachBackend, tempDir, tempStore, type TempStore } from './support.js';

const migrations = orderedMigrations(Object.values(allMigrations));

/**
 * What someone with full write access to the database does: switches the log's append-only triggers off
 * (SQLite: drops them; PostgreSQL: disables them, as the owner may), runs `sql`, and puts them back.
 */
function tamper(t: TempStore, sql: string): void {
  if (isPostgresUrl(t.target)) {
    const db = PostgresDb.connect(parsePostgresTarget(t.target), { lockTimeoutMs: 10_000 });
    try {
      db.exec(
        `ALTER TABLE audit_log DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_log ENABLE TRIGGER USER`,
      );
    } finally {
      db.close();
    }
    return;
  }
  const db = new Database(t.target);
  try {
    const triggers = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
      .all() as { name: string; sql: string }[];
    db.transaction(() => {
      for (const tr of triggers) db.exec(`DROP TRIGGER ${tr.name}`);
      db.exec(sql);
      for (const tr of triggers) db.exec(tr.sql);
    })();
  } finally {
    db.close();
  }
}

function appender(t: TempStore, user: string, count: number, startAt: number) {
  const child = join(repoRoot, 'test', 'store', 'audit-child.mjs');
  const proc = spawn(
    process.execPath,
    [child, join(repoRoot, 'dist'), t.target, user, String(count), String(startAt)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FACEPHENO_PHOTOS_DIR: t.photosDir },
    },
  );
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    proc.on('exit', (code) => resolve({ code, stderr })),
  );
}

let t: TempStore | undefined;
afterEach(() => {
  t?.remove();
  t = undefined;
});

/** Five entries: a case created (1), opened (2), edited (3), opened again (4), a backup recorded (5). */
function fiveEntries(store: Store): void {
  store.patients.create({ pseudonym: 'P-1', sex: 'female' });
  store.openCase('P-1');
  store.patients.update('P-1', { notes: 'seen' });
  store.openCase('P-1');
  store.audit.record('backup', null, { to: 'x.fpbackup' });
}

eachBackend((backend) => {
  describe('the audit log hash chain', () => {
    it('chains every entry to the one before, and verify reports it intact with its head', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      const rows = t.store.db
        .prepare(
          'SELECT id, at, os_user, action, patient, details, prev_hash, hash FROM audit_log ORDER BY id',
        )
        .all() as {
        id: number;
        at: string;
        os_user: string;
        action: string;
        patient: string | null;
        details: string | null;
        prev_hash: string;
        hash: string;
      }[];
      expect(rows.map((r) => [Number(r.id), r.action])).toEqual([
        [1, 'patient.create'],
        [2, 'case.open'],
        [3, 'patient.update'],
        [4, 'case.open'],
        [5, 'backup'],
      ]);
      let prev = CHAIN_START;
      for (const r of rows) {
        expect(r.prev_hash).toBe(prev);
        const e = { ...r, id: Number(r.id), osUser: r.os_user };
        expect(r.hash).toBe(entryHash(e, prev));
        prev = r.hash;
      }
      expect(t.store.audit.verify()).toEqual({
        ok: true,
        entries: 5,
        unchained: 0,
        head: { id: 5, hash: prev },
      });
      expect(t.store.audit.verify({ anchor: rows[2]?.hash })).toMatchObject({ ok: true });
    });

    it('refuses an UPDATE, a DELETE and an entry that does not follow the head, through the database itself', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      const db = t.store.db;
      expect(() => db.prepare("UPDATE audit_log SET details = '{}' WHERE id = 3").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM audit_log WHERE id = 5').run()).toThrow(/append-only/);
      expect(() =>
        db
          .prepare(
            "INSERT INTO audit_log (id, at, os_user, action, patient, details, prev_hash, hash) VALUES (6, 'x', 'eve', 'x', NULL, NULL, ?, ?)",
          )
          .run(CHAIN_START, 'a'.repeat(64)),
      ).toThrow(/must follow the chain's head/);
      expect(() =>
        db.prepare("INSERT INTO audit_log (id, at, os_user, action) VALUES (6, 'x', 'eve', 'x')").run(),
      ).toThrow(/must follow the chain's head/);
      expect(t.store.audit.verify()).toMatchObject({ ok: true, entries: 5 });
    });

    it("detects an entry's details edited", () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      tamper(t, `UPDATE audit_log SET details = '{"notes":"other"}' WHERE id = 3`);
      expect(t.store.audit.verify()).toEqual({
        ok: false,
        entries: 3,
        unchained: 0,
        brokenAt: 3,
        problem: 'entry 3 was edited: its contents no longer match its hash',
      });
    });

    it('detects a middle entry deleted', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      tamper(t, 'DELETE FROM audit_log WHERE id = 3');
      expect(t.store.audit.verify()).toMatchObject({
        ok: false,
        brokenAt: 4,
        problem:
          'entry 4 does not follow entry 2 (id 3 is missing): the entries between them were deleted, or entry 4 was inserted out of chain',
      });
    });

    it('detects the last entry deleted (the head in store_meta), and entries appended after it keep the gap visible', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      tamper(t, 'DELETE FROM audit_log WHERE id = 5');
      expect(t.store.audit.verify()).toMatchObject({
        ok: false,
        brokenAt: 5,
        problem:
          "the log ends at entry 4, but the chain's head (store_meta) is entry 5: its last entries were deleted",
      });
      t.store.openCase('P-1');
      expect(t.store.audit.verify()).toMatchObject({ ok: false, brokenAt: 5 });
      expect(t.store.audit.verify()).toMatchObject({
        problem: expect.stringMatching(/^entry 5 does not follow entry 4/),
      });
    });

    it('detects an entry inserted out of chain', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      tamper(
        t,
        "INSERT INTO audit_log (id, at, os_user, action, patient) VALUES (6, 'x', 'eve', 'case.open', 'P-1')",
      );
      expect(t.store.audit.verify()).toMatchObject({
        ok: false,
        brokenAt: 6,
        problem: 'entry 6 has no hash: it was inserted out of chain after entry 5',
      });
    });

    it('a whole rewrite (the tail deleted and store_meta moved with it) passes verify, but not against an anchor', () => {
      t = tempStore(backend);
      fiveEntries(t.store);
      const head = t.store.audit.verify();
      if (!head.ok || !head.head) throw new Error('expected an intact chain');
      const four = t.store.db.prepare('SELECT hash FROM audit_log WHERE id = 4').pluck().get() as string;
      tamper(
        t,
        `DELETE FROM audit_log WHERE id = 5; UPDATE store_meta SET audit_head_id = 4, audit_head_hash = '${four}', audit_chained = 4`,
      );
      expect(t.store.audit.verify()).toMatchObject({ ok: true, entries: 4 });
      expect(t.store.audit.verify({ anchor: head.head.hash })).toMatchObject({
        ok: false,
        problem: expect.stringMatching(
          /^no entry has the hash [0-9a-f]{64} recorded earlier: the log was rewritten/,
        ),
      });
    });

    it('two processes appending at once keep one chain', async () => {
      t = tempStore(backend);
      t.store.patients.create({ pseudonym: 'P-1' });
      const startAt = Date.now() + 2500;
      const runs = await Promise.all([appender(t, 'ana', 60, startAt), appender(t, 'ben', 60, startAt)]);
      expect(runs).toEqual([
        { code: 0, stderr: '' },
        { code: 0, stderr: '' },
      ]);
      expect(verifyChain(t.store.db)).toMatchObject({
        ok: true,
        entries: 121,
        unchained: 0,
        head: { id: 121 },
      });
      const users = t.store.db.prepare('SELECT os_user FROM audit_log ORDER BY id').pluck().all() as string[];
      // Interleaved, not one after the other: the appends did overlap.
      const switches = users.slice(1).filter((u, i) => u !== users[i]).length;
      console.info(`${backend}: the two appenders took turns ${switches} times`);
      expect(switches).toBeGreaterThan(1);
    }, 120_000);
  });
});

describe('the audit log of a database from before the chain (migration 0004)', () => {
  it('keeps its earlier entries as the chain start: counted, not covered', () => {
    const d = tempDir();
    const file = join(d.dir, 'old.db');
    const db = new Database(file);
    migrate(db, file, migrations.slice(0, 3), '0.0.1-test');
    const old = db.prepare(
      "INSERT INTO audit_log (at, os_user, action, patient) VALUES ('2025-01-01T00:00:00.000Z', 'old', ?, 'OLD-1')",
    );
    old.run('patient.create');
    old.run('case.open');
    db.close();
    const store = Store.open(file, { osUser: 'new' });
    try {
      store.audit.record('case.open', 'OLD-1');
      expect(store.audit.verify()).toMatchObject({ ok: true, entries: 3, unchained: 2, head: { id: 3 } });
      const first = store.db.prepare('SELECT prev_hash FROM audit_log WHERE id = 3').pluck().get();
      expect(first).toBe(CHAIN_START);
    } finally {
      store.close();
      d.remove();
    }
  });
});

describe.skipIf(postgresSkip !== false)(
  'the audit chain on PostgreSQL, appended by a login that may only insert',
  () => {
    it('needs INSERT on audit_log and SELECT of audit_log (id) and store_meta (audit_head_hash), no UPDATE', () => {
      t = tempStore('postgres');
      t.store.patients.create({ pseudonym: 'P-1' });
      const url = new URL(t.target);
      const schema = url.searchParams.get('schema') ?? '';
      const role = `${schema}_appender`;
      const admin = adminConnection();
      try {
        admin.exec(`CREATE ROLE ${role} LOGIN;
        GRANT USAGE ON SCHEMA ${schema} TO ${role};
        GRANT INSERT ON ${schema}.audit_log TO ${role};
        GRANT SELECT (id) ON ${schema}.audit_log TO ${role};
        GRANT SELECT (id, audit_head_hash) ON ${schema}.store_meta TO ${role}`);
        url.username = role;
        // Without ?schema=, which would CREATE SCHEMA IF NOT EXISTS (a privilege on the database): set here.
        url.searchParams.delete('schema');
        const db = PostgresDb.connect(parsePostgresTarget(url.toString()), { lockTimeoutMs: 10_000 });
        try {
          db.exec(`SET search_path TO ${schema}`);
          for (let i = 0; i < 3; i++)
            db.transaction(() =>
              appendEntry(db, {
                at: new Date().toISOString(),
                osUser: 'researcher',
                action: 'case.list',
                patient: null,
                details: null,
              }),
            ).immediate();
          expect(() => db.exec("UPDATE audit_log SET action = 'x'")).toThrow(/permission denied/);
          expect(() => db.exec('UPDATE store_meta SET audit_chained = 0')).toThrow(/permission denied/);
        } finally {
          db.close();
        }
        expect(t.store.audit.verify()).toMatchObject({ ok: true, entries: 4, head: { id: 4 } });
      } finally {
        admin.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
        admin.close();
      }
    });
  },
);
