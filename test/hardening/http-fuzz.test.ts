/**
 * HTTP fuzz at the real `facepheno serve`: requests without the token or with a wrong one, from other
 * origins and host names, with other content types, methods and paths, and malformed, truncated, deep,
 * oversized and lying bodies (over raw sockets where an HTTP client would not send them). None may be
 * accepted, none may crash or stall the server: after every case a valid request is answered. The store
 * is unchanged at the end, and nothing was logged as an internal error. (That it listens on 127.0.0.1
 * only, not 127.0.0.2, ::1 or another interface, is e2e/csp.test.ts's.)
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Store } from '../../src/main/store/store.js';
import { verifyChain } from '../../src/main/store/repos/audit.js';
import { commandKey, rawDatabase } from '../support/command-key.js';
import { startServe, type Served } from '../../e2e/support/serve.js';
import { logicalDump } from './support.js';

const TOKEN_HEADER = 'x-facepheno-token';
let tmp: string;
let db: string;
let served: Served;
let token: string;
let host: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'facepheno-http-fuzz-'));
  const dataDir = join(tmp, 'data');
  db = storeFileIn(dataDir);
  const store = Store.open(db, { ...commandKey(db), osUser: 'fuzz' });
  try {
    store.transaction(() => store.patients.create({ pseudonym: 'HTTP-1', sex: 'male' }));
  } finally {
    store.close();
  }
  served = await startServe(dataDir);
  token = new URL(served.url).searchParams.get('token') ?? '';
  host = new URL(served.origin).host;
}, 300_000);

afterAll(async () => {
  await served?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request with exactly these headers (no Host unless given); resolves with the answer or the error. */
function send(r: Req): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(new URL(served.origin).port),
        method: r.method ?? 'POST',
        path: r.path,
        headers: r.headers ?? {},
        setHost: false,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Raw bytes on a socket, for what an HTTP client refuses to send; resolves with what came back. */
function raw(bytes: string | Buffer, closeAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(served.origin).port), '127.0.0.1');
    let got = '';
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer in 30 s')));
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolve(got) : reject(err),
    );
    socket.write(bytes, () => {
      if (closeAfterWrite) socket.end();
    });
  });
}

const json = { 'content-type': 'application/json' };
const authed = () => ({ host, [TOKEN_HEADER]: token, ...json });

/** The server is alive and answers a valid request as before. */
async function expectAlive(): Promise<void> {
  const a = await send({ path: '/api/call/cases.list', headers: authed(), body: '{}' });
  expect(a.status).toBe(200);
  expect(JSON.parse(a.body)).toMatchObject({ ok: true, value: { total: 1 } });
}

/** Calls that would write if accepted, and one that only reads. */
const CALLS: [string, unknown][] = [
  ['cases.create', { id: 'FUZZ-1', sex: 'female' }],
  ['cases.setTerm', { caseId: 'HTTP-1', termId: 'HP:0000316', status: 'present' }],
  ['gallery.import', { source: { kind: 'files', files: [{ path: 'x/a.jpg', data: 'AAAA' }] }, controls: [] }],
  ['cases.list', {}],
];

/** Malformed bodies: none is a valid input of any call in CALLS but cases.list (whose keys are all optional). */
const MALFORMED: (string | Buffer)[] = [
  'null',
  '[]',
  '"x"',
  '1e999',
  'NaN',
  'true',
  '\ufeff{}',
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
  JSON.stringify({ id: '../../etc/passwd' }),
  '{"id":"FUZZ-2"}garbage',
  '{"id":"FUZZ-2"}{"id":"FUZZ-3"}',
];
/** Large and deep ones, sent with the token only: a server that will not read the body never sees them. */
const LARGE: string[] = [
  '['.repeat(100_000),
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  JSON.stringify({ id: 'x'.repeat(10 * 1024 * 1024) }),
  JSON.stringify({ id: 'A'.repeat(100_000), sex: 'female' }),
];
/** What every refusal family sends: each call's valid input, nothing, and the malformed bodies. */
const bodiesOf = (input: unknown): (string | Buffer)[] => [JSON.stringify(input), '', ...MALFORMED];

let cases = 0;
const counts: Record<string, number> = {};
afterAll(() => console.log(`HTTP fuzz: ${cases} cases ${JSON.stringify(counts)}`));

