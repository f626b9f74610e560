import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import { startServe, type Served } from './serve.js';

export interface ServedApp {
  served: Served;
  page: Page;
  /** The test's temporary folder, and the data directory serve runs on inside it. */
  tmp: string;
  dataDir: string;
  close: () => Promise<void>;
}

/**
 * `facepheno serve` on a fresh temporary data directory, and Chromium on its Cases screen. Every request that
 * would leave the served origin is reported to `outside` and aborted: the safety net and the witness.
 */
export async function openServedApp(
  prefix: string,
  outside: (url: string) => void = () => {},
): Promise<ServedApp> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(tmp, 'data');
  const served = await startServe(dataDir);
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    await served.stop();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const context = await browser.newContext();
    await context.route(
      (url) => !url.href.startsWith(`${served.origin}/`),
      async (route) => {
        outside(route.request().url());
        await route.abort();
      },
    );
    const page = await context.newPage();
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
    return { served, page, tmp, dataDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
