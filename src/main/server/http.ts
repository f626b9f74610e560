/**
 * The HTTP side of `facepheno serve`: the renderer's files and the API contract on 127.0.0.1 only.
 * Two random secrets, and no cookie: browsers send cookies to every port of a host, so a cookie would reach
 * any other local server the browser visits. The page and its assets live under a random path prefix (the
 * page keeps it in its address, so a reload works); it opens only the renderer's files, which are the same
 * for everyone. The API token reaches the page once, in the printed address's query, and from then on only
 * the page's own script holds it and sends it in a header with every call and the event stream.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY, isSameOrigin, tokensEqual } from '../../shared/security.js';
import type { AnyEvent, Reply } from '../../shared/api.js';
import { loggableError, UserError } from '../errors.js';
import type { SealKey } from '../sealed-file.js';
import { readRendererFile } from '../renderer-files.js';
import { FileTokens } from '../service/file-tokens.js';
import {
  createUpload,
  dropUpload,
  MAX_UPLOAD_FILE_BYTES as MAX_UPLOAD_BYTES,
  streamUpload,
  UploadTooLarge,
} from '../service/uploads.js';

/** What the server needs from the Service (ServiceHost in a worker, in practice). */
export interface ServiceLink {
  /** `paths`: the files behind the upload tokens in `input`. */
  call(name: string, input: unknown, paths?: Record<string, string>): Promise<Reply>;
  onEvent(listener: (event: AnyEvent) => void): () => void;
}

export interface ServerOptions {
  service: ServiceLink;
  rendererDir: string;
  port: number;
  /** Where streamed uploads go (the data directory: the Service reads them there and removes them). */
  uploadDir: string;
  /** The session's upload key, which the Service was given too: uploads are sealed under it as they stream. */
  uploadKey: SealKey;
}

export interface RunningServer {
  /** The address to open: the page under its prefix, with the API token in the query. */
  url: string;
  port: number;
  token: string;
  /** The page's path prefix, '/<random>/'. */
  pagePrefix: string;
  close(): Promise<void>;
}

