/**
 * Encryption by default (issue 15, finding 2): the real command, without --key-file, under umask 022, with
 * the user's config directory (XDG_CONFIG_HOME) of this test file's own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../../src/main/store/config.js';
import { UserError } from '../../src/main/errors.js';
import { photoImage } from '../../src/main/usecases/photos.js';
import { withWorkspace } from '../../src/main/usecases/workspace.js';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { tempDir } from '../store/support.js';
import { startsAsPlainSqlite } from './support.js';

const work = tempDir('facepheno-enc-default-');
const config = () => process.env.XDG_CONFIG_HOME ?? '';
const keysDir = () => join(config(), 'facepheno', 'keys');
const keyFileOf = (db: string) => join(keysDir(), `${createHash('sha256').update(db).digest('hex')}.key`);
const id = 'ENC-DEFAULT-4711';
const photo = facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg');
const photoBytes = readFileSync(photo);
const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

function foldersUnder(dir: string): string[] {
  return [
    dir,
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(d.parentPath, d.name)),
  ];
}

function ok(args: string[]): { stdout: string; stderr: string } {
  const r = runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

let umask: number;
beforeAll(() => {
  // What a usual login has: files would be 0644 and folders 0755 unless FacePheno says otherwise.
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
  work.remove();
});

describe('a database the command creates without a key', () => {
  const db = join(work.dir, 'clinic', 'cases.db');
  const photos = join(work.dir, 'clinic', 'cases.photos');

  beforeAll(() => {
    ok(['case', 'create', '--db', db, '--id', id]);
    ok(['case', 'add-photo', '--db', db, '--id', id, photo]);
  });

  it('is encrypted: no SQLite header, no case id in the database, its WAL or the photo files', () => {
    expect(startsAsPlainSqlite(db)).toBe(false);
    const files = [db, `${db}-wal`, ...filesUnder(photos)].filter(existsSync);
    expect(filesUnder(photos)).toHaveLength(1);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(id)), f).toBe(false);
      expect(bytes.includes(Buffer.from(id, 'utf16le')), f).toBe(false);
    }
    // The photo file is sealed: not the JPEG, nor any run of its bytes, and recognisably FacePheno's.
    const [sealed = ''] = filesUnder(photos);
    const bytes = readFileSync(sealed);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(bytes.includes(photoBytes.subarray(0, 64))).toBe(false);
    expect(bytes.includes(photoBytes.subarray(1000, 1064))).toBe(false);
  });

  it("is the user's alone under umask 022: database and photos 0600, folders 0700", () => {
    expect(mode(db)).toBe(0o600);
    for (const f of filesUnder(photos)) expect(mode(f), f).toBe(0o600);
    for (const d of foldersUnder(photos)) expect(mode(d), d).toBe(0o700);
    expect(mode(join(work.dir, 'clinic'))).toBe(0o700);
  });

  it("keeps its key in the user's config directory (0600 in 0700), never beside the database", () => {
    const keyFile = keyFileOf(db);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^x'[0-9a-f]{64}'\n$/);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(keysDir())).toBe(0o700);
    expect(readdirSync(join(work.dir, 'clinic')).sort()).toEqual(
      ['cases.db', 'cases.db-wal', 'cases.db-shm', 'cases.photos'].filter((f) =>
        existsSync(join(work.dir, 'clinic', f)),
      ),
    );
    expect(readdirSync(join(work.dir, 'clinic')).some((f) => f.endsWith('.key'))).toBe(false);
  });

  it('opens again with that key, found by itself or given with --key-file', () => {
    expect(ok(['case', 'list', '--db', db, '--json']).stdout).toContain(id);
    expect(ok(['case', 'list', '--db', db, '--json', '--key-file', keyFileOf(db)]).stdout).toContain(id);
  });

  it('shows its photo, and refuses a tampered photo file naming it', async () => {
    const key = readFileSync(keyFileOf(db), 'utf8').trim();
    const cfg = storeConfig(db, { key }, {});
    const shown = await withWorkspace(cfg, (ws) => photoImage(ws, 1, 'original'));
    expect(shown.data.length).toBeGreaterThan(0);
    const [sealed = ''] = filesUnder(photos);
    const bytes = readFileSync(sealed);
    const good = Buffer.from(bytes);
    bytes.writeUInt8((bytes[bytes.length - 10] ?? 0) ^ 1, bytes.length - 10);
    writeFileSync(sealed, bytes);
    try {
      await expect(withWorkspace(cfg, (ws) => photoImage(ws, 1, 'original'))).rejects.toThrow(
        new UserError('a sealed file is damaged or was sealed with another key: refused', { file: sealed }),
      );
    } finally {
      writeFileSync(sealed, good);
    }
  });

  it('is backed up encrypted and restored by the same user without a key given', () => {
    const backup = join(work.dir, 'backup');
    ok(['backup', '--db', db, backup]);
    expect(startsAsPlainSqlite(join(backup, 'facepheno.db'))).toBe(false);
    for (const f of filesUnder(join(backup, 'photos')))
      expect(readFileSync(f).subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    const restored = join(work.dir, 'restored', 'cases.db');
    ok(['restore', backup, '--db', restored]);
    expect(startsAsPlainSqlite(restored)).toBe(false);
    expect(readFileSync(keyFileOf(restored), 'utf8')).toBe(readFileSync(keyFileOf(db), 'utf8'));
    expect(ok(['case', 'list', '--db', restored, '--json']).stdout).toContain(id);
  });
});

describe('--no-encryption', () => {
  const db = join(work.dir, 'plain', 'cases.db');

  it('writes a plain database and plain photos, still 0600/0700, and says so on stderr', () => {
    const made = ok(['case', 'create', '--db', db, '--id', id, '--no-encryption']);
    expect(made.stderr).toBe(`facepheno: --no-encryption: ${db} and its photos are kept unencrypted\n`);
    ok(['case', 'add-photo', '--db', db, '--id', id, photo, '--no-encryption']);
    expect(startsAsPlainSqlite(db)).toBe(true);
    const files = filesUnder(join(work.dir, 'plain', 'cases.photos'));
    expect(files.map((f) => readFileSync(f).equals(photoBytes))).toEqual([true]);
    for (const f of files) expect(mode(f)).toBe(0o600);
    expect(existsSync(keyFileOf(db))).toBe(false);
  });

  it('is refused without --no-encryption, with advice, changing nothing', () => {
    const before = readFileSync(db);
    const r = runCli(['case', 'list', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `facepheno case: ${db}: this case database is not encrypted: convert it with ` +
        '`facepheno encrypt --db FILE` (its photos too), or open it unencrypted with --no-encryption\n',
    );
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(existsSync(keyFileOf(db))).toBe(false);
  });

  it('and a key together are refused', () => {
    const r = runCli(['case', 'list', '--db', db, '--no-encryption'], { FACEPHENO_DB_KEY: 'k' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--no-encryption opens a database without a key, and a key was given');
  });
});
