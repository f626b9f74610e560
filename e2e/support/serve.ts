import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cliPath, repoRoot } from '../../test/support/paths.js';

export interface Served {
  /** The printed address: the page under its random prefix, the token in the query. */
  url: string;
  origin: string;
  /** The page's address without the token, '<origin>/<prefix>' (no trailing slash). */
  page: string;
  token: string;
  /** The server's process id (its memory is read from /proc). */
  pid: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((t, e) => Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs), 0);
}

/** The app bundles, built when missing or older than their sources (CI builds them in scripts/install.sh). */
export function ensureRendererBuilt(): void {
  const page = join(repoRoot, 'out', 'renderer', 'index.html');
  const fresh = () => {
    const sources = ['src/renderer', 'src/shared', 'src/main', 'src/preload'].map((d) =>
      newest(join(repoRoot, d)),
    );
    return existsSync(page) && statSync(page).mtimeMs >= Math.max(...sources);
  };
  if (fresh()) return;
  // Test files run in parallel: one builds while the others wait for it.
  const lock = join(repoRoot, 'out', '.e2e-build-lock');
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${lock} held for 3 minutes: remove it if no build is running`);
      spawnSync('sleep', ['1']);
    }
  }
  try {
    if (fresh()) return;
    const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build:app failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

/** Starts the real `facepheno serve` on a free port and reads the address from its first line. */
export async function startServe(dataDir: string): Promise<Served> {
  ensureRendererBuilt();
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'serve', '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`facepheno serve exited (${code}) before its address:\n${stderr}`)),
    );
  });
  const m =
    /^FacePheno at (http:\/\/127\.0\.0\.1:\d+)(\/[A-Za-z0-9_-]{20,})\/\?token=([A-Za-z0-9_-]{20,})$/.exec(
      first,
    );
  if (!m) throw new Error(`unexpected first line from facepheno serve: ${first}`);
  return {
    url: first.slice('FacePheno at '.length),
    origin: m[1] as string,
    page: `${m[1]}${m[2]}`,
    token: m[3] as string,
    pid: child.pid as number,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
