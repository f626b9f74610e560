/**
 * Issue 15, finding 8, in the browser: the served page sends the files the user picks (a gallery folder, a
 * case's photos, a VCF) as streamed uploads, each file its own request body, and the calls that use them
 * carry only upload tokens; no call's body holds a file's bytes. Nothing is left in the upload folder.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { facedata, repoRoot } from '../test/support/paths.js';
import { makeGallery } from './support/photos.js';
import { openServedApp, type ServedApp } from './support/served-app.js';

interface Sent {
  path: string;
  bytes: number;
}

describe('uploads from the served page', () => {
  let app: ServedApp | undefined;
  let page: Page;
  let dataDir: string;
  const sent: Sent[] = [];

  beforeAll(async () => {
    app = await openServedApp('facepheno-e2e-uploads-');
    page = app.page;
    dataDir = app.dataDir;
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/'))
        sent.push({ path: `${url.pathname}${url.search}`, bytes: r.postDataBuffer()?.length ?? 0 });
    });
  });

  afterAll(() => app?.close());

  const calls = (name: string) => sent.filter((s) => s.path.startsWith(`/api/call/${name}`));
  const uploads = () => sent.filter((s) => s.path.startsWith('/api/upload?'));
  const leftOver = () => readdirSync(dataDir).filter((n) => n.startsWith('upload-'));

  it('uploads a gallery folder file by file, then imports it by its token', async () => {
    const gallery = join((app as ServedApp).tmp, 'gallery');
    const photos = makeGallery(gallery, 2);
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    await page.getByLabel('Gallery folder').setInputFiles(gallery);
    await page.getByTestId('import-result').waitFor({ timeout: 120_000 });
    expect(uploads()).toHaveLength(photos);
    for (const u of uploads()) expect(u.bytes, u.path).toBeGreaterThan(1000);
    expect(
      uploads()
        .map((u) => new URLSearchParams(u.path.split('?')[1]).get('path'))
        .sort(),
    ).toEqual(
      readdirSync(gallery, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => `${e.parentPath.slice(gallery.length + 1)}/${e.name}`)
        .sort(),
    );
    const [imported] = calls('gallery.import');
    expect(imported?.bytes).toBeLessThan(300);
    await expect.poll(leftOver).toEqual([]);
  });

  it("uploads a case's photo and VCF, and the calls name them by token", async () => {
    await page.getByRole('link', { name: 'Cases', exact: true }).click();
    await page.getByLabel('Case id').fill('UP-001');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Case UP-001' }).waitFor();
    const before = uploads().length;
    await page
      .getByLabel('Photo files')
      .setInputFiles(facedata('down_syndrome_kaggle', 'down_syndrome', 'down_10.jpg'));
    await expect.poll(() => calls('photos.add').length, { timeout: 60_000 }).toBe(1);
    await page.getByText('No VCF imported for this case yet.').waitFor();
    await page
      .getByLabel('VCF file')
      .setInputFiles(join(repoRoot, 'test', 'fixtures', 'genomics', 'case7.snpeff.vcf'));
    await page.getByTestId('vcf-import-result').waitFor({ timeout: 60_000 });
    expect(calls('variants.import')).toHaveLength(1);
    expect(uploads().length).toBe(before + 2);
    for (const c of [...calls('photos.add'), ...calls('variants.import')])
      expect(c.bytes, c.path).toBeLessThan(300);
    await expect.poll(leftOver, { timeout: 60_000 }).toEqual([]);
  });
});
