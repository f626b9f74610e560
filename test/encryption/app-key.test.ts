import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { UserError } from '../../src/main/errors.js';
import { appDatabaseKey, appKeyFileIn, exportKeyFile, type Keychain } from '../../src/main/store/app-key.js';
import { Store } from '../../src/main/store/store.js';
import { userKeyFileFor } from '../../src/main/store/user-keys.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../store/support.js';
import { clearText, patient, recordPatient } from './support.js';

/**
 * A keychain as safeStorage behaves (which needs Electron's OS integration, not present here): real
 * AES-256-GCM under a secret only this keychain holds, so sealed bytes are unreadable without it.
 */
function testKeychain(available = true): Keychain {
  const secret = randomBytes(32);
  return {
    available: () => available,
    seal(text) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', secret, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    unseal(sealed) {
      const d = createDecipheriv('aes-256-gcm', secret, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

let work: ReturnType<typeof tempDir>;
beforeEach(() => {
  work = tempDir('facepheno-appkey-');
});
afterEach(() => work.remove());

const noEnv = {};
/** Only the user's config directory (this test file's own, as the app would find it). */
const userConfig = () => ({ XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME });

describe("the app's database key", () => {
  it('is created on first run, sealed in the data directory, and the same on every later run', () => {
    const keychain = testKeychain();
    const first = appDatabaseKey(work.dir, keychain, noEnv);
    expect(first).toMatchObject({ source: 'created' });
    const key = first.key ?? '';
    expect(key).toMatch(/^x'[0-9a-f]{64}'$/);
    const file = appKeyFileIn(work.dir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = readFileSync(file);
    expect(sealed.includes(key.slice(2, -1))).toBe(false);
    expect(readdirSync(work.dir)).toEqual(['facepheno.key']);

    expect(appDatabaseKey(work.dir, keychain, noEnv)).toEqual({ key, source: 'keychain' });
    expect(readFileSync(file).equals(sealed)).toBe(true);
    // Each installation has its own key.
    const other = tempDir('facepheno-appkey-');
    try {
      expect(appDatabaseKey(other.dir, testKeychain(), noEnv).key).not.toBe(key);
    } finally {
      other.remove();
    }
  });

  it('encrypts the database the app then creates, which opens with the key on the next run', () => {
    const keychain = testKeychain();
    const { key } = appDatabaseKey(work.dir, keychain, noEnv);
    const db = storeFileIn(work.dir);
    const store = Store.open(db, { key, osUser: 'app-key-test' });
    recordPatient(store);
    store.close();
    expect(clearText(db)).toEqual([]);
    expect(() => Store.open(db, { key: undefined })).toThrow(db);
    Store.open(db, { key: appDatabaseKey(work.dir, keychain, noEnv).key }).close();
  });

  it('exported to a key file, opens the app database through the command', () => {
    const { key } = appDatabaseKey(work.dir, testKeychain(), noEnv);
    const db = storeFileIn(work.dir);
    const store = Store.open(db, { key, osUser: 'app-key-test' });
    recordPatient(store);
    store.close();
    const exported = join(work.dir, 'exported.key');
    exportKeyFile(key ?? '', exported);
    expect(statSync(exported).mode & 0o777).toBe(0o600);
    expect(() => exportKeyFile(key ?? '', exported)).toThrow(
      new UserError('already exists: name a new key file', { file: exported }),
    );
    const r = runCli(['case', 'list', '--data-dir', work.dir, '--key-file', exported, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { rows: { pseudonym: string }[] }).rows[0]?.pseudonym).toBe(
      patient.pseudonym,
    );
  });

  it('is FACEPHENO_DB_KEY when that is set, and then nothing is written', () => {
    expect(appDatabaseKey(work.dir, testKeychain(), { FACEPHENO_DB_KEY: 'given' })).toEqual({
      key: 'given',
      source: 'environment',
    });
    expect(existsSync(appKeyFileIn(work.dir))).toBe(false);
  });

  it("falls back to the user's own key file where there is no keychain, never to plaintext", () => {
    const db = storeFileIn(work.dir);
    const fallback = appDatabaseKey(work.dir, testKeychain(false), userConfig());
    expect(fallback).toMatchObject({ source: 'user-key-file', keyFile: userKeyFileFor(db), newKey: true });
    const key = fallback.key ?? '';
    expect(key).toMatch(/^x'[0-9a-f]{64}'$/);
    // Nothing beside the database, and the key saved only as the database is made.
    expect(readdirSync(work.dir)).toEqual([]);
    const store = Store.open(db, { key, keyFile: userKeyFileFor(db), newKey: true, osUser: 'app-key-test' });
    recordPatient(store);
    store.close();
    expect(clearText(db)).toEqual([]);
    expect(statSync(userKeyFileFor(db)).mode & 0o777).toBe(0o600);
    expect(readdirSync(work.dir).some((f) => f.endsWith('.key'))).toBe(false);
    expect(appDatabaseKey(work.dir, testKeychain(false), userConfig())).toEqual({
      key,
      source: 'user-key-file',
      keyFile: userKeyFileFor(db),
      newKey: false,
    });
  });

  it('refuses a database made before without a key, unless started with --no-encryption', () => {
    const db = storeFileIn(work.dir);
    Store.open(db, { key: undefined }).close();
    expect(() => appDatabaseKey(work.dir, testKeychain(), userConfig())).toThrow(
      new UserError(
        'this case database is not encrypted: convert it with `facepheno encrypt --db FILE` (its photos too), ' +
          'or open it unencrypted with --no-encryption',
        { file: db },
      ),
    );
    expect(appDatabaseKey(work.dir, testKeychain(), userConfig(), { plaintext: true })).toEqual({
      key: undefined,
      reason: 'started with --no-encryption',
    });
    expect(existsSync(appKeyFileIn(work.dir))).toBe(false);
    expect(existsSync(userKeyFileFor(db))).toBe(false);
  });

  it('refuses, naming the key file, when the keychain is gone or cannot unseal it, or the key is damaged', () => {
    const keychain = testKeychain();
    appDatabaseKey(work.dir, keychain, noEnv);
    const file = appKeyFileIn(work.dir);
    expect(() => appDatabaseKey(work.dir, testKeychain(false), noEnv)).toThrow(
      new UserError(
        'the database key is sealed by the OS keychain, which is not available: unlock it, or start FacePheno with the key in FACEPHENO_DB_KEY',
        { file },
      ),
    );
    expect(() => appDatabaseKey(work.dir, testKeychain(), noEnv)).toThrow(
      `${file}: the OS keychain cannot unseal the database key (another user or a reset keychain?)`,
    );
    writeFileSync(file, keychain.seal('not a key'));
    expect(() => appDatabaseKey(work.dir, keychain, noEnv)).toThrow(
      new UserError('the unsealed database key is damaged', { file }),
    );
  });
});
