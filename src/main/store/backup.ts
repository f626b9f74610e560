import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { appVersion } from '../version.js';
import { storeConfig } from './config.js';
import { openDatabaseFile, readKeyFile } from './encryption.js';
import { saveUserKey } from './user-keys.js';
import { PhotoFiles, photoSealKey, sha256Hex } from './photo-files.js';
import { makePrivateDir } from '../sealed-file.js';
import { isPostgresUrl, parsePostgresTarget } from './postgres/target.js';
import { photosDirFor, Store } from './store.js';

/** What a backup folder holds: the database (SQLite online backup) and every photo its rows name. */
const manifestSchema = z.object({
  format: z.literal('facepheno-backup'),
  version: z.literal(1),
  appVersion: z.string(),
  createdAt: z.string(),
  database: z.object({
    file: z.literal('facepheno.db'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number(),
    /** Encrypted with the key of the database it was taken from: restoring it needs that key. */
    encrypted: z.boolean().optional(),
    /**
     * The name of the user's key file that key is kept in (the default key of the command and serve), so
     * that a restore by the same user finds it; absent where the key was given (--key-file).
     */
    keyFile: z
      .string()
      .regex(/^[0-9a-f]{64}\.key$/)
      .optional(),
  }),
  photos: z.array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number() })),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

const manifestName = 'manifest.json';
const dbName = 'facepheno.db';

/** The temporary sibling a folder or file is built in, so that it appears complete or not at all. */
const staging = (path: string) => `${path}.${process.pid}.partial`;

/** The photos a database copy names. */
function referencedPhotos(dbFile: string, key: string | undefined): string[] {
  const db = openDatabaseFile(dbFile, { readonly: true, key });
  try {
    return db.prepare('SELECT DISTINCT sha256 FROM photos ORDER BY sha256').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/**
 * Backup and restore handle a SQLite file and its photo folder; a PostgreSQL database is the server's
 * to dump and restore. Refuses a URL with `advice`, naming it without its password.
 */
function notPostgres(db: string, advice: string): void {
  if (isPostgresUrl(db)) throw new UserError(advice, { file: parsePostgresTarget(db).display });
}

/** Reads a file and checks its bytes against the sha256 it should have. */
function verified(path: string, sha256: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`${what} is missing or unreadable: ${(err as Error).message}`, {
      file: path,
      cause: err,
    });
  }
  const got = sha256Hex(bytes);
  if (got !== sha256)
    throw new UserError(`${what} is damaged: its sha256 is ${got}, not ${sha256}`, { file: path });
  return bytes;
}

export interface KeyOption {
  /** The key of an encrypted database (the edge's store configuration has it). */
  key?: string;
  /** The user's key file the key is kept in, and whether the key is new (see StoreConfig). */
  keyFile?: string;
  newKey?: boolean;
}

/**
 * Backs up a case database into the new folder `out`: the database by VACUUM INTO (one consistent,
 * self-contained file while other processes write; SQLite's backup API cannot write an encrypted copy,
 * VACUUM INTO writes it with the same key), then the photo files that the copy's rows name, each
 * hashed, and a manifest of sha256s. The folder is built beside `out` and renamed into place when complete.
 */
