/** A gallery folder uploaded file by file (the browser's folder picker), rebuilt in a private temporary folder. */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { processGone } from '../process-alive.js';
import { storageError } from '../store/storage-errors.js';
import { safeRelativePath } from '../../shared/security.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** `upload-<pid>-<uuid>`: an upload of process <pid> (as a path's start, and as a whole name). */
const uploadName = new RegExp(`^upload-(\\d+)-${UUID}`);
const uploadFolder = new RegExp(`${uploadName.source}$`);

/**
 * Writes the files under `<parent>/upload-<pid>-<uuid>/` and returns that folder; the caller removes it
 * with dropUpload (or, when the process is killed first, sweepUploads on the next start).
 */
export function writeUpload(parent: string, files: { path: string; data: string }[]): string {
  const root = join(parent, `upload-${process.pid}-${randomUUID()}`);
  try {
    // Not `recursive` for the folder itself: a recursive mkdir on a read-only disk reports ENOENT, not EROFS.
    // Patient data: the folder and its files are the user's alone, whatever the umask.
    mkdirSync(root, { mode: 0o700 });
    for (const f of files) {
      const rel = safeRelativePath(f.path.split('/').map(encodeURIComponent).join('/'));
      // The contract already refused '..' and absolute paths; this is the last check before writing: the
      // path must come out of the guard unchanged and land inside the folder.
      const target = rel === null || rel !== f.path ? null : resolve(root, rel);
      if (target === null || relative(root, target).startsWith('..') || !target.startsWith(root + sep)) {
        throw new UserError(`refused a file path outside the uploaded folder: '${f.path}'`);
      }
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, Buffer.from(f.data, 'base64'), { flag: 'wx', mode: 0o600 });
    }
  } catch (err) {
    dropUpload(root);
    // A full or read-only data directory is the user's to fix, not an internal error.
    throw storageError(err, parent);
  }
  return root;
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
 * Runs `use` on an uploaded file's bytes written, briefly, under its own name in a private folder (readers
 * that take a path: ontology, VCF, catalogue); their messages name the file as the user knows it.
 */
export async function withUploadedFile<T>(
  parent: string,
  file: { name: string; data: string },
  use: (path: string) => Promise<T>,
): Promise<T> {
  const dir = writeUpload(parent, [{ path: file.name, data: file.data }]);
  const temp = join(dir, file.name);
  try {
    return await use(temp);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(err.message.split(temp).join(file.name));
    throw err;
  } finally {
    dropUpload(dir);
  }
}
