import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';
import { startsAsPlainSqlite } from './support.js';

const work = tempDir('facepheno-enc-cli-');
const db = join(work.dir, 'cases.db');
const keyFile = join(work.dir, 'passphrase');
const wrongKeyFile = join(work.dir, 'wrong');
const phenopacket = join(repoRoot, 'test', 'fixtures', 'phenopacket', 'kabuki.json');
/** What the two cases put in the database: ids, and the phenopacket's HPO labels. */
const patientText = ['ENC-CLI-0815', 'KAB-017', 'Ptosis', 'Low-set ears', 'Micrognathia'];

function inClear(file: string): string[] {
  const bytes = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f));
  return patientText.filter((s) => bytes.some((b) => b.includes(s)));
}

function ok(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = runCli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** A run that fails as a whole: exit 1, one line on stderr, no stack. */
function failure(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = runCli(args, env);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  return r.stderr.trim();
}

const listed = (stdout: string) =>
  (JSON.parse(stdout) as { rows: { pseudonym: string }[] }).rows.map((r) => r.pseudonym).sort();

beforeAll(() => {
  // A passphrase file as `echo` writes it, with its final newline.
  writeFileSync(keyFile, 'a clinic passphrase, not on the command line\n', { mode: 0o600 });
  writeFileSync(wrongKeyFile, 'another passphrase\n', { mode: 0o600 });
  ok(['case', 'create', '--db', db, '--id', 'ENC-CLI-0815', '--key-file', keyFile]);
  ok(['--key-file', keyFile, 'case', 'import', '--db', db, '--phenopacket', phenopacket]);
});

afterAll(() => work.remove());

describe('facepheno with --key-file', () => {
  it('creates an encrypted database that holds no patient text in clear, and opens it with the key', () => {
    expect(startsAsPlainSqlite(db)).toBe(false);
    expect(inClear(db)).toEqual([]);
    expect(listed(ok(['case', 'list', '--db', db, `--key-file=${keyFile}`, '--json']))).toEqual([
      'ENC-CLI-0815',
      'KAB-017',
    ]);
    const viaEnv = ok(['case', 'list', '--db', db, '--json'], {
      FACEPHENO_DB_KEY: 'a clinic passphrase, not on the command line',
    });
    expect(listed(viaEnv)).toEqual(['ENC-CLI-0815', 'KAB-017']);
  });

  it('refuses without the key, or with a wrong one, in one line naming the database', () => {
    const before = readFileSync(db);
    // No key given, and none in the user's key files (the database was made with --key-file).
    expect(failure(['case', 'list', '--db', db])).toContain(
      `${db}: this case database is encrypted and its key is not in `,
    );
    expect(failure(['case', 'create', '--db', db, '--id', 'X-1', '--key-file', wrongKeyFile])).toBe(
      `facepheno case: ${db}: wrong key or not a FacePheno database`,
    );
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('names an unreadable or empty key file, and refuses --key-file without one', () => {
    const missing = join(work.dir, 'no-such-key');
    expect(failure(['case', 'list', '--db', db, '--key-file', missing])).toContain(
      `facepheno case: ${missing}: cannot read the key file: ENOENT`,
    );
    const empty = join(work.dir, 'empty-key');
    writeFileSync(empty, '\n');
    expect(failure(['case', 'list', '--db', db, '--key-file', empty])).toBe(
      `facepheno case: ${empty}: the key file is empty`,
    );
    const r = runCli(['case', 'list', '--db', db, '--key-file']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'facepheno: --key-file needs a FILE holding the database passphrase (see facepheno --help)',
    );
    expect(runCli(['--help']).stdout).toContain('--key-file FILE');
  });

  it('backs up encrypted, and restores only with the key', () => {
    const backup = join(work.dir, 'backup');
    const manifest = JSON.parse(ok(['backup', '--db', db, backup, '--json', '--key-file', keyFile])) as {
      database: { encrypted: boolean };
    };
    expect(manifest.database.encrypted).toBe(true);
    expect(inClear(join(backup, 'facepheno.db'))).toEqual([]);

    const restored = join(work.dir, 'restored', 'cases.db');
    // Made with --key-file: the backup names no key file of the user's, so the restore needs that key.
    expect(failure(['restore', backup, '--db', restored])).toBe(
      `facepheno restore: ${backup}: this backup is encrypted with the key of the database it was taken ` +
        `from, which is not in ${join(process.env.XDG_CONFIG_HOME ?? '', 'facepheno', 'keys')}: give it with --key-file FILE`,
    );
    const plain = runCli(['restore', backup, '--db', restored, '--no-encryption']);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n')).toEqual([
      `facepheno: --no-encryption: ${restored} and its photos are kept unencrypted`,
      `facepheno restore: ${join(backup, 'facepheno.db')}: cannot open the case database: it is encrypted ` +
        '(give its key with --key-file FILE or FACEPHENO_DB_KEY) or not a FacePheno database',
    ]);
    expect(existsSync(restored)).toBe(false);
    ok(['restore', backup, '--db', restored, '--key-file', keyFile]);
    expect(inClear(restored)).toEqual([]);
    expect(listed(ok(['case', 'list', '--db', restored, '--key-file', keyFile, '--json']))).toEqual([
      'ENC-CLI-0815',
      'KAB-017',
    ]);
  });
});

describe('facepheno --no-encryption', () => {
  it('keeps an unencrypted database as plain SQLite, says so, and refuses a key for it', () => {
    const plain = join(work.dir, 'plain.db');
    ok(['case', 'create', '--db', plain, '--id', 'ENC-CLI-0815', '--no-encryption']);
    expect(listed(ok(['case', 'list', '--db', plain, '--json', '--no-encryption']))).toEqual([
      'ENC-CLI-0815',
    ]);
    expect(startsAsPlainSqlite(plain)).toBe(true);
    expect(failure(['case', 'list', '--db', plain, '--key-file', keyFile])).toBe(
      `facepheno case: ${plain}: this database is not encrypted: convert it with \`facepheno encrypt --db FILE\`, ` +
        'or open it without a key (--no-encryption)',
    );
  });
});
