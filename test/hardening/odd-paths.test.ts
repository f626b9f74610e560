/**
 * Issue 15, finding 8: odd request targets at the real `facepheno serve` (a Windows device path, backslashes,
 * NUL and overlong UTF-8 encodings, encoded dot segments, very long paths, targets that are no path at all)
 * are refused as not found or bad (400, 403 outside the page's prefix, 404), never an internal error with
 * a stack on stderr. Written on raw sockets: fetch and URL would normalise the paths before sending them.
 */
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type Served } from '../../e2e/support/serve.js';

let tmp: string;
let served: Served;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'facepheno-odd-paths-'));
  served = await startServe(join(tmp, 'data'));
}, 300_000);

afterAll(async () => {
  await served?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One request written byte for byte; resolves with the status line's code (0 when the server hung up). */
async function rawStatus(method: string, target: string, headers: Record<string, string>): Promise<number> {
  return (await rawAnswer(method, target, headers)).status;
}

function rawAnswer(
  method: string,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; answer: string }> {
  const { host, port } = new URL(served.origin);
  const head = Object.entries({ host, connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.setTimeout(30_000, () => socket.destroy(new Error(`no answer in 30 s to ${target}`)));
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), answer: got }),
    );
    socket.on('error', reject);
    socket.write(Buffer.from(`${method} ${target} HTTP/1.1\r\n${head}\r\n`, 'latin1'));
  });
}

/** Paths as sent, each tried at the root, under the page's prefix and under /api/. */
const ODD = [
  '/\\\\?\\C:\\x',
  '/\\\\?\\C:\\Windows\\win.ini',
  '/\\\\server\\share\\x',
  '/\\x',
  '/\\',
  '/%5c%5c?%5cC:%5cx',
  '/C:\\x',
  '/C:/x',
  '//etc/passwd',
  '///x',
  '/%00',
  '/index.html%00.png',
  '/%',
  '/%zz',
  '/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
  '/%e0%80%ae%e0%80%ae/package.json',
  '/%ff%fe',
  '/%2e%2e/%2e%2e/package.json',
  '/..%2f..%2fpackage.json',
  '/..%5c..%5cpackage.json',
  '/../../package.json',
  '/./././index.html/..',
  '/\u00e9\u00ff',
  `/${'a'.repeat(8000)}`,
  `/${'a/'.repeat(3000)}`,
  `/${'%2e'.repeat(2000)}`,
];

describe('facepheno serve given odd paths', () => {
  it('answers 400, 403 or 404, never 500, and logs no stack', async () => {
    const prefix = `${new URL(served.page).pathname}/`;
    const token = { 'x-facepheno-token': served.token };
    const seen: Record<string, number> = {};
    for (const path of ODD) {
      for (const [where, target, method, headers] of [
        ['root', path, 'GET', token],
        ['root, no token', path, 'GET', {}],
        ['page', `${prefix}${path.slice(1)}`, 'GET', {}],
        ['page, with a query', `${prefix}${path.slice(1)}?token=${served.token}`, 'HEAD', {}],
        ['api', `/api${path}`, 'POST', { ...token, 'content-type': 'application/json' }],
        ['api call', `/api/call${path}`, 'POST', { ...token, 'content-type': 'application/json' }],
      ] as const) {
        const { status, answer } = await rawAnswer(method, target, headers);
        seen[status] = (seen[status] ?? 0) + 1;
        // A call name of the right shape is read as a call and answered as an unknown one.
        if (status === 200 && where === 'api call') {
          expect.soft(answer, target.slice(0, 80)).toMatch(/"ok":false/);
          continue;
        }
        expect.soft([400, 403, 404, 405, 414, 431], `${where}: ${target.slice(0, 80)}`).toContain(status);
      }
    }
    // Targets that are no path: the asterisk form and an absolute URL.
    expect(await rawStatus('OPTIONS', '*', token)).toBe(400);
    expect(await rawStatus('GET', `${served.origin}/x`, token)).toBe(400);
    // Still serving the page under its prefix.
    expect(await rawStatus('GET', `${prefix}index.html`, {})).toBe(200);
    expect(served.stderr()).not.toMatch(/internal error|Error|\n\s+at /);
    console.log(`odd paths: ${JSON.stringify(seen)}`);
  });
});
