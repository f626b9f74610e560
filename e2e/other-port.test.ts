/**
 * Issue 15, finding 3: cookies ignore ports, so whatever `facepheno serve` keeps in a cookie reaches every
 * other server on 127.0.0.1 that the same browser visits. After the app has been opened and used, a second
 * local server on another port records every request the browser sends it (a navigation from the app's own
 * page, a fresh tab, a fetch and an image from that tab): none may carry the token or the page's prefix, in a
 * cookie, another header, the address or the referrer, and nothing it received may open the API.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startServe, type Served } from './support/serve.js';

interface Received {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A plain local server that answers a small page to everything and records what it was sent. */
async function recorder(): Promise<{ server: Server; origin: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    received.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>elsewhere</title><p>another local server</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, origin: `http://127.0.0.1:${address.port}`, received };
}

/** A call to the served API with exactly these headers: its status. */
function callStatus(origin: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${origin}/api/call/cases.list`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

describe('the serve session reaches no other local port', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let other: Awaited<ReturnType<typeof recorder>>;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-port-'));
    served = await startServe(join(tmp, 'data'));
    other = await recorder();
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await new Promise((resolve) => other?.server.close(resolve));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sends another 127.0.0.1 server nothing that opens the API', async () => {
    // The app in use: a case created through the API, its events stream open.
    await page.getByLabel('Case id').fill('PORT-1');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Case PORT-1' }).waitFor();
    // A reload still opens the app (the session survives without a cookie).
    await page.reload();
    await page.getByRole('heading', { name: 'Case PORT-1' }).waitFor();

    // The app's own page navigates away (a link the user followed), then a fresh tab of the same browser
    // opens the other server, which fetches and loads an image from itself with credentials.
    await page.evaluate((to) => window.location.assign(to), `${other.origin}/from-app`);
    await page.waitForURL(`${other.origin}/from-app`);
    const tab = await context.newPage();
    await tab.goto(`${other.origin}/fresh-tab`);
    await tab.evaluate(async (origin) => {
      await fetch(`${origin}/fetched`, { credentials: 'include' });
      await new Promise((resolve) => {
        const img = new Image();
        img.onload = img.onerror = resolve;
        img.src = `${origin}/image.png`;
      });
    }, other.origin);

    const paths = other.received.map((r) => r.url);
    expect(paths).toEqual(expect.arrayContaining(['/from-app', '/fresh-tab', '/fetched', '/image.png']));
    const prefix = new URL(served.page).pathname.slice(1);
    const everything = JSON.stringify(other.received);
    expect(everything).not.toContain(served.token);
    expect(everything).not.toContain(prefix);
    expect(other.received.filter((r) => r.headers.cookie !== undefined)).toEqual([]);
    // The only referrers are the other server's own pages, never the app's.
    const referrers = other.received.flatMap((r) =>
      r.headers.referer === undefined ? [] : [r.headers.referer],
    );
    expect(referrers.filter((r) => !String(r).startsWith(`${other.origin}/`))).toEqual([]);

    // Whatever it did receive, tried as the token and as cookies, opens nothing.
    const values = other.received.flatMap((r) =>
      Object.values(r.headers).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
    );
    for (const value of new Set(values)) {
      expect.soft(await callStatus(served.origin, { 'x-facepheno-token': value }), value).toBe(403);
      expect.soft(await callStatus(served.origin, { cookie: value }), value).toBe(403);
    }
    // The check itself can tell: the real token opens the API.
    expect(await callStatus(served.origin, { 'x-facepheno-token': served.token })).toBe(200);
  });
});
