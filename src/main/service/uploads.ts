/**
 * Uploads from the browser, in private temporary folders of the data directory: a gallery folder file by
 * file (the browser's folder picker) or one file (a photo, a VCF, an ontology), streamed by serve or
 * written from a JSON call's base64. Every file is stream-sealed (sealed-stream.ts) as it is written, under
 * the session's upload key: random, drawn when serve or the app starts, held in memory only, so an upload a
 * killed process left behind is unreadable by anyone (and swept on the next start).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import type { InputFile } from '../input-file.js';
import type { SealKey } from '../sealed-file.js';
import { sealingStream } from '../sealed-stream.js';
import { processGone } from '../process-alive.js';
import { storageError } from '../store/storage-errors.js';
import { safeRelativePath } from '../../shared/security.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `upload-<pid>-<uuid>`: an upload of process <pid> (as a path's start, and as a whole name). */
const uploadName = new RegExp(`^upload-(\\d+)-${UUID}`);
const uploadFolder = new RegExp(`${uploadName.source}$`);

/** The most bytes one uploaded file may hold: refused beyond it while streaming, before the disk fills. */
export const MAX_UPLOAD_FILE_BYTES = 512 * 1024 * 1024;

/** A streamed upload that went past MAX_UPLOAD_FILE_BYTES (HTTP 413); nothing of it is kept. */
export class UploadTooLarge extends UserError {}

const uploadKeyPurpose = 'facepheno uploads of one session';

/** A new upload key for a session (serve's, the app's): 256 random bits, never written anywhere. */
export function newUploadKey(): SealKey {
  return uploadKey(randomBytes(32));
}

/** The upload key of these bytes (the host's key, as the service worker receives it). */
export function uploadKey(bytes: Uint8Array): SealKey {
  return { purpose: uploadKeyPurpose, bytes: Buffer.from(bytes) };
}

/**
 * A new private upload folder, `<parent>/upload-<pid>-<uuid>/`; the caller removes it with dropUpload (or,
 * when the process is killed first, sweepUploads on the next start).
 */
export function createUpload(parent: string): string {
  const root = join(parent, `upload-${process.pid}-${randomUUID()}`);
  try {
    // Not `recursive` for the folder itself: a recursive mkdir on a read-only disk reports ENOENT, not EROFS.
    mkdirSync(root, { mode: 0o700 });
  } catch (err) {
    throw storageError(err, parent);
  }
  return root;
}

/**
 * Where a file of the upload goes: `path` (as the user's folder has it, '/'-separated) inside `root`.
 * The contract refuses '..' and absolute paths for JSON uploads, a streamed upload's path comes straight
 * from the request: this is the last check before writing, the path must come out of the guard unchanged
 * and land inside the folder.
 */
export function uploadTarget(root: string, path: string): string {
  const rel = safeRelativePath(path.split('/').map(encodeURIComponent).join('/'));
  const target = rel === null || rel !== path ? null : resolve(root, rel);
  if (target === null || relative(root, target).startsWith('..') || !target.startsWith(root + sep)) {
    throw new UserError(`refused a file path outside the uploaded folder: '${path}'`);
  }
  return target;
}

/**
 * The one way an upload's bytes reach the disk: `body` sealed under `key` into a new file of the upload
 * (never an existing one), readable by this user only; a failed write leaves no part of it. Whatever is
 * done to uploads at rest is done here.
 */
async function writeUploadFile(
  target: string,
  body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  key: SealKey,
): Promise<void> {
  let created = false;
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    out.once('open', () => (created = true));
    await pipeline(body, sealingStream(key), out);
  } catch (err) {
    // Only a file this call created is removed: 'wx' refused one that was there before.
    if (created) rmSync(target, { force: true });
    throw err;
  }
}

/**
 * Streams `body` into the upload file at `path` of `root`, sealed under `key`, at most `maxBytes` of it
 * (UploadTooLarge beyond, the partial file removed); resolves with the file's path. Memory stays a few
 * chunks, whatever the size.
 */
export async function streamUpload(
  root: string,
  path: string,
  body: AsyncIterable<Uint8Array>,
  key: SealKey,
  maxBytes = MAX_UPLOAD_FILE_BYTES,
): Promise<string> {
  const target = uploadTarget(root, path);
  let size = 0;
  const counted = async function* (source: AsyncIterable<Uint8Array>) {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes)
        throw new UploadTooLarge(`${path}: larger than ${maxBytes / 1024 / 1024} MB, not uploaded`);
      yield chunk;
    }
  };
  try {
    await writeUploadFile(target, counted(body), key);
  } catch (err) {
    throw storageError(err, target);
  }
  return target;
}

/**
 * Writes the files (base64, from a JSON call) under a new upload folder, sealed under `key`, and returns
 * that folder; the caller removes it with dropUpload.
 */
export async function writeUpload(
  parent: string,
  files: { path: string; data: string }[],
  key: SealKey,
): Promise<string> {
  const root = createUpload(parent);
  try {
    for (const f of files)
      await writeUploadFile(uploadTarget(root, f.path), [Buffer.from(f.data, 'base64')], key);
  } catch (err) {
    dropUpload(root);
    // A full or read-only data directory is the user's to fix, not an internal error.
    throw storageError(err, parent);
  }
  return root;
}

/** The upload folder under `parent` that `path` lies in (a streamed upload's file or folder), or null. */
export function uploadRootOf(parent: string, path: string): string | null {
  const rel = relative(parent, path);
  const first = rel.split(sep, 1)[0] ?? '';
  if (rel.startsWith('..') || !uploadFolder.test(first)) return null;
  return join(parent, first);
}

/**
 * A message with the private upload folders under `parent` taken out: a file in one is named by its path
 * inside the upload (as the user chose it), the folder itself as the chosen folder. The user never saw
 * those folders, and they are gone by the time the message is read.
 */
export function withoutUploadFolders(message: string, parent: string): string {
  const [first = '', ...rest] = message.split(join(parent, 'upload-'));
  return (
    first +
    rest
      .map((part) => {
        const name = uploadName.exec(`upload-${part}`)?.[0];
        if (name === undefined) return `upload-${part}`; // not one of ours after all
        const after = part.slice(name.length - 'upload-'.length);
        return after.startsWith(sep) ? after.slice(sep.length) : `the chosen folder${after}`;
      })
      .join('')
  );
}

export function dropUpload(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Removes the uploads of processes that are gone (killed while a job used them); those of a running
 * process (another window on the same data directory) are left alone.
 */
export function sweepUploads(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return; // no data directory yet, or one we cannot read: nothing of ours to sweep
  }
  for (const name of names) {
    const pid = uploadFolder.exec(name)?.[1];
    if (pid !== undefined && processGone(Number(pid))) dropUpload(join(parent, name));
  }
}

/**
 * Runs `use` on an uploaded file's bytes written, briefly and sealed under `key`, under its own name in a
 * private folder (readers that stream a file: ontology, VCF, catalogue); their messages name the file as
 * the user knows it.
 */
export async function withUploadedFile<T>(
  parent: string,
  file: { name: string; data: string },
  key: SealKey,
  use: (input: InputFile) => Promise<T>,
): Promise<T> {
  const dir = await writeUpload(parent, [{ path: file.name, data: file.data }], key);
  const temp = join(dir, file.name);
  try {
    return await use({ path: temp, key });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.message.split(temp).join(file.name));
    throw err;
  } finally {
    dropUpload(dir);
  }
}
