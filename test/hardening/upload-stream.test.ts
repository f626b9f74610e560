/**
 * Issue 15, finding 8: an authenticated 200 MB body raised `facepheno serve`'s memory by 1.1 GB (base64 in
 * JSON, held whole, parsed, copied to the Service's worker). Uploads now stream to a file in the upload
 * folder: the real serve, in a child process, takes a 200 MB file with its peak memory (VmHWM, reset
 * before) rising far less than the file, stream-sealed on disk (issue 15, finding 2); a file over the limit is refused (413) while streaming or, when
 * its length says so, before a byte is read, and leaves no file; a 200 MB JSON call is refused without
 * being held. An uploaded file is then used by a call through its token, named as the user named it, and
 * its folder is gone once used.
 */
import { request } from 'node:http';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type Served } from '../../e2e/support/serve.js';
import { repoRoot } from '../support/paths.js';

const MB = 1024 * 1024;
let tmp: string;
let dataDir: string;
let served: Served;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'facepheno-upload-stream-'));
  dataDir = join(tmp, 'data');
  served = await startServe(dataDir);
}, 300_000);

afterAll(async () => {
  await served?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The server's peak resident memory since the last reset, in bytes. */
function peak(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${served.pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}
/** Resets the peak to the memory in use now (Linux: 5 to clear_refs). */
function resetPeak(): void {
  writeFileSync(`/proc/${served.pid}/clear_refs`, '5');
}

/** `mb` MB of bytes, made a chunk at a time as they are sent. */
async function* bytes(mb: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(MB, 'facepheno');
  for (let i = 0; i < mb; i++) yield chunk;
}

/** One POST whose body is streamed (chunked unless `length` is given); resolves with the answer. */
function post(
  path: string,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer> | string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${served.origin}${path}`,
      { method: 'POST', headers: { 'x-facepheno-token': served.token, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    // The server may close the connection once it has answered a refusal: the unsent rest is no error.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (typeof body === 'string') return req.end(body);
    void (async () => {
      for await (const chunk of body) {
        if (req.destroyed) return;
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })();
  });
}

const octets = { 'content-type': 'application/octet-stream' };
const uploads = () => readdirSync(dataDir).filter((n) => n.startsWith('upload-'));
const filesIn = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

describe('facepheno serve streams uploads', () => {
  it('takes a 200 MB file with little memory, into a private upload folder', async () => {
    resetPeak();
    const before = peak();
    const r = await post(`/api/upload?path=${encodeURIComponent('scans/big file.bin')}`, octets, bytes(200));
    expect(r.status, r.text).toBe(200);
    const grew = peak() - before;
    console.log(`200 MB upload: peak memory +${(grew / MB).toFixed(0)} MB`);
    expect(grew).toBeLessThan(100 * MB);
    const reply = JSON.parse(r.text) as { ok: boolean; value: { token: string; name: string } };
    expect(reply).toMatchObject({ ok: true, value: { name: 'scans/big file.bin' } });
    expect(uploads()).toHaveLength(1);
    const [file] = filesIn(join(dataDir, uploads()[0] as string));
    expect(file?.name).toBe('big file.bin');
    const path = join(file?.parentPath as string, file?.name as string);
    const stat = statSync(path);
    // Stream-sealed: a 16-byte header and a 16-byte tag per 64 KiB chunk, and none of the bytes sent.
    expect(stat.size).toBe(200 * MB + 16 + ((200 * MB) / (64 * 1024) + 1) * 16);
    const head = Buffer.alloc(4 * MB);
    const fd = openSync(path, 'r');
    readSync(fd, head, 0, head.length, 100 * MB);
    closeSync(fd);
    expect(head.includes('facepheno')).toBe(false);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, uploads()[0] as string)).mode & 0o777).toBe(0o700);
  }, 120_000);

  it('refuses a file over the limit while it streams, and one whose length says so, leaving no file', async () => {
    for (const n of uploads()) rmSync(join(dataDir, n), { recursive: true });
    const streamed = await post('/api/upload?path=huge.bin', octets, bytes(513));
    expect(streamed.status).toBe(413);
    expect(streamed.text).toContain('huge.bin: larger than 512 MB');
    const declared = await post(
      '/api/upload?path=huge.bin',
      { ...octets, 'content-length': String(600 * MB) },
      bytes(1),
    );
    expect(declared.status).toBe(413);
    expect(uploads()).toEqual([]);
  }, 120_000);

  it('refuses a 200 MB JSON call without holding it', async () => {
    resetPeak();
    const before = peak();
    async function* json(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"caseId":"X","files":[{"kind":"bytes","name":"a.jpg","data":"');
      for await (const chunk of bytes(200)) yield Buffer.from(chunk.toString('base64'));
      yield Buffer.from('"}]}');
    }
    const r = await post('/api/call/photos.add', { 'content-type': 'application/json' }, json());
    const grew = peak() - before;
    console.log(`200 MB JSON call: peak memory +${(grew / MB).toFixed(0)} MB`);
    expect(JSON.parse(r.text)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/larger than 32 MB/),
    });
    expect(grew).toBeLessThan(300 * MB);
  }, 120_000);

  it('a call uses an uploaded file by its token, names it as the user did, and the upload goes', async () => {
    const created = await post(
      '/api/call/cases.create',
      { 'content-type': 'application/json' },
      '{"id":"UP-1"}',
    );
    expect(JSON.parse(created.text)).toMatchObject({ ok: true });
    const up = await post('/api/upload?path=not-a-photo.jpg', octets, 'plain text, no image');
    const { token } = (JSON.parse(up.text) as { value: { token: string } }).value;
    expect(uploads()).toHaveLength(1);
    const added = await post(
      '/api/call/photos.add',
      { 'content-type': 'application/json' },
      JSON.stringify({ caseId: 'UP-1', files: [{ kind: 'token', token }] }),
    );
    const reply = JSON.parse(added.text) as {
      ok: boolean;
      value: { results: { name: string; error: string }[] };
    };
    expect(reply.ok, added.text).toBe(true);
    expect(reply.value.results[0]?.name).toBe('not-a-photo.jpg');
    expect(reply.value.results[0]?.error).toMatch(/^not-a-photo\.jpg: /);
    expect(added.text).not.toContain(dataDir);
    expect(uploads()).toEqual([]);
    // Used once: the token names nothing now.
    const again = await post(
      '/api/call/photos.add',
      { 'content-type': 'application/json' },
      JSON.stringify({ caseId: 'UP-1', files: [{ kind: 'token', token }] }),
    );
    expect(JSON.parse(again.text)).toMatchObject({ ok: true });
    expect(again.text).toMatch(/no longer available|cannot read/);
    // A token this server never issued, and a folder token it never issued, are refused.
    const made = await post(
      '/api/call/photos.add',
      { 'content-type': 'application/json' },
      JSON.stringify({ caseId: 'UP-1', files: [{ kind: 'token', token: 'made-up-by-a-page-0000000' }] }),
    );
    expect(made.text).toMatch(/no longer available/);
    const folder = await post('/api/upload?path=a.jpg&folder=made-up-by-a-page-0000000', octets, 'x');
    expect(folder.status).toBe(400);
    expect(existsSync(join(dataDir, 'a.jpg'))).toBe(false);
    expect(uploads()).toEqual([]);
  }, 120_000);

  it('a VCF (bgzip) waits sealed for its import, which reads it through the seal', async () => {
    const call = async (name: string, input: unknown) =>
      JSON.parse(
        (await post(`/api/call/${name}`, { 'content-type': 'application/json' }, JSON.stringify(input))).text,
      ) as {
        ok: boolean;
        value: Record<string, unknown>;
      };
    expect(await call('cases.create', { id: 'UP-VCF' })).toMatchObject({ ok: true });
    const vcf = readFileSync(join(repoRoot, 'test', 'fixtures', 'genomics', 'trio.vep.vcf.gz'));
    const up = await post(
      '/api/upload?path=trio.vep.vcf.gz',
      octets,
      (async function* () {
        yield vcf;
      })(),
    );
    const { token } = (JSON.parse(up.text) as { value: { token: string } }).value;
    const [file] = filesIn(join(dataDir, uploads()[0] as string));
    const onDisk = readFileSync(join(file?.parentPath as string, file?.name as string));
    expect(onDisk.subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(onDisk.includes(vcf.subarray(0, 64))).toBe(false);
    expect(await call('variants.import', { caseId: 'UP-VCF', file: { kind: 'token', token } })).toMatchObject(
      {
        ok: true,
      },
    );
    await expect
      .poll(async () => (await call('variants.list', { caseId: 'UP-VCF' })).value.import, { timeout: 60_000 })
      .toMatchObject({ fileName: 'trio.vep.vcf.gz', sample: 'PROBAND_01' });
    expect(uploads()).toEqual([]);
  }, 120_000);

  it('refuses uploads without the token, of another type, or with a path that leaves the folder', async () => {
    const noToken = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${served.origin}/api/upload?path=a.jpg`,
        { method: 'POST', headers: octets },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('x');
    });
    expect(noToken).toBe(403);
    expect((await post('/api/upload?path=a.jpg', { 'content-type': 'text/plain' }, 'x')).status).toBe(415);
    for (const path of [
      '../evil.jpg',
      'a/../../evil.jpg',
      '/etc/evil',
      'a\\..\\evil',
      'C:/evil',
      './a.jpg',
      '',
    ]) {
      const r = await post(`/api/upload?path=${encodeURIComponent(path)}`, octets, 'x');
      expect(r.status, path).toBe(400);
    }
    expect(uploads()).toEqual([]);
    expect(existsSync(join(dataDir, 'evil.jpg'))).toBe(false);
    expect(existsSync(join(tmp, 'evil.jpg'))).toBe(false);
    expect(served.stderr()).not.toMatch(/internal error|Error/);
  }, 60_000);
});
