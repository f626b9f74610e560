/**
 * The case list at department scale: 10,000 cases in a real store, listed, searched and sorted in the
 * browser with only the rows in view in the page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFileIn } from '../src/main/data-dir.js';
import { Store } from '../src/main/store/store.js';
import { launchChromium } from './support/browser.js';
import { commandKey } from '../test/support/command-key.js';
import { startServe, type Served } from './support/serve.js';

const CASES = 10_000;

describe('a case list of 10,000', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-cases-'));
    // Made as facepheno serve makes its database: encrypted under the user's key file.
    const db = storeFileIn(join(tmp, 'data'));
    const store = Store.open(db, commandKey(db));
    store.transaction(() => {
      for (let i = 0; i < CASES; i++) {
        store.patients.create({
          pseudonym: `C${String(i).padStart(5, '0')}`,
          sex: i % 2 ? 'female' : 'male',
          birthYear: 2000 + (i % 20),
        });
      }
    });
    store.close();
    served = await startServe(join(tmp, 'data'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('lists them all, newest first, with a handful of rows in the page, and scrolls to the oldest', async () => {
    const started = Date.now();
    await page.getByText(`${CASES} of ${CASES}`).waitFor({ timeout: 60_000 });
    console.log(`cases screen: ${CASES} cases listed in ${Date.now() - started} ms`);
    expect(await page.locator('.tr').count()).toBeLessThan(40);
    expect(await page.locator('.tr').first().textContent()).toMatch(/^C09999/);
    await page.locator('.tbody').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByRole('button', { name: /^C00000/ }).waitFor();
  });

  it('sorts by a column and searches', async () => {
    await page.getByRole('button', { name: 'Case', exact: true }).click();
    await page.getByRole('button', { name: 'Case ▲' }).click();
    await page.locator('.tbody').evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => page.locator('.tr').first().textContent()).toMatch(/^C09999/);
    await page.getByLabel('Search cases').fill('C0123');
    await page.getByText(`10 of 10`).waitFor();
    expect(await page.locator('.tr').count()).toBe(10);
  });
});
