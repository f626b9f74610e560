/** The one writer and reader of every sealed file beside a database (src/main/sealed-file.ts), with real AES-256-GCM. */
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import {
  deriveSealKey,
  makePrivateDir,
  readSealedFile,
  sealPurposes,
  writeSealedFile,
} from '../../src/main/sealed-file.js';
import { tempDir } from '../store/support.js';

const work = tempDir('facepheno-sealed-');
const key = deriveSealKey("x'" + '11'.repeat(32) + "'", sealPurposes.caches);
const text = Buffer.from('{"patient":"ENC-SEALED-0001"}');
let umask: number;
beforeAll(() => {
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
  work.remove();
});

describe('a sealed file', () => {
  it('holds nothing in clear, is 0600 in a 0700 folder, and reads back only under its key and purpose', () => {
    const dir = join(work.dir, 'caches');
    makePrivateDir(dir);
    const file = join(dir, 'cache.json');
    writeSealedFile(file, text, key);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(bytes.includes(Buffer.from('ENC-SEALED-0001'))).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readSealedFile(file, key).equals(text)).toBe(true);
    const photosKey = deriveSealKey("x'" + '11'.repeat(32) + "'", sealPurposes.photos);
    expect(() => readSealedFile(file, photosKey)).toThrow(
      new UserError('a sealed file is damaged or was sealed with another key: refused', { file }),
    );
    expect(() => readSealedFile(file, undefined)).toThrow(
      new UserError('this file is sealed: it is read with the key of its encrypted database', { file }),
    );
  });

  it('refuses a changed header or body, naming the file', () => {
    const file = join(work.dir, 'tampered');
    writeSealedFile(file, text, key);
    const good = readFileSync(file);
    for (const at of [7, 10, good.length - 1]) {
      const bad = Buffer.from(good);
      bad.writeUInt8((bad[at] ?? 0) ^ 1, at);
      writeFileSync(file, bad);
      expect(() => readSealedFile(file, key), `byte ${at}`).toThrow(file);
    }
    writeFileSync(file, 'plain text');
    expect(() => readSealedFile(file, key)).toThrow(
      new UserError("not a sealed FacePheno file (written unencrypted, or not FacePheno's)", { file }),
    );
  });

  it('is created exclusively: never over an existing file, never through a link planted at its temporary name', () => {
    const file = join(work.dir, 'exclusive');
    writeSealedFile(file, text, key, { exclusive: true });
    expect(() => writeSealedFile(file, text, key, { exclusive: true })).toThrow(/EEXIST/);
    const victim = join(work.dir, 'victim');
    writeFileSync(victim, 'not to be overwritten');
    const replaced = join(work.dir, 'replaced');
    symlinkSync(victim, `${replaced}.${process.pid}.tmp`);
    writeSealedFile(replaced, text, key);
    expect(readFileSync(victim, 'utf8')).toBe('not to be overwritten');
    expect(readSealedFile(replaced, key).equals(text)).toBe(true);
    expect(existsSync(`${replaced}.${process.pid}.tmp`)).toBe(false);
  });
});