export const TOKEN_HEADER = 'x-facepheno-token';
/**
 * A call's JSON body, held in memory while it is parsed: photos, VCFs and gallery folders come as streamed
 * uploads (POST /api/upload), so a call needs little; the bound keeps a body from costing gigabytes.
 */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Files one uploaded folder may hold (gallery.import's own bound on a folder sent as JSON). */
const MAX_FOLDER_FILES = 20_000;

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('base64url');
  const pagePrefix = `/${randomBytes(18).toString('base64url')}/`;
  const sockets = new Set<ServerResponse>();
  let origin = '';
  // Upload tokens: a file's (what a call names), and its folder's (for the next file of the same folder).
  const tokens = new FileTokens();
  const folders = new Map<string, number>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error(`facepheno serve: ${loggableError(err)}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
    if (req.headers.host !== new URL(origin).host) return send(res, 421, 'text/plain', 'wrong host');
    const path = requestPath(req.url);
    if (path === null) return send(res, 400, 'text/plain', 'bad path');
    const fromHeader = req.headers[TOKEN_HEADER];
    const headerOk = typeof fromHeader === 'string' && tokensEqual(fromHeader, token);

    if (path.startsWith('/api/')) {
      if (!headerOk) return send(res, 403, 'text/plain', 'token required');
      // A cross-site form or fetch carries its own Origin; same-origin fetches carry ours or none.
      const from = req.headers.origin;
      if (from !== undefined && !isSameOrigin(from, origin))
        return send(res, 403, 'text/plain', 'wrong origin');
      if (path === '/api/events' && req.method === 'GET') return streamEvents(req, res);
      if (path === '/api/upload' && req.method === 'POST') return upload(req, res);
      const match = /^\/api\/call\/([a-zA-Z.]+)$/.exec(path);
      if (!match || req.method !== 'POST') return send(res, 404, 'text/plain', 'not found');
      if (declaredNotJson(req)) return send(res, 415, 'text/plain', 'content-type must be application/json');
      const reply = await callService(match[1] as string, req);
      return send(res, 200, 'application/json', JSON.stringify(reply));
    }

    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed');
    if (!path.startsWith(pagePrefix))
      return send(res, 403, 'text/plain', 'open the address that facepheno serve printed');
    const file = await readRendererFile(opts.rendererDir, path.slice(pagePrefix.length - 1));
    if (file.status !== 200) return send(res, file.status, 'text/plain', file.reason);
    send(res, 200, file.type, file.body);
  }

  /**
   * One file streamed to the upload folder: `?path=` its path in the user's folder (or its name),
   * `&folder=` the folder token of an earlier file to add it beside. Answers the file's token, its
   * folder's and its name, which calls then name instead of the bytes.
   */
  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
    if (type !== 'application/octet-stream')
      return refuse(res, 415, 'content-type must be application/octet-stream');
    const target = req.url ?? '';
    const query = new URLSearchParams(target.includes('?') ? target.slice(target.indexOf('?') + 1) : '');
    const path = query.get('path');
    if (path === null || path === '') return refuse(res, 400, 'the upload names no file (?path=)');
    if (Number(req.headers['content-length']) > MAX_UPLOAD_BYTES)
      return refuse(res, 413, `${path}: larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB, not uploaded`);
    const folderToken = query.get('folder');
    let root: string;
    let fresh = false;
    if (folderToken === null) {
      root = createUpload(opts.uploadDir);
      fresh = true;
    } else {
      const known = tokens.pathOf(folderToken);
      const count = known === undefined ? undefined : folders.get(known);
      if (known === undefined || count === undefined || !existsSync(known))
        return refuse(res, 400, 'that upload folder is no longer available: upload the folder again');
      if (count >= MAX_FOLDER_FILES)
        return refuse(res, 413, `an uploaded folder holds at most ${MAX_FOLDER_FILES} files`);
      root = known;
    }
    try {
      const file = await streamUpload(root, path, req, opts.uploadKey, MAX_UPLOAD_BYTES);
      folders.set(root, (folders.get(root) ?? 0) + 1);
      const folder = folderToken ?? tokens.issue(root).token;
      const reply: Reply = { ok: true, value: { token: tokens.issue(file).token, folder, name: path } };
      return send(res, 200, 'application/json', JSON.stringify(reply));
    } catch (err) {
      if (fresh) dropUpload(root);
      if (err instanceof UploadTooLarge) return refuse(res, 413, err.message);
      if (err instanceof UserError) return refuse(res, 400, err.message);
      if (req.destroyed) return; // the browser gave up (a page closed mid-upload): nothing to answer
      throw err;
    }
  }

  async function callService(name: string, req: IncomingMessage): Promise<Reply> {
    let input: unknown;
    try {
      input = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (err) {
      return { ok: false, error: `${name}: the request could not be read (${(err as Error).message})` };
    }
    // The only paths a call reaches are those of this server's own uploads, by their tokens.
    return opts.service.call(name, input, tokens.resolveIn(input));
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    sockets.add(res);
    const off = opts.service.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    req.on('close', () => {
      off();
      sockets.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  origin = `http://127.0.0.1:${address.port}`;

  return {
    url: `${origin}${pagePrefix}?token=${token}`,
    port: address.port,
    token,
    pagePrefix,
    close: () =>
      new Promise<void>((resolve) => {
        // Uploads no call took (the Service removes those it used).
        for (const root of folders.keys()) dropUpload(root);
        for (const res of sockets) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A refused upload: the answer, then the connection closed, so the rest of a large body is not read
 * (Node would otherwise read it all to reuse the connection).
 */
function refuse(res: ServerResponse, status: number, message: string): void {
  const socket = res.socket;
  res.setHeader('connection', 'close');
  res.once('finish', () => socket?.destroy());
  send(res, status, 'text/plain; charset=utf-8', message);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The path of a request's target, without its query; null for a target that is not a path (`*`, an
 * absolute URL). Not through URL: it resolves dot segments and reads `/\\host` as another host (and
 * throws on some), where the server should see the path exactly as sent.
 */
function requestPath(target: string | undefined): string | null {
  if (target === undefined || !target.startsWith('/')) return null;
  return target.split(/[?#]/, 1)[0] as string;
}

/**
 * A body declared as anything but JSON is not one of the app's calls, whatever it holds: every body a
 * page can send to another site without asking (a form, a beacon, a plain fetch) declares its type.
 */
function declaredNotJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  return type !== undefined && type !== 'application/json';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  // Refused before a byte is read when the request says how large it is.
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES)
    throw new Error(`larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
