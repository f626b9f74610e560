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

function httpApi(token: string): Api {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSource | null = null;

  function connect(): void {
    // Same origin, so the session cookie set with the page carries the token.
    source = new EventSource('/api/events');
    source.onmessage = (msg: MessageEvent<string>) => {
      const event = JSON.parse(msg.data) as AnyEvent;
      for (const l of listeners.get(event.name) ?? []) l(event.payload);
    };
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
      if (!source) connect();
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}

/** The preload's API in Electron; otherwise the HTTP one, taking the token from the address once. */
function resolveApi(): Api {
  if (window.api) return window.api;
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token') ?? sessionStorage.getItem('facepheno-token');
  if (!token)
    throw new Error('Open FacePheno with the address that facepheno serve printed (it holds the token).');
  sessionStorage.setItem('facepheno-token', token);
  // Keep the token out of the address bar (screenshots, shoulder surfing); the session keeps it. The hash
  // is the route (a case's address), kept; this runs before the router reads the address.
  if (params.has('token')) window.history.replaceState(null, '', `/${window.location.hash}`);
  return httpApi(token);
}

export const api: Api = resolveApi();

/** Converts what a call threw into words for the screen. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A query's or mutation's error in words for the screen, or null while there is none. */
export function errorMessage(err: unknown): string | null {
  return err === null || err === undefined ? null : errorText(err);
}
