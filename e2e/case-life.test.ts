/**
 * A case's life in Chromium against `facepheno serve`: the Cases screen lists the clinic's own cases newest
 * first (no gallery case among them), refuses a malformed birth year with a reason, says why Matches is
 * disabled; a photo and a case are deleted after a confirmation; a case is solved and added to the gallery,
 * where it (and every gallery case) opens read-only. The store is the synthetic one (no ONNX model runs).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../src/main/data-dir.js';
import { Store } from '../src/main/store/store.js';
import { commandKey } from '../test/support/command-key.js';
import { repoRoot } from '../test/support/paths.js';
import { model, standInPhoto, syntheticCaseStore } from '../test/support/synthetic-store.js';
import { launchChromium } from './support/browser.js';
import { startServe, type Served } from './support/serve.js';

const shots = join(repoRoot, 'test-results', 'e2e');

describe("a case's life", () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-life-'));
    const modelsDir = join(tmp, 'models');
    const db = storeFileIn(join(tmp, 'data'));
    await syntheticCaseStore(join(tmp, 'data'), modelsDir, commandKey(db));
    const store = Store.open(db, commandKey(db));
    try {
      store.patients.create({ pseudonym: 'LIFE-2', sex: 'female', birthYear: 2018 });
      store.addPhotos('LIFE-2', [await standInPhoto(1), await standInPhoto(2)], {
        provider: 'cpu',
        embeddingModels: [model],
      });
    } finally {
      store.close();
    }
    process.env.FACEPHENO_MODELS_DIR = modelsDir;
    served = await startServe(join(tmp, 'data'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("lists the clinic's own cases newest first, and refuses a birth year that is not one", async () => {
    await page.getByText('3 of 3').waitFor();
    const ids = await page.locator('.tr .td:first-child').allTextContents();
    expect(ids).toEqual(['LIFE-2', 'P2', 'P1']);
    await page.getByLabel('Case id').fill('NEW-1');
    await page.getByLabel('Birth year').fill('20x6');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('alert').getByText("Birth year '20x6' is not a year").waitFor();
    await page.screenshot({ path: join(shots, 'cases-clinic.png'), fullPage: true });
    expect(await page.getByText('3 of 3').count()).toBe(1);
  });

  it('says why Matches is disabled, and deletes a case after a confirmation', async () => {
    await page.getByRole('button', { name: /^P2/ }).click();
    await page.getByRole('heading', { name: 'Case P2' }).waitFor();
    expect(await page.getByRole('button', { name: 'Matches' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('matches-why').textContent()).toMatch(/^Matches needs a photo/);
    await page.getByRole('button', { name: 'Delete case…' }).click();
    await page.getByText(/^Delete case P2 with its 0 photos/).waitFor();
    await page.getByRole('button', { name: 'Delete the case' }).click();
    await page.getByText('2 of 2').waitFor();
    expect(await page.locator('.tr .td:first-child').allTextContents()).toEqual(['LIFE-2', 'P1']);
  });

  it('deletes a photo after a confirmation, then solves the case and adds it to the gallery', async () => {
    await page.getByRole('button', { name: /^LIFE-2/ }).click();
    await page.getByRole('heading', { name: 'Case LIFE-2' }).waitFor();
    const photos = page.getByTestId('photo');
    await expect.poll(() => photos.count()).toBe(2);
    await photos.first().getByRole('button', { name: 'Delete photo…' }).click();
    await photos.first().getByText('Delete face-1.jpg from this case?').waitFor();
    await page.screenshot({ path: join(shots, 'case-delete-photo.png'), fullPage: true });
    await photos.first().getByRole('button', { name: 'Delete the photo' }).click();
    await expect.poll(() => photos.count()).toBe(1);
    expect(await photos.first().textContent()).toContain('face-2.jpg');

    await page.getByLabel('Search syndromes').fill('kabuki');
    await page
      .locator('.results li', { hasText: 'Kabuki syndrome' })
      .getByRole('button', { name: 'confirmed' })
      .click();
    await page.getByRole('button', { name: 'Mark solved: Kabuki syndrome' }).click();
    await page
      .getByTestId('solved')
      .getByText(/^Solved on \d{4}-\d\d-\d\d/)
      .waitFor();
    await page.getByRole('button', { name: 'Add to gallery…' }).click();
    await page.getByText(/the gallery version changes/).waitFor();
    await page.screenshot({ path: join(shots, 'case-solved.png'), fullPage: true });
    await page.getByRole('button', { name: 'Add to the gallery' }).click();
    await page.getByRole('heading', { name: 'Gallery case LIFE-2' }).waitFor();
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByRole('button', { name: /Delete|Add photos/ }).count()).toBe(0);
  });

  it('lists the gallery cases in the Gallery screen, each opening read-only', async () => {
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByText('1 of 1').waitFor();
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    const members = page.getByTestId('gallery-members');
    await members.getByText('13 of 13').waitFor();
    await members.getByRole('link', { name: /^LIFE-2/ }).waitFor();
    await page.screenshot({ path: join(shots, 'gallery-members.png'), fullPage: true });
    await members.getByRole('link', { name: /^Kabuki-0/ }).click();
    await page.getByRole('heading', { name: 'Gallery case Kabuki-0' }).waitFor();
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByLabel('Search syndromes').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'gallery-case.png'), fullPage: true });
  });
});
