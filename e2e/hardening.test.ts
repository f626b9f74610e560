/**
 * The hardening corpus through the import screens, in Chromium against the real `facepheno serve`: each
 * broken photo, VCF, gallery folder and HPO file is given to the screen that takes it (the browser reads
 * it; the Service never sees a path), the screen shows one message naming the file as the user chose it
 * (and the line), and the database's logical dump is unchanged. Phenopackets have no screen: they come in
 * through `facepheno case import` only (test/hardening/corpus.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFileIn } from '../src/main/data-dir.js';
import { Store } from '../src/main/store/store.js';
import { makeCorpus, type Corpus, type CorpusItem } from '../tools/corpus/make-corpus.js';
import { facedata, repoRoot } from '../test/support/paths.js';
import { logicalDump, photoFileNames } from '../test/hardening/support.js';
import { launchChromium } from './support/browser.js';
import { commandKey } from '../test/support/command-key.js';
import { startServe, type Served } from './support/serve.js';

const patient = 'CORPUS-1';
let tmp: string;
let db: string;
let corpus: Corpus;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'facepheno-e2e-corpus-'));
  const dataDir = join(tmp, 'data');
  db = storeFileIn(dataDir);
  corpus = await makeCorpus(join(tmp, 'corpus'), {
    faces: [facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg')],
    longLineMb: 20,
  });
  // A store with something in it (an HPO release, a case), so that an unchanged dump means something.
  // Made as facepheno serve makes its database: encrypted under the user's key file.
  const store = Store.open(db, { ...commandKey(db), osUser: 'corpus-e2e' });
  try {
    store.hpo.load(join(repoRoot, 'test', 'fixtures', 'hpo', 'hp.obo'));
    store.transaction(() => store.patients.create({ pseudonym: patient, sex: 'female' }));
  } finally {
    store.close();
  }
  served = await startServe(dataDir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(served.url);
  await page.getByRole('heading', { name: 'Cases' }).waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const of = (entry: CorpusItem['entry']) => corpus.items.filter((i) => i.entry === entry && i.refuse);
const path = (i: CorpusItem) => join(corpus.dir, i.file);
const snapshot = () => ({ dump: logicalDump(db), files: photoFileNames(db) });

/**
 * The store once whatever the screen wrote on opening (the audited case.open of its cases.get) has
 * landed: the same snapshot twice, 250 ms apart. The bad file must change nothing after that.
 */
async function settled(): Promise<ReturnType<typeof snapshot>> {
  let last = snapshot();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = snapshot();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
}

/**
 * Gives the file to the screen with `choose`, waits for the alert that names it as the user knows it
 * (`shown`: the file's name, or its path inside the chosen folder) and checks the message and the store.
 */
async function expectScreenRefusal(i: CorpusItem, shown: string, choose: () => Promise<void>) {
  const r = i.refuse;
  if (!r) throw new Error(`${i.file} is not meant to be refused`);
  const before = await settled();
  await choose();
  const named = r.line === undefined ? `${shown}: ` : `${shown}:${r.line}: `;
  const alert = page.getByRole('alert').filter({ hasText: named });
  await alert.waitFor({ timeout: 120_000 });
  const text = (await alert.textContent()) ?? '';
  expect(text, i.what).toMatch(new RegExp(r.message));
  expect(text, i.what).not.toMatch(/internal error|\n/);
  // The Service's private upload folder is none of the user's business.
  expect(text, i.what).not.toContain(tmp);
  expect(snapshot(), `${i.file} changed the store`).toEqual(before);
}

async function openCase(): Promise<void> {
  await page.getByRole('link', { name: 'Cases', exact: true }).click();
  await page.getByRole('button', { name: new RegExp(`^${patient}`) }).click();
  await page.getByRole('heading', { name: `Case ${patient}` }).waitFor();
}

describe('the hardening corpus through the import screens', () => {
  it('the case screen refuses each broken photo, naming it', async () => {
    await openCase();
    for (const i of of('photo'))
      await expectScreenRefusal(i, basename(i.file), () =>
        page.getByLabel('Photo files').setInputFiles(path(i)),
      );
  }, 300_000);

  it('the variants panel refuses each broken VCF, naming it and the line', async () => {
    await openCase();
    for (const i of of('vcf'))
      await expectScreenRefusal(i, basename(i.file), () =>
        page.getByLabel('VCF file').setInputFiles(path(i)),
      );
  }, 300_000);

  it('the gallery screen refuses each broken gallery folder, naming the file inside it and the line', async () => {
    await page.getByRole('link', { name: 'Gallery & model' }).click();
    for (const i of of('gallery')) {
      const folder = path(i);
      // The screen sends paths inside the chosen folder: the message names the file by that path.
      const names = join(corpus.dir, i.refuse?.names ?? i.file);
      const shown = names === folder ? 'the chosen folder' : relative(folder, names);
      await expectScreenRefusal(i, shown, () => page.getByLabel('Gallery folder').setInputFiles(folder));
    }
  }, 300_000);

  it('the settings screen refuses each broken HPO file, naming it and the line, and keeps the release', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const release = await page.getByText(/^HPO \S+, \d+ terms/).textContent();
    for (const i of of('hpo'))
      await expectScreenRefusal(i, basename(i.file), () =>
        page.getByLabel('HPO release file').setInputFiles(path(i)),
      );
    expect(await page.getByText(/^HPO \S+, \d+ terms/).textContent()).toBe(release);
  }, 120_000);
});
