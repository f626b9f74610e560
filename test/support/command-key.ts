import type Database from 'better-sqlite3';
import { dataDirStoreConfig, encryptedStoreConfig, type StoreConfig } from '../../src/main/store/config.js';
import { storeFileIn } from '../../src/main/data-dir.js';
import { openDatabaseFile, startsPlain } from '../../src/main/store/encryption.js';
import { existingUserKey } from '../../src/main/store/user-keys.js';
import type { StoreSettings } from '../../src/main/store/config.js';

/**
 * The key settings the command would open the SQLite database `db` with by default (the user's own key
 * file, in this test file's XDG_CONFIG_HOME; a new one for a database not made yet), so that a test can
 * make or read, in process, the same encrypted database the commands it runs use.
 */
export function commandKey(db: string): StoreSettings {
  const c = encryptedStoreConfig(db, {}, process.env);
  return {
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.keyFile !== undefined ? { keyFile: c.keyFile } : {}),
    ...(c.newKey ? { newKey: true } : {}),
  };
}

/** The store a Service on `dataDir` opens as `facepheno serve` would: its database under the command's key. */
export function commandDataDirStore(dataDir: string): StoreConfig {
  return dataDirStoreConfig(dataDir, commandKey(storeFileIn(dataDir)), {});
}

/** The key an existing database file opens with: none for a plain one, else the user's key file's. */
export function keyOfFile(db: string): string | undefined {
  return startsPlain(db) ? undefined : existingUserKey(db);
}

/** The store settings an existing database file opens with: its key from the user's key file if encrypted. */
export function keyedSettings(db: string): StoreSettings {
  const key = keyOfFile(db);
  return key === undefined ? {} : { key };
}

/**
 * The database file opened past FacePheno, unlocked with its key where it is encrypted: how a test
 * tampers with a file as someone holding it and its key could.
 */
export function rawDatabase(db: string): Database.Database {
  return openDatabaseFile(db, { key: keyOfFile(db) });
}
