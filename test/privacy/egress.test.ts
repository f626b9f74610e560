/**
 * Nothing leaves the workstation: the real command and the real `facepheno serve`, traced by strace
 * (every thread and child), run a gallery import, a photo analysis and matches, and open no socket to
 * anything but this machine (no DNS query either); onnxruntime's telemetry, on by default in its library,
 * leaves no device id or event queue in the user's home. HOME is a folder of the test's own, so a file the
 * library wrote there would be seen.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGallery } from '../../e2e/support/photos.js';
import { ensureRendererBuilt } from '../../e2e/support/serve.js';
import { cliPath, facedata, repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';

const haveStrace = spawnSync('strace', ['-V']).status === 0;
const tmp = tempDir('facepheno-egress-');
const home = join(tmp.dir, 'home');
const env = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), FACEPHENO_DB: '' };
const db = join(tmp.dir, 'cases.db');
const photo = facedata('down_syndrome_kaggle', 'down_syndrome', 'down_10.jpg');

/** The sockets a traced run connected to: `family address:port`, or the path of a local (unix) one. */
function connections(log: string): string[] {
  const out: string[] = [];
  for (const file of readdirSync(tmp.dir).filter((f) => f.startsWith(`${log}.`))) {
    for (const line of readFileSync(join(tmp.dir, file), 'utf8').split('\n')) {
      if (!line.includes('connect(')) continue;
      const inet =
        /sa_family=AF_INET6?, sin6?_port=htons\((\d+)\),.*?inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"/.exec(
          line,
        );
      if (inet) out.push(`inet ${inet[2]}:${inet[1]}`);
      else if (line.includes('AF_UNIX')) out.push(`unix ${/sun_path="([^"]*)"/.exec(line)?.[1] ?? '?'}`);
      else if (/sa_family=AF_(INET|INET6|NETLINK|PACKET)/.test(line)) out.push(line.trim());
    }
  }
  return out;
}

/** Connections that leave the machine, or ask a name server (DNS, wherever it is). */
function leaving(list: string[]): string[] {
  return list.filter((c) => {
    if (c.startsWith('unix ')) return false; // a socket of this machine (nscd, the D-Bus)
    const m = /^inet (.+):(\d+)$/.exec(c);
    if (!m) return true;
    const [, host, port] = m;
    return port === '53' || !(host === '127.0.0.1' || host === '::1' || host === '::ffff:127.0.0.1');
  });
}

function traced(log: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    'strace',
    ['-f', '-ff', '-e', 'trace=connect', '-o', join(tmp.dir, log), process.execPath, cliPath, ...args],
    { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => ensureRendererBuilt());
afterAll(() => tmp.remove());

describe.skipIf(!haveStrace)(
  haveStrace ? 'network egress' : 'network egress (skipped: strace is not installed; .ci/run installs it)',
  () => {
    it(
      'the command: a gallery import, an analysis and a match connect to nothing outside the machine',
      { timeout: 300_000 },
      () => {
        const gallery = join(tmp.dir, 'gallery');
        makeGallery(gallery, 4);
        const steps = [
          traced('import', ['gallery', 'import', '--db', db, gallery]),
          traced('analyze', ['analyze', photo]),
          traced('match', ['match', '--db', db, photo]),
        ];
        for (const s of steps) expect(s.code, s.stderr).toBe(0);
        expect(steps[2]?.stdout).toMatch(/down_syndrome|healthy_control/);
        const all = ['import', 'analyze', 'match'].flatMap(connections);
        expect(leaving(all), all.join('\n')).toEqual([]);
        expect(existsSync(join(home, '.cache', 'Microsoft'))).toBe(false);
      },
    );

    it(
      'serve: a photo analysed and a case matched through the API connect to nothing outside the machine',
      { timeout: 300_000 },
      async () => {
        const proc = spawn(
          'strace',
          [
            '-f',
            '-ff',
            '-e',
            'trace=connect',
            '-o',
            join(tmp.dir, 'serve'),
            process.execPath,
            cliPath,
            'serve',
          ],
          {
            cwd: repoRoot,
            env: { ...env, FACEPHENO_DATA_DIR: join(tmp.dir, 'data'), FACEPHENO_DB: db },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stderr = '';
        proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
        try {
          const first = await new Promise<string>((resolve, reject) => {
            createInterface({ input: proc.stdout }).once('line', resolve);
            proc.once('close', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
          });
          const url = new URL(first.replace(/^FacePheno at /, ''));
          const call = async (name: string, input: unknown) => {
            const res = await fetch(`${url.origin}/api/call/${name}`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-facepheno-token': url.searchParams.get('token') ?? '',
              },
              body: JSON.stringify(input),
            });
            const reply = (await res.json()) as { ok: boolean; value?: unknown; error?: string };
            if (!reply.ok) throw new Error(`${name}: ${reply.error}`);
            return reply.value;
          };
          await call('cases.create', { id: 'EGRESS-1' });
          const bytes = readFileSync(photo).toString('base64');
          const added = (await call('photos.add', {
            caseId: 'EGRESS-1',
            files: [{ kind: 'bytes', name: 'down_10.jpg', data: bytes }],
          })) as { results: { photoId: string | null; error: string | null }[] };
          expect(added.results[0]).toMatchObject({ error: null });
          const match = (await call('match.case', { caseId: 'EGRESS-1' })) as { ranking: unknown[] };
          expect(match.ranking.length).toBeGreaterThan(0);
        } finally {
          proc.kill('SIGTERM');
          await exited;
        }
        const all = connections('serve');
        expect(leaving(all), all.join('\n')).toEqual([]);
        expect(existsSync(join(home, '.cache', 'Microsoft'))).toBe(false);
      },
    );
  },
);
