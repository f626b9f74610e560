/**
 * The app in Chromium against the real `facepheno serve` on a temporary data directory: import a small
 * gallery, create a case, drop a photo made by the test, see the face and its quality, see matches, open
 * the comparison. Every request the page makes is recorded: none may leave 127.0.0.1.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../test/support/paths.js';
import { launchChromium } from './support/browser.js';
import { composePatientPhoto, makeGallery } from './support/photos.js';
import { startServe, type Served } from './support/serve.js';

const shots = join(repoRoot, 'test-results', 'e2e');

describe('FacePheno in a browser (facepheno serve)', () => {
  let tmp: string;
  let served: Served;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-'));
    mkdirSync(shots, { recursive: true });
    served = await startServe(join(tmp, 'data'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('drops the token from the address bar and shows the case list', async () => {
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
    expect(page.url()).toBe(`${served.page}/#/cases`);
  });

  it('imports a small gallery through the folder picker', async () => {
    const gallery = join(tmp, 'gallery');
    const photos = makeGallery(gallery, 6);
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    await page.getByLabel('Control labels').fill('healthy_control');
    await page.getByLabel('Gallery folder').setInputFiles(gallery);
    const result = page.getByTestId('import-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.textContent()).toContain(
      `Imported ${photos} photos of ${photos} patients in 2 labels`,
    );
    await expect.poll(() => page.getByTestId('gallery-labels').locator('tbody tr').count()).toBe(2);
  });

  it('creates a case, takes a dropped photo, and shows the face with landmarks and quality', async () => {
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByLabel('Case id').fill('E2E-001');
    await page.getByLabel('Sex').selectOption('female');
    await page.getByLabel('Birth year').fill('2016');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Case E2E-001' }).waitFor();

    const jpeg = await composePatientPhoto(join(tmp, 'patient.jpg'));
    const transfer = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'patient.jpg', { type: 'image/jpeg' }));
      return dt;
    }, jpeg.toString('base64'));
    await page.getByTestId('photo-dropzone').dispatchEvent('drop', { dataTransfer: transfer });

    const quality = page.getByTestId('quality');
    await quality.waitFor({ timeout: 120_000 });
    expect(await quality.textContent()).toMatch(/eyes \d+ px apart, yaw -?\d+°/);
    // The face box, the mesh (468 points) and the five alignment points are drawn over the photo.
    const overlay = page.getByRole('img', { name: 'patient.jpg with landmarks' });
    await overlay.locator('circle.point5').first().waitFor();
    expect(await overlay.locator('circle.mesh').count()).toBeGreaterThanOrEqual(468);
    expect(await overlay.locator('circle.point5').count()).toBe(5);
    await page.getByRole('img', { name: 'patient.jpg, aligned face' }).waitFor();
    await page.screenshot({ path: join(shots, 'case.png'), fullPage: true });
  });

  it('records phenotype terms from the loaded HPO, and a suspected diagnosis', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByLabel('HPO release file')
      .setInputFiles(join(repoRoot, 'test', 'fixtures', 'hpo', 'hp.json'));
    await page.getByText(/^HPO \S+, \d+ terms/).waitFor();
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByRole('button', { name: /^E2E-001/ }).click();
    await page.getByLabel('Search HPO terms').fill('hypertel');
    const hit = page.locator('.results li', { hasText: 'Hypertelorism' });
    await hit.getByRole('button', { name: 'present' }).click();
    await page.locator('.terms li', { hasText: 'Hypertelorism HP:0000316' }).waitFor();
    await page.getByLabel('Search syndromes').fill('down');
    await page
      .locator('.results li', { hasText: 'down_syndrome' })
      .getByRole('button', { name: 'suspected' })
      .click();
    await page.locator('.terms li', { hasText: 'down_syndrome suspected' }).waitFor();
  });

  it('ranks syndromes from the gallery, with probabilities and nearest cases', async () => {
    await page.getByRole('button', { name: 'Matches' }).click();
    const ranking = page.getByTestId('ranking');
    await ranking.waitFor({ timeout: 120_000 });
    const rows = ranking.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const labels = await rows.locator('td:first-child').allTextContents();
    expect(labels.sort()).toEqual(['down_syndrome', 'unaffected (controls)']);
    const probabilities = (await rows.locator('.bar-cell span').allTextContents()).map((t) => parseFloat(t));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    expect(await page.getByTestId('provenance').textContent()).toMatch(
      /model \S+ \([0-9a-f]{8}\), gallery version/,
    );
    // The occlusion heatmap of the best syndrome, overlaid on the aligned face.
    await page
      .getByRole('img', { name: 'occlusion heatmap of E2E-001 for down_syndrome' })
      .waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('occlusion-heatmap').textContent()).toMatch(
      /score for down_syndrome \(-?\d\.\d{3}, model \S+\)/,
    );
    await page.screenshot({ path: join(shots, 'matches.png'), fullPage: true });
  });

  it('compares the patient beside the nearest gallery case, and flips to the next', async () => {
    await page.getByTestId('ranking').locator('tbody tr').first().locator('button.link').first().click();
    const similarity = page.getByTestId('similarity');
    await similarity.waitFor({ timeout: 120_000 });
    expect(await similarity.textContent()).toMatch(/Similarity -?\d\.\d{3} \(cosine, model/);
    const galleryCase = page.getByTestId('compare').locator('figcaption').nth(1);
    const first = await galleryCase.textContent();
    expect(first).toMatch(/^Gallery \S+ \((down_syndrome|unaffected)\)$/);
    const sides = page.getByTestId('compare').getByRole('img');
    expect(await sides.count()).toBe(2);
    for (const side of await sides.all())
      expect(await side.locator('circle.mesh').count()).toBeGreaterThanOrEqual(468);
    await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
    await page.getByRole('button', { name: 'Next ▶' }).click();
    await expect.poll(() => page.getByText(/^case 2 of/).count()).toBe(1);
    await expect.poll(() => galleryCase.textContent()).not.toBe(first);
  });

  it('maps the gallery in the face space, with clusters, hover and average faces', async () => {
    await page.getByRole('link', { name: 'Face space' }).click();
    const map = page.getByTestId('space-map');
    await map.waitFor({ timeout: 180_000 });
    expect(await map.locator('circle').count()).toBe(12);
    expect(await page.getByTestId('analysis-provenance').textContent()).toMatch(
      /^Model \S+, gallery version \S+, seed 1, FacePheno/,
    );
    await map.locator('circle').first().hover();
    expect(await page.getByTestId('space-hover').textContent()).toMatch(/(down_syndrome|healthy_control)/);
    expect(await page.getByTestId('space-legend').textContent()).toMatch(/down_syndrome \(6\)/);
    await page
      .getByText(/^\d+ clusters.*adjusted Rand index -?\d\.\d{3}/)
      .first()
      .waitFor();
    await page.getByRole('img', { name: 'average face of down_syndrome' }).waitFor();
    await page.screenshot({ path: join(shots, 'analysis.png'), fullPage: true });
  });

  it("imports the gene-syndrome catalogue and the case's VCF, and ranks its variants", async () => {
    const fixtures = join(repoRoot, 'test', 'fixtures', 'genomics');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Gene-syndrome catalogue file').setInputFiles(join(fixtures, 'genemap2.txt'));
    expect(await page.getByTestId('catalogue').textContent()).toMatch(
      /^genemap2\.txt \(genemap2\): \d+ gene-syndrome links for \d+ genes/,
    );
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByRole('button', { name: /^E2E-001/ }).click();
    await page.getByText('No VCF imported for this case yet.').waitFor();
    await page.getByLabel('VCF file').setInputFiles(join(fixtures, 'case7.snpeff.vcf'));
    const imported = page.getByTestId('vcf-import-result');
    await imported.waitFor({ timeout: 60_000 });
    expect(await imported.textContent()).toMatch(
      /^Imported case7\.snpeff\.vcf: \d+ records, \d+ alleles carried by CASE_7/,
    );
    const rows = page.getByTestId('variants-table').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.first().textContent()).toContain('KMT2D');
    expect(await rows.first().textContent()).toContain('Kabuki syndrome 1');
    expect(await page.getByTestId('variants-face-source').textContent()).toMatch(
      /^Face match from model \S+ \([0-9a-f]{8}\), gallery version \S+/,
    );
    // Kabuki syndrome is not in this gallery: the face component says so rather than scoring it.
    expect(await rows.first().textContent()).toMatch(/no syndrome of KMT2D is in the gallery/);
    await page.getByTestId('variants').screenshot({ path: join(shots, 'variants.png') });
  });

  it('evaluates the gallery by patient, with progress and the report', async () => {
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    await page.getByLabel('Folds').fill('3');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    const report = page.getByTestId('evaluation-report');
    await report.waitFor({ timeout: 120_000 });
    expect(await report.textContent()).toMatch(/3-fold by patient: 12 patients, 12 images/);
    expect(
      await report.getByRole('img', { name: 'Calibration plot' }).locator('circle.bin').count(),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'evaluation.png'), fullPage: true });
  });

  it('learns a face space and keeps it only if it beats the plain embedding', async () => {
    await page.getByRole('button', { name: 'Train' }).click();
    const verdict = page.getByText(/^(Matching now uses the learnt space|The plain embedding stays)/);
    await verdict.waitFor({ timeout: 300_000 });
    expect(await verdict.textContent()).toMatch(/top-1 per label \d\.\d{3} learnt vs \d\.\d{3} plain, Brier/);
  });

  it('cancels an import, leaving the gallery as it was', async () => {
    const more = join(tmp, 'more');
    makeGallery(more, 40, 6);
    await page.getByLabel('Gallery folder').setInputFiles(more);
    const cancel = page.getByRole('button', { name: 'Cancel' });
    await cancel.click({ timeout: 60_000 });
    await page.getByText('Import cancelled; nothing was changed.').waitFor({ timeout: 120_000 });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    await expect.poll(() => page.getByTestId('gallery-labels').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('gallery-labels').textContent()).toMatch(/down_syndrome66unaffected/);
  });

  it('made no request outside 127.0.0.1 and logged no error', () => {
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(`${served.origin}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
