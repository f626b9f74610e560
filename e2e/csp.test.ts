/**
 * Attacks on the served renderer: script injected into the page (inline, remote, eval) is stopped by the
 * Content-Security-Policy and reported as a violation; `facepheno serve`, even given its token, serves
 * nothing outside the renderer's folder however the path is written; and it listens on 127.0.0.1 only.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Served } from './support/serve.js';
import { openServedApp, type ServedApp } from './support/served-app.js';

/** A raw GET with the path exactly as written: fetch and URL would normalise '..' away first. */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}/`, { path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Whether anything accepts a TCP connection at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('CSP, path traversal and loopback only', () => {
  let app: ServedApp | undefined;
  let served: Served;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    app = await openServedApp('facepheno-csp-');
    ({ served, page } = app);
    token = new URL(served.url).searchParams.get('token') as string;
  });

  afterAll(() => app?.close());

  it('blocks injected inline and remote scripts and eval, reporting each violation', async () => {
    const result = await page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const violations: { directive: string; blocked: string }[] = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
      );
      const inline = document.createElement('script');
      inline.textContent = 'window.__injectedInline = true;';
      document.body.append(inline);
      const remote = document.createElement('script');
      remote.src = 'https://example.org/evil.js';
      const remoteOutcome = new Promise<string>((resolve) => {
        remote.onload = () => resolve('loaded');
        remote.onerror = () => resolve('blocked');
      });
      document.body.append(remote);
      const tryRun = (f: () => unknown) => {
        try {
          return String(f());
        } catch (err) {
          return (err as Error).name;
        }
      };
      // DevTools lets code it evaluates call eval (allowUnsafeEvalBlockedByCSP): attack from a later task.
      await new Promise((r) => setTimeout(r, 0));
      const evalOutcome = tryRun(() => (0, eval)('window.__injectedEval = true'));
      const fnOutcome = tryRun(() => new Function('window.__injectedEval = true; return "ran"')());
      const timerOutcome = tryRun(() => setTimeout('window.__injectedEval = true', 0));
      const remoteResult = await remoteOutcome;
      // Violation events are queued as tasks: give them a moment to arrive.
      await new Promise((r) => setTimeout(r, 300));
      return {
        inlineRan: w.__injectedInline === true,
        evalRan: w.__injectedEval === true,
        evalOutcome,
        fnOutcome,
        timerOutcome,
        remoteResult,
        violations,
      };
    });
    expect(result.inlineRan).toBe(false);
    expect(result.evalRan).toBe(false);
    expect(result.evalOutcome).toBe('EvalError');
    expect(result.fnOutcome).toBe('EvalError');
    expect(result.remoteResult).toBe('blocked');
    const blocked = result.violations.filter(
      (v) => v.directive === 'script-src-elem' || v.directive === 'script-src',
    );
    expect(blocked.map((v) => v.blocked).sort()).toEqual([
      // eval, new Function and setTimeout with a string
      'eval',
      'eval',
      'eval',
      'https://example.org/evil.js',
      'inline',
    ]);
  });

  it('serves nothing outside the renderer folder, with the token, however the path is written', async () => {
    const q = `?token=${token}`;
    // The page's files live under its random prefix; the attempts go through it and outside it.
    const prefix = new URL(served.page).pathname;
    expect((await rawGet(served.origin, `${prefix}/index.html${q}`)).status).toBe(200);
    // package.json lies two folders above out/renderer; /etc/passwd is anywhere's favourite.
    const attempts = [
      '/../../package.json',
      '/../../../../../../etc/passwd',
      '/assets/../../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/.%2e/.%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e%2f%2e%2e%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/..\\..\\package.json',
      '/%252e%252e/%252e%252e/package.json',
      '/assets/%2f..%2f..%2f..%2fpackage.json',
      '//etc/passwd',
      '/%00../../package.json',
      '/C:/Windows/win.ini',
    ];
    for (const path of attempts.flatMap((p) => [p, `${prefix}${p}`])) {
      const r = await rawGet(served.origin, `${path}${q}`);
      expect.soft(r.status, path).not.toBe(200);
      expect.soft(r.body, path).not.toMatch(/"name": "facepheno"|root:/);
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const { hostname, port: portText } = new URL(served.origin);
    const port = Number(portText);
    expect(hostname).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', port)).toBe(true);
    // Other loopback addresses and every non-loopback interface of this machine are refused.
    const others = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => !a.internal)
      .map((a) => a.address);
    for (const host of ['127.0.0.2', '::1', ...others]) {
      expect.soft(await accepts(host, port), host).toBe(false);
    }
  });
});
