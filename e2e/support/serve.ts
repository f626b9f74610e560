import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cliPath, repoRoot } from '../../test/support/paths.js';

export interface Served {
  url: string;
  origin: string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** The renderer's pages, built once if a fresh checkout lacks them (CI builds them in scripts/install.sh). */
export function ensureRendererBuilt(): void {
  if (existsSync(join(repoRoot, 'out', 'renderer', 'index.html'))) return;
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:app failed:\n${r.stdout}\n${r.stderr}`);
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
  const m = /^FacePheno at (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]{20,})$/.exec(first);
  if (!m) throw new Error(`unexpected first line from facepheno serve: ${first}`);
  return {
    url: first.slice('FacePheno at '.length),
    origin: m[1] as string,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
