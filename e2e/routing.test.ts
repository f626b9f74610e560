/**
 * Addresses in Chromium against `facepheno serve`: a case opened from the list has an address with its
 * id, the browser's Back and Forward move between screens, and the address alone opens the case again
 * (reloaded, or in a fresh page given the token). The comparison's address holds the label and the
 * position only: after a reload its nearest cases come from the case's matches again. The store is
 * the synthetic one (test/support/synthetic-store.ts: a stand-in embedding model, no ONNX model runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../src/main/data-dir.js';
import { commandKey } from '../test/support/command-key.js';
import { syntheticCaseStore } from '../test/support/synthetic-store.js';
import { launchChromium } from './support/browser.js';
import { startServe, type Served } from './support/serve.js';

describe('routes: addresses, Back and Forward', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-routing-'));
    const modelsDir = join(tmp, 'models');
    // Made as facepheno serve makes its database: encrypted under the user's key file.
    const db = storeFileIn(join(tmp, 'data'));
    await syntheticCaseStore(join(tmp, 'data'), modelsDir, commandKey(db));
    // The served Service reads the stand-in model's manifest (the child inherits this environment).
    process.env.FACEPHENO_MODELS_DIR = modelsDir;
    served = await startServe(join(tmp, 'data'));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page = await context.newPage();
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const caseHeading = (p: Page, id: string) => p.getByRole('heading', { name: `Case ${id}` });

  it('opens a created case at its address; Back returns to it from another tab', async () => {
    await page.getByLabel('Case id').fill('ROUTE-1');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await caseHeading(page, 'ROUTE-1').waitFor();
    expect(page.url()).toBe(`${served.page}/#/cases/ROUTE-1`);

    // The list's search is in the address too, and the case opened from it.
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByLabel('Search cases').fill('ROUTE');
    await page.getByText('1 of 1').waitFor();
    await expect.poll(() => page.url()).toBe(`${served.page}/#/cases?filter=ROUTE`);
    await page.getByRole('button', { name: /^ROUTE-1/ }).click();
    await caseHeading(page, 'ROUTE-1').waitFor();
    expect(page.url()).toBe(`${served.page}/#/cases/ROUTE-1`);
    expect(await page.getByRole('link', { name: 'Cases', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(page.url()).toBe(`${served.page}/#/settings`);
    expect(await page.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');

    await page.goBack();
    await caseHeading(page, 'ROUTE-1').waitFor();
    expect(page.url()).toBe(`${served.page}/#/cases/ROUTE-1`);
    await page.goBack();
    await page.getByText('1 of 1').waitFor();
    expect(await page.getByLabel('Search cases').inputValue()).toBe('ROUTE');
    await page.goForward();
    await caseHeading(page, 'ROUTE-1').waitFor();
  });

  it('opens the case from its address after a reload, and in a fresh page given the token', async () => {
    await page.reload();
    await caseHeading(page, 'ROUTE-1').waitFor();
    expect(page.url()).toBe(`${served.page}/#/cases/ROUTE-1`);

    const token = new URL(served.url).searchParams.get('token') as string;
    const fresh = await context.newPage();
    try {
      await fresh.goto(`${served.page}/?token=${token}#/cases/ROUTE-1`);
      await caseHeading(fresh, 'ROUTE-1').waitFor();
      // The token leaves the address bar; the route stays.
      expect(fresh.url()).toBe(`${served.page}/#/cases/ROUTE-1`);
    } finally {
      await fresh.close();
    }
  });

  it('reopens a comparison from its address alone after a reload', async () => {
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.locator('button.tr', { hasText: 'P1' }).first().click();
    await page.getByRole('button', { name: 'Matches' }).click();
    const ranking = page.getByTestId('ranking');
    await ranking.waitFor({ timeout: 60_000 });
    await ranking.locator('tbody tr').first().locator('button.link').first().click();
    await page.getByTestId('similarity').waitFor({ timeout: 60_000 });
    expect(page.url()).toMatch(/\/#\/cases\/P1\/compare\?.*index=0/);
    const galleryCase = page.getByTestId('compare').locator('figcaption').nth(1);
    const first = await galleryCase.textContent();

    await page.getByRole('button', { name: 'Next ▶' }).click();
    await page.getByText(/^case 2 of \d+$/).waitFor();
    await expect.poll(() => page.url()).toMatch(/index=1/);
    await expect.poll(() => galleryCase.textContent()).not.toBe(first);
    const second = await galleryCase.textContent();
    const address = page.url();

    await page.reload();
    await page.getByTestId('similarity').waitFor({ timeout: 60_000 });
    expect(page.url()).toBe(address);
    expect(await page.getByText(/^case 2 of \d+$/).count()).toBe(1);
    expect(await galleryCase.textContent()).toBe(second);

    await page.goBack();
    await page.getByText(/^case 1 of \d+$/).waitFor();
    expect(page.url()).toMatch(/index=0/);
  });

  it('logged no error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
