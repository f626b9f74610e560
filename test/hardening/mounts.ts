import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs mounted on a fresh temporary folder: a data directory whose disk fills up or goes read-only. */
export interface Mount {
  dir: string;
  readOnly(): void;
  writable(): void;
  /** Unmounts (lazily when busy) and removes the folder; safe to call twice. */
  remove(): void;
}

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

export function mountTmpfs(sizeKiB: number): Mount {
  const dir = mkdtempSync(join(tmpdir(), 'facepheno-disk-'));
  try {
    mount(['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let mounted = true;
  return {
    dir,
    readOnly: () => mount(['-o', 'remount,ro', dir]),
    writable: () => mount(['-o', 'remount,rw', dir]),
    remove() {
      if (mounted) {
        try {
          execFileSync('umount', [dir], { stdio: 'pipe' });
        } catch {
          execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
        }
        mounted = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Why mounting is impossible here (not root, no permission), or undefined when a tmpfs can be mounted. */
export function cannotMount(): string | undefined {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  try {
    mountTmpfs(64).remove();
    return undefined;
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return `cannot mount a tmpfs (run as root to test a full and a read-only disk): ${detail}`;
  }
}