export async function backupStore(
  dbFile: string,
  out: string,
  opts: KeyOption & { osUser?: string } = {},
): Promise<BackupManifest> {
  notPostgres(
    dbFile,
    'a PostgreSQL case database is backed up by its server: pg_dump it, and copy its photo folder ' +
      '(FACEPHENO_PHOTOS_DIR); facepheno backup copies a case database file',
  );
  const target = resolve(out);
  if (!existsSync(dbFile)) throw new UserError('no such case database', { file: dbFile });
  if (existsSync(target))
    throw new UserError('the backup folder already exists: name a new one', { file: target });
  const tmp = staging(target);
  rmSync(tmp, { recursive: true, force: true });
  // Patient data: only the user may read the backup.
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    const { key } = opts;
    // The copy is whole whoever runs it: no role, no environment, only the key it was given.
    const store = Store.openConfig(
      storeConfig(
        dbFile,
        { ...(key === undefined ? {} : { key }), ...(opts.osUser ? { osUser: opts.osUser } : {}) },
        {},
      ),
    );
    try {
      // Before the copy, so that the backup holds the entry recording it.
      store.audit.record('backup', null, { to: target });
      store.db.prepare('VACUUM INTO ?').run(join(tmp, dbName));
      // The backup's photos sealed as the database's own are: with the key the copy keeps.
      const files = new PhotoFiles(join(tmp, 'photos'), photoSealKey(key));
      const photos = referencedPhotos(join(tmp, dbName), key).map((sha256) => {
        const bytes = store.files.read(sha256, 'a photo file of the case database');
        files.put(bytes, sha256);
        return { sha256, bytes: bytes.length };
      });
      const db = readFileSync(join(tmp, dbName));
      const manifest: BackupManifest = {
        format: 'facepheno-backup',
        version: 1,
        appVersion,
        createdAt: new Date().toISOString(),
        database: {
          file: dbName,
          sha256: sha256Hex(db),
          bytes: db.length,
          encrypted: key !== undefined,
          ...(key !== undefined && opts.keyFile !== undefined ? { keyFile: basename(opts.keyFile) } : {}),
        },
        photos,
      };
      writeFileSync(join(tmp, manifestName), JSON.stringify(manifest, null, 2) + '\n');
      renameSync(tmp, target);
      return manifest;
    } finally {
      store.close();
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function readManifest(dir: string): BackupManifest {
  const file = join(dir, manifestName);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`not a FacePheno backup (no readable ${manifestName}): ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new UserError(`not a FacePheno backup manifest: ${z.prettifyError(parsed.error).split('\n')[0]}`, {
      file,
    });
  return parsed.data;
}

/**
 * The key a backup is read and restored with: the one given; else (the user's default key for a new
 * database) the key of the database the backup was taken from, from the user's key file that the
 * manifest names. An unencrypted backup restores only where the user chose --no-encryption.
 */
function restoreKey(manifest: BackupManifest, dir: string, opts: KeyOption): string | undefined {
  if (!(opts.newKey === true && opts.keyFile !== undefined)) return opts.key;
  if (manifest.database.encrypted !== true)
    throw new UserError(
      'this backup is not encrypted: restore it with --no-encryption, then convert it with facepheno encrypt',
      { file: dir },
    );
  const name = manifest.database.keyFile;
  const file = name === undefined ? undefined : join(dirname(opts.keyFile), name);
  if (file === undefined || !existsSync(file))
    throw new UserError(
      `this backup is encrypted with the key of the database it was taken from, which is not in ${dirname(opts.keyFile)}: ` +
        'give it with --key-file FILE',
      { file: dir },
    );
  return readKeyFile(file);
}

export interface RestoreReport {
  db: string;
  photosDir: string;
  photos: number;
  manifest: BackupManifest;
}

/**
 * Restores a backup folder as the new database `dbFile` and its photo folder. Refuses to overwrite an
 * existing database or photo folder; checks every file against the manifest and the database's rows
 * against the photos, before anything appears under the target names (photo folder first, database last).
 * An encrypted backup stays encrypted with its key, which reading its rows needs.
 */
export function restoreStore(backup: string, dbFile: string, opts: KeyOption = {}): RestoreReport {
  notPostgres(
    dbFile,
    'facepheno restore writes a case database file: restore into a new file, then move its cases ' +
      'with facepheno migrate --from FILE --to URL (a pg_dump of this database is restored with pg_restore)',
  );
  const dir = resolve(backup);
  const target = resolve(dbFile);
  const photosDir = photosDirFor(target);
  for (const existing of [target, `${target}-wal`, photosDir])
    if (existsSync(existing))
      throw new UserError('already exists: restore never overwrites; name a new database file', {
        file: existing,
      });
  const manifest = readManifest(dir);
  const key = restoreKey(manifest, dir, opts);
  const db = verified(join(dir, dbName), manifest.database.sha256, 'the backed-up database');
  const listed = new Set(manifest.photos.map((p) => p.sha256));
  const source = new PhotoFiles(join(dir, 'photos'), photoSealKey(key));
  const extra = source.list().filter((f) => !listed.has(f));
  if (extra.length)
    throw new UserError(`a photo file the manifest does not list: ${extra[0]}`, { file: dir });
  // The backup's own file, its bytes just checked: a missing key is reported naming it, before anything is written.
  const missing = referencedPhotos(join(dir, dbName), key).filter((s) => !listed.has(s));
  if (missing.length)
    throw new UserError(`the database names a photo that the backup lacks: ${missing[0]}`, { file: dir });

  mkdirSync(dirname(target), { recursive: true });
  const tmpDb = staging(target);
  const tmpPhotos = staging(photosDir);
  rmSync(tmpPhotos, { recursive: true, force: true });
  let placedPhotos = false;
  // The restored database's key is saved before the database appears (the user's default key only).
  const savesKey = opts.newKey === true && opts.keyFile !== undefined && key !== undefined;
  try {
    if (savesKey) saveUserKey(opts.keyFile as string, key);
    writeFileSync(tmpDb, db, { mode: 0o600 });
    const photos = new PhotoFiles(tmpPhotos, photoSealKey(key));
    makePrivateDir(tmpPhotos);
    for (const p of manifest.photos) photos.put(source.read(p.sha256, 'a backed-up photo'), p.sha256);
    renameSync(tmpPhotos, photosDir);
    placedPhotos = true;
    renameSync(tmpDb, target);
  } catch (err) {
    rmSync(tmpDb, { force: true });
    rmSync(placedPhotos ? photosDir : tmpPhotos, { recursive: true, force: true });
    if (savesKey) rmSync(opts.keyFile as string, { force: true });
    throw err;
  }
  return { db: target, photosDir, photos: manifest.photos.length, manifest };
}
