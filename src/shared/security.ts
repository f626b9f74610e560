/**
 * Security rules shared by the two hosts of the renderer: the Electron shell (app:// protocol) and
 * `facepheno serve` (http://127.0.0.1). Pure string logic, no Node or Electron imports, so that both
 * hosts and the unit tests use exactly the same checks.
 */

/** The custom scheme and host the Electron shell serves the renderer from. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'facepheno';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The Content-Security-Policy of every renderer page: its own scripts and styles only (no eval, no
 * inline script), images from itself or data:/blob: URLs made from photo bytes, requests to itself only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "worker-src 'none'",
].join('; ');

/** Is `url` the renderer's own origin? `origin` is app://facepheno or http://127.0.0.1:PORT. */
export function isSameOrigin(url: string, origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  // Custom schemes have an opaque origin ('null'), so compare scheme and host explicitly.
  return `${parsed.protocol}//${parsed.host}` === origin;
}

/** A URL the app may load or request: its own origin, or data:/blob: made from the page's own bytes. */
export function isTrustedUrl(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true;
  if (url.startsWith('blob:')) return isSameOrigin(url.slice('blob:'.length), origin);
  return isSameOrigin(url, origin);
}

/**
 * The IPC sender check: a call is answered only when it comes from the app's own top frame, loaded
 * from the app origin. Anything else (a subframe, a page navigated elsewhere, devtools extensions) is
 * refused before its input is even parsed.
 */
export function isTrustedSender(sender: { url: string; isMainFrame: boolean }, origin: string): boolean {
  return sender.isMainFrame && isSameOrigin(sender.url, origin);
}

/**
 * Maps a request path onto a relative file path inside the served folder, or null when the path
 * could leave it: '..' segments (plain or percent-encoded), backslashes, NUL, drive letters, encoded
 * separators. '/' maps to index.html. The caller joins the result onto its root folder.
 */
export function safeRelativePath(urlPath: string): string | null {
  const path = urlPath.split(/[?#]/, 1)[0] ?? '';
  // Encoded separators and dots are refused before decoding, so a path cannot change shape by decoding.
  if (/%2f|%5c|%2e|%00/i.test(path)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\\') || decoded.includes('\0') || /^\/*[a-zA-Z]:/.test(decoded)) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) return null;
  return parts.length === 0 ? 'index.html' : parts.join('/');
}

/** Constant-time string comparison for the serve token (lengths are not secret). */
export function tokensEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
