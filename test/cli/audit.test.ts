import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { rawDatabase } from '../support/command-key.js';
import { fixture, scratch } from '../genomics/support.js';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');

beforeAll(() => {
  for (const args of [
    ['case', 'create', '--db', db, '--id', 'P1'],
    ['vcf', 'catalogue', '--db', db, fixture('genemap2.txt')],
  ])
    expect(runCli(args).code).toBe(0);
});
afterAll(() => tmp.cleanup());

interface Entry {
  id: number;
  action: string;
  patient: string | null;
  osUser: string;
}

function entries(...more: string[]): Entry[] {
  const r = runCli(['audit', 'list', '--db', db, '--limit', '1000', '--json', ...more]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Entry[];
}

/** The entries `args` left (the command run as a user would), less the listing that reads them back. */
function leaves(args: string[]): Pick<Entry, 'action' | 'patient'>[] {
  const before = entries()[0]?.id ?? 0;
  const r = runCli(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return entries()
    .filter((e) => e.id > before && e.action !== 'audit.list')
    .map((e) => ({ action: e.action, patient: e.patient }))
    .reverse();
}

describe('facepheno audit', () => {
  it('every read of patient data through the command leaves an entry', () => {
    expect(leaves(['case', 'list', '--db', db])).toEqual([{ action: 'case.list', patient: null }]);
    expect(leaves(['case', 'show', '--db', db, '--id', 'p1'])).toEqual([
      { action: 'case.open', patient: 'P1' },
    ]);
    expect(
      leaves(['case', 'export', '--db', db, '--id', 'P1', '--phenopacket', join(tmp.dir, 'p1.json')]),
    ).toEqual([
      { action: 'case.open', patient: 'P1' },
      { action: 'phenopacket.export', patient: 'P1' },
    ]);
    expect(leaves(['vcf', 'import', '--db', db, '--patient', 'P1', fixture('trio.vep.vcf')])).toEqual([
      { action: 'vcf.import', patient: 'P1' },
    ]);
    expect(leaves(['variants', '--db', db, '--patient', 'P1'])).toEqual([
      { action: 'variants.list', patient: 'P1' },
    ]);
    expect(leaves(['backup', '--db', db, join(tmp.dir, 'backup')])).toEqual([
      { action: 'backup', patient: null },
    ]);
    // The OS user who ran it.
    expect(entries()[1]).toMatchObject({ action: 'backup', osUser: userInfo().username });
    // Listing the log is a read too, and --patient narrows it.
    expect(entries('--patient', 'P1').map((e) => e.patient)).toEqual(expect.arrayContaining(['P1']));
    expect(new Set(entries('--patient', 'P1').map((e) => e.patient))).toEqual(new Set(['P1']));
    expect(entries()[0]).toMatchObject({ action: 'audit.list', patient: 'P1' });
  });

  it('verify prints OK with the count and head, and exits 1 naming the first entry edited', () => {
    const ok = runCli(['audit', 'verify', '--db', db]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const n = entries().length + 1;
    expect(ok.stdout).toMatch(
      new RegExp(
        `^audit log OK: ${n - 1} entries, chain intact\\nhead: entry ${n - 1} sha256 [0-9a-f]{64}\\n`,
      ),
    );
    const head = /sha256 ([0-9a-f]{64})/.exec(ok.stdout)?.[1] ?? '';
    expect(runCli(['audit', 'verify', '--db', db, '--anchor', head]).code).toBe(0);

    // Someone with write access to the file drops the append-only trigger and edits entry 2.
    const raw = rawDatabase(db);
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.exec(`UPDATE audit_log SET patient = 'P2' WHERE id = 2`);
    raw.close();
    const bad = runCli(['audit', 'verify', '--db', db]);
    expect(bad).toMatchObject({
      code: 1,
      stdout: 'audit log BROKEN at entry 2: entry 2 was edited: its contents no longer match its hash\n',
    });
    const json = runCli(['audit', 'verify', '--db', db, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('refuses wrong arguments with exit code 2', () => {
    expect(runCli(['audit', 'verify']).code).toBe(2);
    expect(runCli(['audit', 'frob', '--db', db]).code).toBe(2);
    expect(runCli(['audit', 'verify', '--db', db, '--anchor', 'abc']).code).toBe(2);
    expect(runCli(['audit', 'list', '--db', db, '--limit', '0']).code).toBe(2);
  });
});

describe.skipIf(postgresSkip !== false)('facepheno audit on a department database (PostgreSQL)', () => {
  it("verifies the chain, and exits 1 when the log's last entry was deleted", () => {
    const pg = freshSchema();
    const env = { FACEPHENO_PHOTOS_DIR: join(tmp.dir, 'pg-photos') };
    try {
      for (const args of [
        ['case', 'create', '--db', pg.url, '--id', 'P1'],
        ['case', 'show', '--db', pg.url, '--id', 'P1'],
        ['case', 'list', '--db', pg.url],
      ])
        expect(runCli(args, env)).toMatchObject({ code: 0, stderr: '' });
      const ok = runCli(['audit', 'verify', '--db', pg.url], env);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      expect(ok.stdout).toMatch(
        /^audit log OK: 3 entries, chain intact\nhead: entry 3 sha256 [0-9a-f]{64}\n/,
      );

      const owner = PostgresDb.connect(parsePostgresTarget(pg.url), { lockTimeoutMs: 10_000 });
      owner.exec('ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE id = 3');
      owner.close();
      expect(runCli(['audit', 'verify', '--db', pg.url], env)).toMatchObject({
        code: 1,
        stdout:
          "audit log BROKEN at entry 3: the log ends at entry 2, but the chain's head (store_meta) is entry 3: its last entries were deleted\n",
      });
    } finally {
      pg.drop();
    }
  });
});
