/**
 * Nothing leaves the workstation: the real command and the real `facepheno serve`, traced by strace (every
 * thread and child), run a gallery import, a photo analysis and a match, and open no socket to anything but
 * this machine and send no datagram beyond it (no DNS query either); onnxruntime's telemetry, on by default
 * in its library, leaves no device id or event queue in the user's home. HOME is a folder of the test's own,
 * so a file the library wrote there would be seen.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../e2e/support/serve.js';
import { makeGallery } from '../../e2e/support/photos.js';
import { cliPath, facedata, repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';

const haveStrace = spawnSync('strace', ['-V']).status === 0;
const tmp = tempDir('facepheno-egress-');
const home = join(tmp.dir, 'home');
const env = { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), FACEPHENO_DB: '' };
const db = join(tmp.dir, 'cases.db');
const photo = facedata('down_syndrome_kaggle', 'down_syndrome', 'down_10.jpg');

/**
 * The sockets a traced run connected to or sent a datagram to (sendto with an address: a DNS query over
 * UDP needs no connect): `family address:port`, or the path of a local (unix) one.
 */
function connections(log: string): string[] {
  const out: string[] = [];
  for (const file of readdirSync(tmp.dir).filter((f) => f.startsWith(`${log}.`))) {
    for (const line of readFileSync(join(tmp.dir, file), 'utf8').split('\n')) {
      if (!line.includes('connect(') && !line.includes('sendto(')) continue;
      const inet =
        /sa_family=AF_INET6?, sin6?_port=htons\((\d+)\),.*?inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"/.exec(
          line,
        );
      if (inet) out.push(`inet ${inet[2]}:${inet[1]}`);
      else if (line.includes('AF_UNIX')) out.push(`unix ${/sun_path="([^"]*)"/.exec(line)?.[1] ?? '?'}`);
      else if (/sa_family=AF_(INET|INET6|NETLINK|PACKET)/.test(line)) out.push(line.trim());
      // The rest is a sendto on a connected socket (no address: its connect is listed) or a failed call.
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

/** strace's arguments: every thread and child, one log per process, the calls that reach a peer. */
const strace = (log: string) => ['-f', '-ff', '-e', 'trace=connect,sendto', '-o', join(tmp.dir, log)];

function traced(log: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('strace', [...strace(log), process.execPath, cliPath, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface TracedServe {
  call: (name: string, input: unknown) => Promise<{ ok: boolean; value?: unknown; error?: string }>;
  /** Resolves with the job.finished event of `jobId`, read from the event stream. */
  finished: (jobId: string) => Promise<{ status: string; error: string | null }>;
  stop: () => Promise<number | null>;
}

/** `facepheno serve` under strace, on its own data directory; calls go to its API with its token. */
async function tracedServe(log: string, dataDir: string): Promise<TracedServe> {
  ensureRendererBuilt();
  const proc = spawn('strace', [...strace(log), process.execPath, cliPath, 'serve', '--data-dir', dataDir], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('close', (code) => reject(new Error(`facepheno serve exited with ${code}: ${stderr}`)));
  });
  const url = new URL(first.replace(/^FacePheno at /, ''));
  const headers = {
    'content-type': 'application/json',
    'x-facepheno-token': url.searchParams.get('token') ?? '',
  };
  const done = new Map<string, { status: string; error: string | null }>();
  const waiting = new Map<string, (e: { status: string; error: string | null }) => void>();
  const events = await fetch(`${url.origin}/api/events`, { headers });
  void (async () => {
    let pending = '';
    for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
      pending += Buffer.from(chunk).toString('utf8');
      for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
        const data = pending.slice(0, end).replace(/^data: /, '');
        pending = pending.slice(end + 2);
        if (data.startsWith(':')) continue;
        const event = JSON.parse(data) as {
          name: string;
          payload: { jobId: string; status: string; error: string | null };
        };
        if (event.name !== 'job.finished') continue;
        done.set(event.payload.jobId, event.payload);
        waiting.get(event.payload.jobId)?.(event.payload);
      }
    }
  })().catch(() => undefined);
  return {
    call: async (name, input) => {
      const res = await fetch(`${url.origin}/api/call/${name}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(input),
      });
      return (await res.json()) as { ok: boolean; value?: unknown; error?: string };
    },
    finished: (jobId) =>
      new Promise((resolve) => {
        const known = done.get(jobId);
        if (known) resolve(known);
        else waiting.set(jobId, resolve);
      }),
    stop: async () => {
      // The server, not strace: strace would detach and leave it running.
      const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(' ');
      for (const pid of children) process.kill(Number(pid), 'SIGTERM');
      return exited;
    },
  };
}

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
      'facepheno serve: a gallery uploaded, a photo analysed and a match, through its API, connect to nothing outside the machine',
      { timeout: 300_000 },
      async () => {
        rmSync(join(home, '.cache'), { recursive: true, force: true });
        const gallery = join(tmp.dir, 'serve-gallery');
        makeGallery(gallery, 4);
        const files = readdirSync(gallery, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => ({
            path: `${e.parentPath.slice(gallery.length + 1)}/${e.name}`,
            data: readFileSync(join(e.parentPath, e.name)).toString('base64'),
          }));
        const serve = await tracedServe('serve', join(tmp.dir, 'serve-data'));
        try {
          const job = await serve.call('gallery.import', { source: { kind: 'files', files }, controls: [] });
          expect(job, job.error).toMatchObject({ ok: true });
          const imported = await serve.finished((job.value as { jobId: string }).jobId);
          expect(imported, imported.error ?? '').toMatchObject({ status: 'done' });
          expect(await serve.call('cases.create', { id: 'EGRESS-1' })).toMatchObject({ ok: true });
          const added = await serve.call('photos.add', {
            caseId: 'EGRESS-1',
            files: [{ kind: 'bytes', name: 'down_10.jpg', data: readFileSync(photo).toString('base64') }],
          });
          expect(added, added.error).toMatchObject({ ok: true });
          expect((added.value as { results: { error: string | null }[] }).results).toEqual([
            expect.objectContaining({ error: null }),
          ]);
          const match = await serve.call('match.case', { caseId: 'EGRESS-1' });
          expect(match, match.error).toMatchObject({ ok: true });
          expect(JSON.stringify(match.value)).toMatch(/down_syndrome|healthy_control/);
        } finally {
          expect(await serve.stop()).toBe(0);
        }
        const all = connections('serve');
        expect(leaving(all), all.join('\n')).toEqual([]);
        expect(existsSync(join(home, '.cache', 'Microsoft'))).toBe(false);
      },
    );
  },
);
