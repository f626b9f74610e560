/**
 * Files that FacePheno writes beside a case database (photos, learnt spaces, caches), sealed with AES-256-GCM
 * under a key derived from the database key, and private to the user (files 0600, folders 0700, whatever
 * the umask). One writer and one reader for every such file, so a photo, a learnt space and a cache are
 * sealed the same way; uploads, streamed, are sealed in chunks (sealed-stream.ts).
 *
 * A sealed file: the magic `FPSEAL`, a format version byte, a reserved byte, a 12-byte nonce, the 16-byte
 * GCM tag, then the ciphertext. The header is the GCM's additional data, so it cannot be changed either.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { UserError } from './errors.js';

/** A 256-bit key for one purpose, derived from the database key: never the database key itself. */
export type SealKey = { readonly purpose: string; readonly bytes: Buffer };

/** How every sealed file starts, whole (this module) or stream-sealed (sealed-stream.ts). */
export const sealMagic = Buffer.from('FPSEAL', 'latin1');
const version = 1;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = sealMagic.length + 2 + nonceBytes + tagBytes;

/** What each derived key is for: a key of one purpose never opens a file of another. */
export const sealPurposes = {
  photos: 'facepheno photo files v1',
  caches: 'facepheno caches v1',
} as const;

/** HKDF-SHA256 of the database key (a passphrase or SQLCipher's x'..' raw form, as given) for `purpose`. */
export function deriveSealKey(databaseKey: string, purpose: string): SealKey {
  const bytes = Buffer.from(
    hkdfSync('sha256', Buffer.from(databaseKey, 'utf8'), Buffer.from('facepheno'), Buffer.from(purpose), 32),
  );
  return { purpose, bytes };
}

/** Whether bytes start as a sealed file does (for messages and for telling old plain files apart). */
export function looksSealed(bytes: Uint8Array): boolean {
  return bytes.length >= headerBytes && Buffer.from(bytes.subarray(0, sealMagic.length)).equals(sealMagic);
}

export function seal(key: SealKey, plain: Uint8Array): Buffer {
  const header = Buffer.alloc(sealMagic.length + 2 + nonceBytes);
  sealMagic.copy(header, 0);
  header[sealMagic.length] = version;
  const nonce = randomBytes(nonceBytes);
  nonce.copy(header, sealMagic.length + 2);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, cipher.getAuthTag(), body]);
}

/** The plain bytes of a sealed file's content; a damaged, foreign or unsealed one is refused naming `file`. */
export function unseal(key: SealKey, sealed: Uint8Array, file: string): Buffer {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (!looksSealed(bytes))
    throw new UserError("not a sealed FacePheno file (written unencrypted, or not FacePheno's)", { file });
  if (bytes[sealMagic.length] !== version)
    throw new UserError(`a sealed file of an unknown format version ${bytes[sealMagic.length]}`, { file });
  const header = bytes.subarray(0, sealMagic.length + 2 + nonceBytes);
  const nonce = header.subarray(sealMagic.length + 2);
  const tag = bytes.subarray(header.length, headerBytes);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, nonce);
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(headerBytes)), decipher.final()]);
  } catch (err) {
    throw new UserError('a sealed file is damaged or was sealed with another key: refused', {
      file,
      cause: err,
    });
  }
}

/** Creates `dir` (and missing parents) private to the user: 0700 whatever the umask. */
export function makePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes `plain` to `file`, sealed under `key` (unsealed where there is none: a database opened with
 * --no-encryption), 0600 whatever the umask. `exclusive`: a new file, never one that exists (O_EXCL);
 * else durably replaced (a temporary file of this process, fsync, rename), so it is complete or absent.
 */
export function writeSealedFile(
  file: string,
  plain: Uint8Array,
  key: SealKey | undefined,
  opts: { exclusive?: boolean } = {},
): void {
  const bytes = key === undefined ? plain : seal(key, plain);
  const write = (path: string, flag: string) => {
    const fd = openSync(path, flag, 0o600);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(path, 0o600);
  };
  if (opts.exclusive) {
    write(file, 'wx');
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // Created exclusively: a leftover of this pid (or a link planted under its name) is removed, never followed.
    rmSync(tmp, { force: true });
    write(tmp, 'wx');
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The plain content of a file written by writeSealedFile with the same key (none: the bytes as they are). */
export function readSealedFile(file: string, key: SealKey | undefined): Buffer {
  const bytes = readFileSync(file);
  if (key !== undefined) return unseal(key, bytes, file);
  if (looksSealed(bytes))
    throw new UserError('this file is sealed: it is read with the key of its encrypted database', { file });
  return bytes;
}
