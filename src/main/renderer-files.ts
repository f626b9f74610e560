import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { safeRelativePath } from '../shared/security.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export type RendererFile =
  { status: 200; body: Buffer; type: string } | { status: 400 | 404; reason: string };

/**
 * A file of the built renderer by its URL path, for both hosts (Electron's app:// and `facepheno serve`):
 * a path that would leave `rootDir` is refused before the disk is touched.
 */
export async function readRendererFile(rootDir: string, urlPath: string): Promise<RendererFile> {
  const rel = safeRelativePath(urlPath);
  if (rel === null) return { status: 400, reason: 'bad path' };
  try {
    const body = await readFile(join(rootDir, rel));
    return { status: 200, body, type: TYPES[extname(rel)] ?? 'application/octet-stream' };
  } catch {
    return { status: 404, reason: 'not found' };
  }
}
