/** `facepheno encrypt`: a plaintext database and its photo folder converted, all or nothing (the real command). */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { tempDir } from '../store/support.js';
import { startsAsPlainSqlite } from './support.js';

const work = tempDir('facepheno-encrypt-');
const db = join(work.dir, 'cases.db');
const photos = join(work.dir, 'cases.photos');
const id = 'ENC-CONVERT-2024';
const photo = facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg');
const keyFile = () =>
  join(
    process.env.XDG_CONFIG_HOME ?? '',
    'facepheno',
    'keys',
    `${createHash('sha256').update(db).digest('hex')}.key`,
  );

/** Every file under the work folder with its bytes' sha256: what "nothing changed" compares. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(work.dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name))
      .sort()
      .map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]),
  );
}

function photoFile(): string {
  const [fan = ''] = readdirSync(photos);
  const [name = ''] = readdirSync(join(photos, fan));
  return join(photos, fan, name);
}

beforeAll(() => {
  for (const args of [
    ['case', 'create', '--db', db, '--id', id],
    ['case', 'add-photo', '--db', db, '--id', id, photo],
  ]) {
    const r = runCli([...args, '--no-encryption']);
    expect(r.code, r.stderr).toBe(0);
  }
  expect(startsAsPlainSqlite(db)).toBe(true);
});
afterAll(() => work.remove());

describe('facepheno encrypt', () => {
  it('changes nothing when a photo file cannot be read, naming it', () => {
    const file = photoFile();
    const aside = `${file}.aside`;
    renameSync(file, aside);
    mkdirSync(file); // the photo's name now holds a folder: unreadable as a file
    const before = snapshot();
    try {
      const r = runCli(['encrypt', '--db', db]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^facepheno encrypt: ${file}: a photo file of the database is missing or unreadable: EISDIR`,
        ),
      );
      expect(snapshot()).toEqual(before);
      expect(readdirSync(work.dir).sort()).toEqual(['cases.db', 'cases.photos']);
      expect(existsSync(keyFile())).toBe(false);
      expect(startsAsPlainSqlite(db)).toBe(true);
    } finally {
      rmSync(file, { recursive: true });
      renameSync(aside, file);
    }
  });

  it('converts the database and its photos, reports the counts, and every command then opens it', () => {
    const r = runCli(['encrypt', '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { photoFiles: number; rows: number; keyFile: string };
    expect(report).toMatchObject({ photoFiles: 1, keyFile: keyFile() });
    expect(report.rows).toBeGreaterThan(3);
    expect(startsAsPlainSqlite(db)).toBe(false);
    for (const f of [db, `${db}-wal`].filter(existsSync))
      expect(readFileSync(f).includes(Buffer.from(id))).toBe(false);
    const sealed = readFileSync(photoFile());
    expect(sealed.subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(sealed.includes(readFileSync(photo).subarray(0, 64))).toBe(false);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(readdirSync(work.dir).filter((f) => f.includes('.encrypting') || f.includes('.plain'))).toEqual(
      [],
    );

    const list = runCli(['case', 'list', '--db', db, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);
    const show = runCli(['case', 'show', '--db', db, '--id', id, '--json']);
    expect(show.code, show.stderr).toBe(0);
    // Already encrypted: refused, nothing to do.
    const again = runCli(['encrypt', '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('this database is already encrypted');
  });
});
