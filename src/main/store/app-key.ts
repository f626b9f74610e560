import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { storeFileIn } from '../data-dir.js';
import { userDatabaseKey } from './user-keys.js';

/**
 * What the app needs of the OS keychain (Electron's safeStorage), so that this logic runs without Electron.
 * `available` is false where sealing would be no protection (no keychain, or Linux's plain-text fallback).
 */
export interface Keychain {
  available(): boolean;
  seal(text: string): Buffer;
  unseal(sealed: Buffer): string;
}

export type AppDatabaseKey =
  | { key: string; source: 'environment' | 'keychain' | 'created' }
  /** No keychain (or a database the command made): the user's own key file, as the command keeps it. */
  | { key: string; source: 'user-key-file'; keyFile: string; newKey: boolean }
  | { key: undefined; reason: string };

/** The app's database key, sealed by the OS keychain, beside the database it opens. */
export function appKeyFileIn(dataDir: string): string {
  return join(dataDir, 'facepheno.key');
}

/** SQLCipher's raw-key form: 256 random bits used as the key itself, with no passphrase stretching. */
const rawKey = /^x'[0-9a-f]{64}'$/;

/**
 * The key the app opens its case database with. FACEPHENO_DB_KEY wins (set by whoever started the app);
 * else the key sealed in the data directory; else, on first run (no database yet), a new random key,
 * sealed there before the database exists. Where the OS has no keychain to seal a key with (or the
 * database was made by the command), the user's own key file keeps it, as for the command (never
 * plaintext in its stead). An unencrypted database opens only with `plaintext` (--no-encryption), and
 * is refused otherwise, saying how to convert it.
 */
export function appDatabaseKey(
  dataDir: string,
  keychain: Keychain,
  env: NodeJS.ProcessEnv = process.env,
  opts: { plaintext?: boolean } = {},
): AppDatabaseKey {
  if (env.FACEPHENO_DB_KEY !== undefined) return { key: env.FACEPHENO_DB_KEY, source: 'environment' };
  const file = appKeyFileIn(dataDir);
  if (existsSync(file)) return { key: unsealKey(file, keychain), source: 'keychain' };
  const db = storeFileIn(dataDir);
  if (opts.plaintext) return { key: undefined, reason: 'started with --no-encryption' };
  if (!existsSync(db) && keychain.available()) {
    const key = `x'${randomBytes(32).toString('hex')}'`;
    // Complete or absent: a half-written key file would lock the user out of the database made with it.
    const tmp = `${file}.${process.pid}.partial`;
    try {
      writeFileSync(tmp, keychain.seal(key), { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new UserError(`cannot save the database key: ${(err as Error).message}`, { file, cause: err });
    }
    return { key, source: 'created' };
  }
  const user = userDatabaseKey(db, env);
  return { key: user.key, source: 'user-key-file', keyFile: user.file, newKey: user.isNew };
}

function unsealKey(file: string, keychain: Keychain): string {
  if (!keychain.available())
    throw new UserError(
      'the database key is sealed by the OS keychain, which is not available: unlock it, or start FacePheno with the key in FACEPHENO_DB_KEY',
      { file },
    );
  let key: string;
  try {
    key = keychain.unseal(readFileSync(file));
  } catch (err) {
    throw new UserError(
      `the OS keychain cannot unseal the database key (another user or a reset keychain?): ${(err as Error).message}`,
      { file, cause: err },
    );
  }
  if (!rawKey.test(key)) throw new UserError('the unsealed database key is damaged', { file });
  return key;
}

/**
 * Writes the app's key, unsealed, into a new file that `facepheno --key-file` reads: how the command (or
 * another machine restoring a backup) opens the app's encrypted database. Never overwrites; only the user
 * may read it.
 */
export function exportKeyFile(key: string, file: string): void {
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    throw new UserError(
      exists ? 'already exists: name a new key file' : `cannot write the key file: ${(err as Error).message}`,
      { file, cause: err },
    );
  }
}
