/**
 * Nothing leaves the machine: the served page cannot reach any non-local URL (the CSP stops it; route
 * interception proves no such request reached the network), and the server answers only requests that
 * carry its token, on its own host name.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Served } from './support/serve.js';
import { openServedApp, type ServedApp } from './support/served-app.js';

/** A raw request, so that the Host header and cookies are exactly what the test says. */
function rawGet(url: string, headers: Record<string, string>, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('no network beyond 127.0.0.1', () => {
  let app: ServedApp | undefined;
  let served: Served;
  let page: Page;
  const escaped: string[] = [];

  beforeAll(async () => {
    app = await openServedApp('facepheno-net-', (url) => escaped.push(url));
    ({ served, page } = app);
  });

  afterAll(() => app?.close());

  it('cannot fetch, load, import, frame or open a socket to another origin', async () => {
    const outcomes = await page.evaluate(async () => {
      const settle = (p: Promise<unknown>) =>
        Promise.race([
          p.then(
            () => 'loaded',
            () => 'blocked',
          ),
          new Promise((r) => setTimeout(() => r('blocked'), 3000)),
        ]);
      const load = (el: HTMLImageElement | HTMLScriptElement | HTMLLinkElement | HTMLIFrameElement) =>
        new Promise((resolve, reject) => {
          el.onload = resolve;
          el.onerror = reject;
          document.body.append(el);
        });
      const img = Object.assign(document.createElement('img'), { src: 'https://example.org/pixel.png' });
      const script = Object.assign(document.createElement('script'), { src: 'https://example.org/x.js' });
      const css = Object.assign(document.createElement('link'), {
        rel: 'stylesheet',
        href: 'https://example.org/x.css',
      });
      const frame = Object.assign(document.createElement('iframe'), { src: 'https://example.org/' });
      let socket = 'blocked';
      try {
        const ws = new WebSocket('wss://example.org/');
        socket = await new Promise((r) => {
          ws.onopen = () => r('loaded');
          ws.onerror = () => r('blocked');
        });
      } catch {
        socket = 'blocked';
      }
      let evalResult = 'blocked';
      try {
        evalResult = String(new Function('return "loaded"')());
      } catch {
        evalResult = 'blocked';
      }
      return {
        fetch: await settle(fetch('https://example.org/')),
        fetchIp: await settle(fetch('http://93.184.215.14/')),
        image: await settle(load(img)),
        script: await settle(load(script)),
        stylesheet: await settle(load(css)),
        beacon: navigator.sendBeacon('https://example.org/b', 'x') ? 'queued' : 'blocked',
        socket,
        eval: evalResult,
        frame: await settle(
          load(frame).then(() => (frame.contentDocument ? 'loaded' : Promise.reject(new Error()))),
        ),
      };
    });
    // As a string: the test runner would rewrite an import() written in this file.
    const dynamicImport = await page.evaluate(
      "import('https://example.org/m.js').then(() => 'loaded', () => 'blocked')",
    );
    for (const [what, outcome] of Object.entries({ ...outcomes, dynamicImport })) {
      expect.soft(outcome, what).not.toBe('loaded');
    }
    // Given time for anything queued (a beacon) to go out: nothing reached the network.
    await page.waitForTimeout(500);
    expect(escaped).toEqual([]);
  });

  it('answers only requests with its token, on its own host name', async () => {
    const token = new URL(served.url).searchParams.get('token') as string;
    expect(await rawGet(`${served.origin}/`, {})).toBe(403);
    expect(await rawGet(`${served.origin}/?token=wrong${token.slice(5)}`, {})).toBe(403);
    expect(await rawGet(served.url, {})).toBe(200);
    // DNS rebinding: the right token under another host name is refused.
    expect(await rawGet(served.url, { host: 'attacker.example:80' })).toBe(421);
    // API calls need the token in the header, not a cookie another page could ride on.
    const call = `${served.origin}/api/call/cases.list`;
    expect(await rawGet(call, { cookie: `facepheno_token=${token}` }, 'POST')).toBe(403);
    expect(await rawGet(call, { 'x-facepheno-token': token }, 'POST')).toBe(200);
    expect(await rawGet(call, { 'x-facepheno-token': token, origin: 'https://example.org' }, 'POST')).toBe(
      403,
    );
  });
});
