import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  isTrustedSender,
  isTrustedUrl,
  safeRelativePath,
  tokensEqual,
} from '../../src/shared/security.js';

const served = 'http://127.0.0.1:43117';

describe('URL trust', () => {
  it('trusts the app origin, and data:/blob: made by the page', () => {
    expect(isTrustedUrl('app://facepheno/index.html', APP_ORIGIN)).toBe(true);
    expect(isTrustedUrl('app://facepheno/assets/x.js?v=1#a', APP_ORIGIN)).toBe(true);
    expect(isTrustedUrl('data:image/png;base64,AAAA', APP_ORIGIN)).toBe(true);
    expect(isTrustedUrl('blob:app://facepheno/1f2e', APP_ORIGIN)).toBe(true);
    expect(isTrustedUrl(`${served}/api/call/cases.list`, served)).toBe(true);
  });

  it('refuses every other origin, look-alike hosts, ports and credentials', () => {
    for (const url of [
      'https://example.org/',
      'http://127.0.0.1:43118/',
      'http://localhost:43117/',
      'app://facepheno.evil/',
      'app://evil/index.html',
      'file:///etc/passwd',
      'http://127.0.0.1:43117@evil.org/',
      'app://user:pw@facepheno/',
      'blob:https://example.org/1f2e',
      'javascript:alert(1)',
      'not a url',
      '',
    ]) {
      expect(isTrustedUrl(url, url.startsWith('http') ? served : APP_ORIGIN), url).toBe(false);
    }
  });
});

describe('IPC sender check', () => {
  it('accepts the top frame of the app only', () => {
    expect(isTrustedSender({ url: 'app://facepheno/index.html', isMainFrame: true }, APP_ORIGIN)).toBe(true);
    expect(isTrustedSender({ url: 'app://facepheno/index.html', isMainFrame: false }, APP_ORIGIN)).toBe(
      false,
    );
    expect(isTrustedSender({ url: 'https://example.org/', isMainFrame: true }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'devtools://devtools/x', isMainFrame: true }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: '', isMainFrame: true }, APP_ORIGIN)).toBe(false);
  });
});

describe('path-traversal guard', () => {
  it('maps plain asset paths, and / to index.html', () => {
    expect(safeRelativePath('/')).toBe('index.html');
    expect(safeRelativePath('')).toBe('index.html');
    expect(safeRelativePath('/assets/index-abc.js')).toBe('assets/index-abc.js');
    expect(safeRelativePath('/assets//a.css?x=1#y')).toBe('assets/a.css');
    expect(safeRelativePath('/a%20b.png')).toBe('a b.png');
  });

  it('refuses any path that could leave the served folder', () => {
    for (const p of [
      '/../etc/passwd',
      '/assets/../../x',
      '/%2e%2e/etc/passwd',
      '/%2E%2E%2Fsecret',
      '/assets%2f..%2f..%2fx',
      '/..%5c..%5cwindows',
      '/a\\..\\b',
      '/C:/Windows/win.ini',
      '/c:%5cboot.ini',
      '/x%00.js',
      '/./index.html',
      '/%E0%A4%A',
    ]) {
      expect(safeRelativePath(p), p).toBeNull();
    }
  });
});

describe('CSP and token', () => {
  it('allows no remote origin, no eval and no inline script', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
  });

  it('compares tokens exactly', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });
});
