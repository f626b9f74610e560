/**
 * The same app in Electron (`_electron.launch`), where the Electron binary is installed. Without it (CI,
 * and machines that run `facepheno serve` instead) the test says so and skips.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { repoRoot } from '../test/support/paths.js';
import { ensureRendererBuilt } from './support/serve.js';

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  console.warn(
    'e2e/electron.test.ts: SKIPPED: the Electron binary is not installed (node node_modules/electron/install.js ' +
      'fetches it); the browser tests against facepheno serve cover the same renderer and Service.',
  );
}

describe.skipIf(!binary)('FacePheno in Electron', () => {
  it('opens the hardened window on app://facepheno with window.api only', async () => {
    ensureRendererBuilt();
    const tmp = mkdtempSync(join(tmpdir(), 'facepheno-electron-'));
    const app = await _electron.launch({
      executablePath: binary as string,
      args: [join(repoRoot, 'out', 'main', 'index.js'), '--no-sandbox'],
      env: { ...process.env, FACEPHENO_DATA_DIR: join(tmp, 'data') },
    });
    try {
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Cases' }).waitFor();
      expect(page.url()).toBe('app://facepheno/index.html#/cases');
      const exposed = await page.evaluate(() => ({
        api: Object.keys(window.api ?? {}).sort(),
        node: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
      }));
      expect(exposed).toEqual({ api: ['call', 'on'], node: 'undefined', process: 'undefined' });
      await page.getByLabel('Case id').fill('E2E-ELECTRON');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('heading', { name: 'Case E2E-ELECTRON' }).waitFor();
      const popup = await page.evaluate(() => window.open('https://example.org/') === null);
      expect(popup).toBe(true);
    } finally {
      await app.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
