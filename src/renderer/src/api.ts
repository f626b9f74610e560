/**
 * The renderer's one way to the Service: `window.api`. The Electron preload provides it over IPC; under
 * `facepheno serve` there is no preload, so it is made here over fetch with the page's token. Only types
 * come from the contract: the schemas stay on the Service side, out of the page.
 */
import type {
  Api,
  AnyEvent,
  CallInput,
  CallName,
  CallOutput,
  EventName,
  EventPayload,
  Reply,
} from '../../shared/api.js';

declare global {
  interface Window {
    api?: Api;
  }
}

/** A call the Service refused or could not finish; `message` is meant for the user. */
export class CallFailed extends Error {}

const TOKEN_HEADER = 'x-facepheno-token';

/** Reads a server-sent event stream's `data:` lines, one event per blank-line-ended block. */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = pending.indexOf('\n\n')) !== -1) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      if (data !== '') onData(data);
    }
  }
}

function httpApi(token: string): Api {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let connected = false;

  function connect(): void {
    connected = true;
    // Over fetch, not EventSource, which cannot send a header: the token never travels in a cookie or an
    // address. Reconnects after a pause when the stream ends (the server restarted, the laptop slept).
    void fetch('/api/events', { headers: { [TOKEN_HEADER]: token } })
      .then((res) => {
        if (!res.ok || !res.body) throw new Error(`${res.status}`);
        return readEvents(res.body, (data) => {
          const event = JSON.parse(data) as AnyEvent;
          for (const l of listeners.get(event.name) ?? []) l(event.payload);
        });
      })
      .catch(() => undefined)
      .finally(() => setTimeout(connect, 2000));
  }

  return {
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      let reply: Reply;
      try {
        const res = await fetch(`/api/call/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          body: JSON.stringify(input),
        });
        if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
        reply = (await res.json()) as Reply;
      } catch (err) {
        throw new CallFailed(
          `FacePheno is not answering (${(err as Error).message}). Is facepheno serve still running?`,
        );
      }
      if (!reply.ok) throw new CallFailed(reply.error);
      return reply.value as CallOutput<K>;
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!connected) connect();
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}

/** A file serve received: the token calls name it by, its folder's token, and its name as sent. */
export interface Uploaded {
  token: string;
  folder: string;
  name: string;
}

/** Streams a file the page holds to serve's upload folder: `path` in the user's folder, `folder` to add to. */
export type Upload = (file: Blob, path: string, folder?: string) => Promise<Uploaded>;

function httpUpload(token: string): Upload {
  return async (file, path, folder) => {
    const query = new URLSearchParams({ path, ...(folder === undefined ? {} : { folder }) });
    let res: Response;
    try {
      // The File itself as the body: the browser streams it from the disk, the page never holds its bytes.
      res = await fetch(`/api/upload?${query.toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', [TOKEN_HEADER]: token },
        body: file,
      });
    } catch (err) {
      throw new CallFailed(
        `FacePheno is not answering (${(err as Error).message}). Is facepheno serve still running?`,
      );
    }
    if (!res.ok) throw new CallFailed(await res.text());
    const reply = (await res.json()) as Reply;
    if (!reply.ok) throw new CallFailed(reply.error);
    return reply.value as Uploaded;
  };
}

/** The preload's API in Electron; otherwise the HTTP one, taking the token from the address once. */
function resolveApi(): { api: Api; upload: Upload | null } {
  if (window.api) return { api: window.api, upload: null };
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token') ?? sessionStorage.getItem('facepheno-token');
  if (!token)
    throw new Error('Open FacePheno with the address that facepheno serve printed (it holds the token).');
  sessionStorage.setItem('facepheno-token', token);
  // Keep the token out of the address bar (screenshots, shoulder surfing); the session keeps it. The path
  // (the page's prefix) and the hash (the route, a case's address) are kept; this runs before the router
  // reads the address.
  if (params.has('token'))
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.hash}`);
  return { api: httpApi(token), upload: httpUpload(token) };
}

const resolved = resolveApi();
export const api: Api = resolved.api;
/** In a browser (serve), files go up as streamed uploads; the desktop app's page sends them in the call. */
export const upload: Upload | null = resolved.upload;

/** Converts what a call threw into words for the screen. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A query's or mutation's error in words for the screen, or null while there is none. */
export function errorMessage(err: unknown): string | null {
  return err === null || err === undefined ? null : errorText(err);
}
