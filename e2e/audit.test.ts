/**
 * Settings in Chromium against `facepheno serve` shows the audit log's chain: verified, with its head,
 * and, after someone with write access to the database deleted an entry, broken at the entry after it.
 * The store is the synthetic one (no ONNX model runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../src/main/data-dir.js';
import { commandKey, rawDatabase } from '../test/support/command-key.js';
import { syntheticCaseStore } from '../test/support/synthetic-store.js';
import { launchChromium } from './support/browser.js';
import { startServe, type Served } from './support/serve.js';

describe('Settings: the audit chain', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-audit-'));
    const modelsDir = join(tmp, 'models');
    await syntheticCaseStore(join(tmp, 'data'), modelsDir, commandKey(storeFileIn(join(tmp, 'data'))));
    process.env.FACEPHENO_MODELS_DIR = modelsDir;
    served = await startServe(join(tmp, 'data'));
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the chain verified with its head, then broken at the entry after a deleted one', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const state = page.getByTestId('audit-state');
    await state.getByText(/^Verified: \d+ entries, chain intact/).waitFor();
    expect(await state.textContent()).toMatch(/Head: entry \d+, sha256 [0-9a-f]{64}\./);

    const raw = rawDatabase(storeFileIn(join(tmp, 'data')));
    raw.exec('DROP TRIGGER audit_log_no_delete');
    raw.exec('DELETE FROM audit_log WHERE id = 2');
    raw.close();
    await page.reload();
    await state.getByText('Broken at entry 3: entry 3 does not follow entry 1 (id 2 is missing)').waitFor();
  });
});