/** Sends one case; it must be refused (`refused` says how) and the server must answer the next request. */
async function fuzz(family: string, r: Req, refused: (a: Answer) => void): Promise<void> {
  cases++;
  counts[family] = (counts[family] ?? 0) + 1;
  let a: Answer;
  try {
    a = await send(r);
  } catch (err) {
    // The server may hang up on a request it will not read; that is a refusal too, if it stays up.
    a = { status: 0, body: (err as Error).message };
  }
  refused(a);
  await expectAlive();
}

const status =
  (...codes: number[]) =>
  (a: Answer) =>
    expect(codes, a.body).toContain(a.status);
/** Read and answered, but as a failure: the call's input was refused. */
const notOk = (a: Answer) => {
  expect(a.status, a.body).toBe(200);
  expect(JSON.parse(a.body)).toMatchObject({ ok: false });
};

/** The ids of the audit log's entries. */
function auditIds(file: string): number[] {
  const raw = rawDatabase(file);
  try {
    return raw.prepare('SELECT id FROM audit_log ORDER BY id').pluck().all() as number[];
  } finally {
    raw.close();
  }
}

describe('facepheno serve under fuzz', () => {
  let before: ReturnType<typeof logicalDump>;
  let auditedBefore: number;
  beforeAll(() => {
    before = logicalDump(db, { besidesAudit: true });
    auditedBefore = auditIds(db).at(-1) ?? 0;
  });

  it('refuses every call without the right token, whatever the body', async () => {
    const wrong: Record<string, string>[] = [
      {},
      { [TOKEN_HEADER]: '' },
      { [TOKEN_HEADER]: 'x'.repeat(token.length) },
      { [TOKEN_HEADER]: token.slice(0, -1) },
      { [TOKEN_HEADER]: `${token}x` },
      { [TOKEN_HEADER]: token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase() },
      // One character changed in the middle (HTTP strips the spaces around a value, so those are no test).
      { [TOKEN_HEADER]: `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}` },
      { authorization: `Bearer ${token}` },
      { cookie: `facepheno_token=${token}` },
      { 'x-facepheno-token-x': token },
    ];
    for (const headers of wrong)
      for (const [name, input] of CALLS) {
        for (const body of bodiesOf(input))
          await fuzz(
            'no token',
            { path: `/api/call/${name}`, headers: { host, ...json, ...headers }, body },
            status(403),
          );
        // The token in the query opens the page, never the API.
        await fuzz(
          'no token',
          {
            path: `/api/call/${name}?token=${token}`,
            headers: { host, ...json, ...headers },
            body: JSON.stringify(input),
          },
          status(403),
        );
      }
  }, 300_000);

  it('refuses calls from other origins and host names, even with the token', async () => {
    const port = Number(new URL(served.origin).port);
    const origins = [
      'http://evil.example',
      'null',
      `http://localhost:${port}`,
      `http://127.0.0.1:${port + 1}`,
      `https://127.0.0.1:${port}`,
      `http://127.0.0.1:${port}.evil.example`,
      `http://user:pw@127.0.0.1:${port}`,
      'file://',
      'not a url',
    ];
    for (const origin of origins)
      for (const [name, input] of CALLS)
        for (const body of bodiesOf(input))
          await fuzz(
            'other origin',
            { path: `/api/call/${name}`, headers: { ...authed(), origin }, body },
            status(403),
          );
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
    for (const h of [
      'evil.example',
      `localhost:${port}`,
      `127.0.0.1:${port + 1}`,
      '127.0.0.1',
      `[::1]:${port}`,
      '',
    ])
      for (const [name, input] of CALLS)
        for (const body of bodiesOf(input))
          await fuzz(
            'other host',
            { path: `/api/call/${name}`, headers: { ...authed(), host: h }, body },
            status(421),
          );
    for (const [name, input] of CALLS) {
      const { host: _h, ...noHost } = authed();
      await fuzz(
        'other host',
        { path: `/api/call/${name}`, headers: noHost, body: JSON.stringify(input) },
        status(400, 421),
      );
    }
  }, 300_000);

  it('refuses bodies that are not JSON by their content type, even with the token', async () => {
    // What a page can send to another site without asking, and other types that are not JSON. (A request
    // without a type, which no page can send with a body, is read as JSON: the other families send those.)
    const types = [
      '',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'text/json',
      'application/xml',
    ];
    for (const type of types)
      for (const [name, input] of CALLS) {
        const { 'content-type': _t, ...headers } = authed();
        for (const body of bodiesOf(input))
          await fuzz(
            'content type',
            {
              path: `/api/call/${name}`,
              headers: { ...headers, 'content-type': type },
              body,
            },
            status(415),
          );
      }
  }, 300_000);

  it('refuses malformed, truncated, deep and oversized JSON bodies with the token', async () => {
    for (const [name, input] of CALLS) {
      const whole = JSON.stringify(input);
      // Every cut of a valid object is invalid JSON: each must be refused as unreadable.
      for (let n = 0; n < whole.length; n++)
        await fuzz(
          'truncated',
          { path: `/api/call/${name}`, headers: authed(), body: whole.slice(0, n) },
          notOk,
        );
    }
    for (const [name] of CALLS.filter(([n]) => n !== 'cases.list'))
      for (const body of [...MALFORMED, ...LARGE])
        await fuzz('malformed', { path: `/api/call/${name}`, headers: authed(), body }, notOk);
  }, 300_000);

  it('refuses other methods, paths and call names', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'])
      await fuzz(
        'method',
        { method, path: '/api/call/cases.create', headers: authed(), body: '{"id":"FUZZ-4"}' },
        status(404),
      );
    // Not here: dot segments, which URLs resolve ('/api/x/../call/n' is the call n, token and all).
    const paths = [
      '/api/call/',
      '/api/call',
      '/api/call/cases.create/x',
      '/api/call/cases%2Ecreate',
      '/api//call/cases.create',
      '/api/call/__proto__',
      '/api/call/constructor',
      '/api/call/toString',
      '/api/call/hasOwnProperty',
      '/api/call/files.open.x',
      `/api/call/${'a'.repeat(8000)}`,
      '/API/call/cases.create',
    ];
    for (const path of paths)
      await fuzz('path', { path, headers: authed(), body: '{"id":"FUZZ-5"}' }, (a) => {
        if (a.status === 200) notOk(a);
        else status(400, 404, 405)(a);
      });
  }, 120_000);

  it('survives lying and broken requests on raw sockets', async () => {
    const head = (extra: string) =>
      `POST /api/call/cases.create HTTP/1.1\r\nHost: ${host}\r\n${TOKEN_HEADER}: ${token}\r\ncontent-type: application/json\r\n${extra}`;
    const lies: [string, string | Buffer][] = [
      ['claims more than it sends, then hangs up', `${head('content-length: 1000\r\n\r\n')}{"id":"FUZZ-6"`],
      [
        'claims more than the limit',
        `${head(`content-length: ${600 * 1024 * 1024}\r\n\r\n`)}{"id":"FUZZ-7"}`,
      ],
      ['two lengths', `${head('content-length: 2\r\ncontent-length: 15\r\n\r\n')}{"id":"FUZZ-8"}`],
      [
        'length and chunked',
        `${head('content-length: 15\r\ntransfer-encoding: chunked\r\n\r\n')}f\r\n{"id":"FUZZ-9"}\r\n0\r\n\r\n`,
      ],
      ['chunked cut short', `${head('transfer-encoding: chunked\r\n\r\n')}ff\r\n{"id":"FUZZ-10"}`],
      ['bad chunk size', `${head('transfer-encoding: chunked\r\n\r\n')}zz\r\n{}\r\n0\r\n\r\n`],
      ['negative length', `${head('content-length: -5\r\n\r\n')}{}`],
      ['not HTTP', 'HELLO\r\n\r\n'],
      ['binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))],
      ['header without end', `${head('x-a: ')}${'b'.repeat(100_000)}`],
      ['huge header', `${head(`x-a: ${'b'.repeat(100_000)}\r\n\r\n`)}`],
      ['HTTP/0.9', 'GET /\r\n'],
      ['NUL in the path', `POST /api/call/cases.create\0 HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ];
    for (const [what, bytes] of lies) {
      cases++;
      counts.raw = (counts.raw ?? 0) + 1;
      const got = await raw(bytes, true);
      expect(got, what).not.toMatch(/"ok":true/);
      await expectAlive();
    }
  }, 300_000);

  it('changed nothing but the audit log of its reads, and logged no internal error', () => {
    expect(logicalDump(db, { besidesAudit: true })).toEqual(before);
    // The valid case lists among the fuzz are reads, each recorded; nothing else reached the log.
    const raw = rawDatabase(db);
    try {
      const actions = raw
        .prepare('SELECT DISTINCT action FROM audit_log WHERE id > ?')
        .pluck()
        .all(auditedBefore);
      expect(actions).toEqual(['case.list']);
      expect(verifyChain(raw)).toMatchObject({ ok: true });
    } finally {
      raw.close();
    }
    expect(served.stderr()).not.toMatch(/internal error|Error/);
    expect(cases).toBeGreaterThan(1000);
  });
});
