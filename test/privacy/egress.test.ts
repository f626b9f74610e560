/**
 * Nothing leaves the workstation: the real command, traced by strace (every thread and child), runs a
 * gallery import, a photo analysis and a match, and open no socket to
 * anything but this machine (no DNS query either); onnxruntime's telemetry, on by default in its library,
 * leaves no device id or event queue in the user's home. HOME is a folder of the test's own, so a file the
 * library wrote there would be seen.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGallery } from '../../e2e/support/photos.js';
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
  },
);
