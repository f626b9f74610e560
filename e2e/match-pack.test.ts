/**
 * The match view in Chromium (facepheno serve) for a store with another centre's gallery pack: the case's
 * nearest cases from the pack show their centre and no photo, the store's own open the comparison
 * (synthetic-store.ts: a stand-in embedding model, no ONNX model runs for the match).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../src/main/data-dir.js';
import { addPack, exportPack } from '../src/main/store/gallery-pack.js';
import { readPackKey, readRecipientKey, writePackKeys } from '../src/main/store/pack-seal.js';
import { Store } from '../src/main/store/store.js';
import { fillSyntheticStore, model, syntheticCaseStore } from '../test/support/synthetic-store.js';
import { launchChromium } from './support/browser.js';
import { commandKey } from '../test/support/command-key.js';
import { startServe, type Served } from './support/serve.js';

describe('the match view with a gallery pack', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-pack-'));
    const dataDir = join(tmp, 'data');
    const modelsDir = join(tmp, 'models');
    // Made as facepheno serve makes its database: encrypted under the user's key file.
    await syntheticCaseStore(dataDir, modelsDir, commandKey(storeFileIn(dataDir)));
    const other = join(tmp, 'centre-b.db');
    await fillSyntheticStore(other);
    const pack = join(tmp, 'centre-b.pack');
    // Centre A's key pair: Centre B encrypts its pack to A's public key, A opens it with its private key.
    const keys = writePackKeys(tmp);
    const b = Store.open(other);
    try {
      exportPack(b, pack, {
        centre: 'Centre B',
        model,
        recipient: readRecipientKey(keys.publicKey, 'Centre A'),
      });
    } finally {
      b.close();
    }
    const a = Store.open(storeFileIn(dataDir), commandKey(storeFileIn(dataDir)));
    try {
      addPack(a, pack, [model], readPackKey(keys.privateKey));
    } finally {
      a.close();
    }
    // The served Service reads the stand-in model's manifest (the child inherits this environment).
    process.env.FACEPHENO_MODELS_DIR = modelsDir;
    served = await startServe(dataDir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("shows pack cases with their centre and no photo; the store's own cases stay links to the comparison", async () => {
    await page.locator('button.tr', { hasText: 'P1' }).first().click();
    await page.getByRole('button', { name: 'Matches' }).click();
    const ranking = page.getByTestId('ranking');
    await ranking.waitFor({ timeout: 120_000 });
    const packCases = ranking.getByTestId('pack-case');
    await packCases.first().waitFor();
    for (const text of await packCases.allTextContents())
      expect(text).toMatch(/^Centre B\/[0-9a-f]{16} \(\d\.\d{2}, from Centre B, no photo\)$/);
    expect(
      await ranking.locator('[data-testid="pack-case"] img, [data-testid="pack-case"] button').count(),
    ).toBe(0);
    const own = ranking.locator('button.link');
    expect(await own.count()).toBeGreaterThan(0);
    for (const text of await own.allTextContents()) expect(text).not.toMatch(/Centre B/);
  });
});
