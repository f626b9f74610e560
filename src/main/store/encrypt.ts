/**
 * `facepheno encrypt`: an existing plaintext case database and its photo folder converted in place, all
 * or nothing. Encrypted copies are written beside them, checked (every table's rows, every photo's bytes
 * against its sha256), and only then swapped in; any failure before the swap leaves the originals as
 * they were, and a failed swap is undone.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import { makePrivateDir } from '../sealed-file.js';
import { openDatabaseFile, readKeyFile, startsPlain } from './encryption.js';
import { PhotoFiles, photoSealKey, sha256Hex } from './photo-files.js';
import { photosDirFor } from './store.js';
import { saveUserKey } from './user-keys.js';

export interface EncryptReport {
  db: string;
  photosDir: string;
  tables: number;
  rows: number;
  photoFiles: number;
  /** The user's key file the new key was saved in; absent where the key was given. */
  keyFile?: string;
}

export interface EncryptOptions {
  photosDir?: string;
  /** The key to encrypt with (--key-file, FACEPHENO_DB_KEY); else a new one, saved in `keyFile`. */
  key?: string;
  /** The user's key file for this database (where a new key goes, or an earlier one is found). */
  keyFile: string;
}

const quote = (key: string) => `'${key.replaceAll("'", "''")}'`;

/** Every table's row count: what the encrypted copy must hold too. */
function rowCounts(db: Database.Database): Map<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .pluck()
    .all() as string[];
  return new Map(
    tables.map((t) => [
      t,
      db
        .prepare(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`)
        .pluck()
        .get() as number,
    ]),
  );
}

export function encryptStore(dbFile: string, opts: EncryptOptions): EncryptReport {
  const db = resolve(dbFile);
  const photosDir = resolve(opts.photosDir ?? photosDirFor(db));
  if (!existsSync(db)) throw new UserError('no such case database', { file: db });
  if (!startsPlain(db))
    throw new UserError('this database is already encrypted, or not a FacePheno database: nothing to do', {
      file: db,
    });
  const key =
    opts.key ??
    (existsSync(opts.keyFile) ? readKeyFile(opts.keyFile) : `x'${randomBytes(32).toString('hex')}'`);
  const newKey = opts.key === undefined && !existsSync(opts.keyFile);
  const tmpDb = `${db}.${process.pid}.encrypting`;
  const tmpPhotos = `${photosDir}.${process.pid}.encrypting`;
  const oldPhotos = `${photosDir}.${process.pid}.plain`;
  const cleanup = () => {
    for (const f of [tmpDb, `${tmpDb}-journal`]) rmSync(f, { force: true });
    rmSync(tmpPhotos, { recursive: true, force: true });
  };
  cleanup();

  let counts: Map<string, number>;
  let shas: string[];
  let referenced: string[];
  try {
    // 1. The WAL folded into the database (its content unchanged), so that no plaintext WAL is left to
    // apply to the encrypted file; refused while another process has it open.
    const source = openDatabaseFile(db, { timeoutMs: 2000 });
    try {
      const [cp] = source.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (cp && cp.busy !== 0)
        throw new UserError('the database is in use: close FacePheno (app, serve) and run again', {
          file: db,
        });
      // A consistent plaintext copy, then encrypted in place with SQLCipher's rekey.
      counts = rowCounts(source);
      referenced = source.prepare('SELECT DISTINCT sha256 FROM photos').pluck().all() as string[];
      source.prepare('VACUUM INTO ?').run(tmpDb);
    } finally {
      source.close();
    }
    chmodSync(tmpDb, 0o600);
    const copy = new Database(tmpDb, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      copy.pragma(`cipher = 'sqlcipher'`);
      copy.pragma(`rekey = ${quote(key)}`);
    } finally {
      copy.close();
    }

    // 2. Every photo file sealed into a new folder, each checked against its name first.
    const plain = new PhotoFiles(photosDir);
    const sealed = new PhotoFiles(tmpPhotos, photoSealKey(key));
    makePrivateDir(tmpPhotos);
    shas = plain.list().filter((f) => /^[0-9a-f]{64}$/.test(f));
    for (const sha of shas) sealed.put(plain.read(sha, 'a photo file of the database'), sha);

    // 3. Checked: the encrypted copy opens with the key and holds every row; every photo unseals whole.
    const check = openDatabaseFile(tmpDb, { readonly: true, key });
    try {
      if (check.pragma('integrity_check', { simple: true }) !== 'ok')
        throw new UserError('the encrypted copy failed its integrity check: nothing was changed', {
          file: db,
        });
      const after = rowCounts(check);
      for (const [t, n] of counts)
        if (after.get(t) !== n)
          throw new UserError(`the encrypted copy lost rows of ${t}: nothing was changed`, { file: db });
    } finally {
      check.close();
    }
    const missing = referenced.find((sha) => !shas.includes(sha));
    if (missing !== undefined)
      throw new UserError(
        `the database names a photo file that is not in its folder: ${missing}: nothing was changed`,
        {
          file: photosDir,
        },
      );
    for (const sha of shas)
      if (sha256Hex(sealed.read(sha)) !== sha)
        throw new UserError('a sealed photo did not read back: nothing was changed', {
          file: sealed.path(sha),
        });
  } catch (err) {
    cleanup();
    throw err;
  }

  // 4. The swap: the key first (the database is never there without it), the photo folder, the database.
  let keySaved = false;
  let photosMoved = false;
  let photosPlaced = false;
  try {
    if (newKey) {
      saveUserKey(opts.keyFile, key);
      keySaved = true;
    }
    if (existsSync(photosDir)) {
      renameSync(photosDir, oldPhotos);
      photosMoved = true;
    }
    renameSync(tmpPhotos, photosDir);
    photosPlaced = true;
    renameSync(tmpDb, db);
  } catch (err) {
    if (photosPlaced) renameSync(photosDir, tmpPhotos);
    if (photosMoved) renameSync(oldPhotos, photosDir);
    if (keySaved) rmSync(opts.keyFile, { force: true });
    cleanup();
    throw new UserError(
      `cannot put the encrypted copy in place: ${(err as Error).message}: nothing was changed`,
      {
        file: db,
        cause: err,
      },
    );
  }
  // The plaintext leftovers: the old photo folder and the old database's WAL (folded into the copy).
  rmSync(oldPhotos, { recursive: true, force: true });
  for (const f of [`${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  return {
    db,
    photosDir,
    tables: counts.size,
    rows: [...counts.values()].reduce((a, b) => a + b, 0),
    photoFiles: shas.length,
    ...(newKey ? { keyFile: opts.keyFile } : {}),
  };
}
