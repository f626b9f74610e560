import { spawn } from 'node:child_process';
import { commandKey, keyedSettings } from '../support/command-key.js';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { makeVcf } from '../../tools/genomics/make-vcf.js';
import { ensureRendererBuilt } from '../../e2e/support/serve.js';
import { cliPath, facedata, repoRoot } from '../support/paths.js';
import { sharedPipeline, tempDir, testModelsDir } from '../store/support.js';
import { trainingDataDir } from './training-gallery.js';

const work = tempDir('facepheno-kill-');
const pipeline = sharedPipeline();
const galleryDir = join(work.dir, 'gallery');
const analyses = join(work.dir, 'analyses.json');
const vcf = join(work.dir, 'exome.vcf.gz');
const child = join(repoRoot, 'test', 'hardening', 'kill-child.mjs');
const trainChild = join(repoRoot, 'test', 'hardening', 'train-child.mjs');
const dist = join(repoRoot, 'dist');
let models: string[] = [];

/** Seeded, so that a failing run can be repeated with the same kill times. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

beforeAll(async () => {
  // Real faces, copied to the temporary folder (never into the repository), three labels and controls.
  const picks: Record<string, string[]> = {
    down_syndrome: ['down_10.jpg', 'down_100.jpg', 'down_1000.jpg'].map((f) =>
      facedata('down_syndrome_kaggle', 'down_syndrome', f),
    ),
    controls: readdirSync(facedata('children_controls'))
      .sort()
      .slice(0, 5)
      .map((f) => facedata('children_controls', f)),
  };
  const p = await pipeline.get();
  const photos = [];
  for (const [label, files] of Object.entries(picks)) {
    mkdirSync(join(galleryDir, label), { recursive: true });
    for (const [i, f] of files.entries()) {
      const file = join(galleryDir, label, `${i}.jpg`);
      copyFileSync(f, file);
      photos.push(await p.analyze({ file }));
    }
  }
  models = p.embeddingModels.map((m) => m.id);
  writeFileSync(
    analyses,
    JSON.stringify(
      { embeddingModels: p.embeddingModels, provider: p.provider, photos },
      function (this: Record<string, unknown>, key, value: unknown) {
        const raw = this[key];
        if (raw instanceof Float32Array)
          return { $f32: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
        if (Buffer.isBuffer(raw)) return { $buf: raw.toString('base64') };
        return value;
      },
    ),
  );
  await makeVcf(vcf, 8000, { gzip: true, seed: 7 });
  training = await trainingDataDir(join(work.dir, 'training'));
}, 180_000);
let training: { dataDir: string; modelsDir: string };

afterAll(async () => {
  await pipeline.close();
  work.remove();
});

interface Run {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the start, or from the `from` line on stdout where there is one. */
  ms: number;
}

/**
 * Runs a command in a child process; with `killAfterMs`, SIGKILLs it that long after it starts, or after
 * it prints the line `from` (if it is still running then).
 */
function run(args: string[], killAfterMs?: number, from?: string): Promise<Run> {
  let start = performance.now();
  const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let timer: NodeJS.Timeout | undefined;
  let armed = false;
  const arm = () => {
    armed = true;
    start = performance.now();
    if (killAfterMs !== undefined) timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
  };
  if (from === undefined) arm();
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!armed && stdout.includes(`${from}\n`)) arm();
  });
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - start });
    }),
  );
}

const galleryImport = (db: string) => [child, dist, db, galleryDir, analyses];
const vcfImport = (db: string, patient: string) => [
  cliPath,
  'vcf',
  'import',
  '--db',
  db,
  '--patient',
  patient,
  vcf,
];

const train = (dataDir: string) => [trainChild, dist, dataDir, training.modelsDir];

/** What a restart must find: SQLite's checks pass, every photo row's file holds its bytes, no stray file. */
function checkAfterRestart(db: string): { swept: number } {
  // A serve-made database is encrypted under the user's key file; a Service-made one (no key) is not.
  const store = Store.open(db, keyedSettings(db));
  try {
    expect(store.checkConsistency()).toEqual({
      integrity: 'ok',
      foreignKeyViolations: 0,
      missingFiles: [],
      unreferencedFiles: [],
    });
    for (const sha of store.photos.referenced())
      expect(sha256Hex(store.files.unsealed(sha)), `photo file ${sha}`).toBe(sha);
    return { swept: store.swept };
  } finally {
    store.close();
  }
}

/** The gallery as matching sees it: patients, photos, diagnoses and every model's vectors; no ids or times. */
function galleryResult(db: string): string {
  const store = Store.open(db, keyedSettings(db));
  try {
    const rows = (sql: string) => store.db.prepare(sql).raw().all();
    return sha256Hex(
      Buffer.from(
        JSON.stringify({
          photos:
            rows(`SELECT p.pseudonym, p.sex, p.is_control, ph.sha256, ph.original_name, ph.width, ph.height
            FROM photos ph JOIN patients p ON p.id = ph.patient_id ORDER BY p.pseudonym, ph.sha256`),
          diagnoses:
            rows(`SELECT p.pseudonym, s.name, d.status FROM diagnoses d JOIN patients p ON p.id = d.patient_id
            JOIN syndromes s ON s.id = d.syndrome_id ORDER BY p.pseudonym, s.name`),
          embeddings: models.map((m) =>
            store
              .galleryEmbeddings(m)
              .map((e) => [e.patient, e.label, e.isControl, Buffer.from(e.vector.buffer).toString('hex')])
              .sort(),
          ),
        }),
      ),
    );
  } finally {
    store.close();
  }
}

/** A patient's imported variants with every stored field but ids and times; '' when none are stored. */
function vcfResult(db: string, patient: string): string {
  const store = Store.open(db, keyedSettings(db));
  try {
    const rows = store.db
      .prepare(
        `SELECT i.sha256, i.sample, i.build, i.records, i.not_carried, v.line, v.chrom, v.pos, v.ref, v.alt,
           v.alt_index, v.rsid, v.qual, v.filter, v.genotype, v.zygosity, v.depth, v.genotype_quality,
           v.gnomad_af, v.clinvar, v.cadd, v.revel, a.ordinal, a.source, a.gene, a.transcript, a.hgvs_c,
           a.hgvs_p, a.consequence, a.impact, a.canonical
         FROM vcf_imports i JOIN patients p ON p.id = i.patient_id JOIN variants v ON v.import_id = i.id
         LEFT JOIN variant_annotations a ON a.variant_id = v.id
         WHERE p.pseudonym = ? ORDER BY v.line, v.alt_index, a.ordinal`,
      )
      .raw()
      .all(patient);
    return rows.length ? sha256Hex(Buffer.from(JSON.stringify(rows))) : '';
  } finally {
    store.close();
  }
}

function createPatient(db: string, pseudonym: string): void {
  // Made (or opened) as the command makes it: encrypted under the user's key file, which `vcf import` finds.
  const store = Store.open(db, commandKey(db));
  try {
    store.transaction(() => store.patients.create({ pseudonym, sex: 'unknown' }));
  } finally {
    store.close();
  }
}

/**
 * The learnt space a data directory holds, as figures and head without the time it was trained; '' when
 * none. Nothing else may be in its folder: no temporary file, no half-written head.
 */
function learntResult(dataDir: string): string {
  const dir = join(dataDir, 'learnt-space');
  const files = existsSync(dir) ? readdirSync(dir) : [];
  expect(files.filter((f) => f !== 'testnet.json')).toEqual([]);
  if (files.length === 0) return '';
  const { trainedAt, ...space } = JSON.parse(readFileSync(join(dir, 'testnet.json'), 'utf8')) as {
    trainedAt: string;
  };
  expect(Date.parse(trainedAt)).not.toBeNaN();
  return sha256Hex(Buffer.from(JSON.stringify(space)));
}

/** Restarts the Service on the data directory (what the app does on start) and closes it again. */
async function restartService(dataDir: string): Promise<void> {
  const service = await Service.open({
    dataDir,
    modelsDir: training.modelsDir,
    host: 'browser',
    emit: () => {},
  });
  await service.close();
}

/** A running `facepheno serve` on `dataDir`: its process, address and token. */
async function serve(dataDir: string, modelsDir: string) {
  const proc = spawn(process.execPath, [cliPath, 'serve', '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, FACEPHENO_MODELS_DIR: modelsDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  const first = await new Promise<string>((resolve) =>
    createInterface({ input: proc.stdout }).once('line', resolve),
  );
  const url = new URL(first.replace(/^FacePheno at /, ''));
  return { proc, exited, origin: url.origin, token: url.searchParams.get('token') ?? '' };
}

/** The upload folders in a data directory. */
const uploads = (dataDir: string) => readdirSync(dataDir).filter((f) => f.startsWith('upload-'));

const kills = { gallery: 0, galleryInWrite: 0, vcf: 0, training: 0, upload: 0 };
afterAll(() => console.log(`SIGKILLs survived: ${JSON.stringify(kills)}`));

describe('SIGKILL at random moments, repeated', () => {
  it('a gallery import killed again and again leaves a consistent store, and finishes as if never killed', async () => {
    const reference = join(work.dir, 'gallery-reference.db');
    const started = 'import started';
    const clean = await run(galleryImport(reference), undefined, started);
    expect(clean.code, clean.stderr).toBe(0);
    const want = galleryResult(reference);
    const nothing = galleryResult(join(work.dir, 'empty.db'));
    const next = random(9);
    let db = join(work.dir, 'gallery-0.db');
    for (let round = 0; kills.gallery < 30 && round < 200; round++) {
      const r = await run(galleryImport(db), clean.ms * 1.1 * next(), started);
      const { swept } = checkAfterRestart(db);
      if (r.signal === 'SIGKILL') {
        kills.gallery++;
        if (swept > 0) kills.galleryInWrite++;
      } else expect(r.code, r.stderr).toBe(0);
      // All or nothing: the kill came before the commit (nothing) or after it (everything).
      const got = galleryResult(db);
      if (got !== nothing) {
        expect(got).toBe(want);
        db = join(work.dir, `gallery-${round + 1}.db`); // done: the next kills need a fresh store
      }
    }
    expect(kills.gallery).toBe(30);
    const last = await run(galleryImport(db));
    expect(last.code, last.stderr).toBe(0);
    expect(galleryResult(db)).toBe(want);
  }, 120_000);

  it('a VCF import killed again and again stores the whole file or nothing, and finishes as if never killed', async () => {
    const reference = join(work.dir, 'vcf-reference.db');
    createPatient(reference, 'VCF-REF');
    const clean = await run(vcfImport(reference, 'VCF-REF'));
    expect(clean.code, clean.stderr).toBe(0);
    const want = vcfResult(reference, 'VCF-REF');
    expect(want).not.toBe('');
    const db = join(work.dir, 'vcf.db');
    const next = random(11);
    let patient = 0;
    createPatient(db, `VCF-${patient}`);
    for (let round = 0; kills.vcf < 25 && round < 200; round++) {
      const r = await run(vcfImport(db, `VCF-${patient}`), clean.ms * (0.2 + 0.9 * next()));
      checkAfterRestart(db);
      if (r.signal === 'SIGKILL') kills.vcf++;
      else expect(r.code, r.stderr).toBe(0);
      const got = vcfResult(db, `VCF-${patient}`);
      if (got !== '') {
        expect(got).toBe(want);
        createPatient(db, `VCF-${++patient}`);
      }
    }
    expect(kills.vcf).toBe(25);
    const last = await run(vcfImport(db, `VCF-${patient}`));
    expect(last.code, last.stderr).toBe(0);
    expect(vcfResult(db, `VCF-${patient}`)).toBe(want);
  }, 120_000);

  it('a learnt-space training killed again and again leaves the data directory clean, and trains again to the same head', async () => {
    let copies = 0;
    const fresh = () => {
      const dir = join(work.dir, `training-${copies++}`);
      cpSync(training.dataDir, dir, { recursive: true });
      return dir;
    };
    const started = 'training started';
    const reference = fresh();
    const clean = await run(train(reference), undefined, started);
    expect(clean.code, clean.stderr).toBe(0);
    // The head is kept only when it wins: this gallery is made so that it does, and a file is written.
    expect(clean.stdout).toContain('Matching now uses the learnt space');
    const want = learntResult(reference);
    expect(want).not.toBe('');
    const next = random(13);
    let dataDir = fresh();
    for (let round = 0; kills.training < 12 && round < 100; round++) {
      const r = await run(train(dataDir), clean.ms * 1.1 * next(), started);
      await restartService(dataDir);
      checkAfterRestart(storeFileIn(dataDir));
      if (r.signal === 'SIGKILL') kills.training++;
      else expect(r.code, r.stderr).toBe(0);
      // The head is there whole, or not at all.
      const got = learntResult(dataDir);
      if (got !== '') {
        expect(got).toBe(want);
        dataDir = fresh(); // trained: the next kills need a data directory without a head
      }
    }
    expect(kills.training).toBe(12);
    const last = await run(train(dataDir));
    expect(last.code, last.stderr).toBe(0);
    // The same held-out figures and the same head as a run never interrupted.
    expect(last.stdout).toBe(clean.stdout);
    expect(learntResult(dataDir)).toBe(want);
  }, 300_000);

  it('a facepheno serve killed while it imports a gallery uploaded from the browser leaves no upload once restarted', async () => {
    ensureRendererBuilt();
    const models = await testModelsDir();
    const dataDir = join(work.dir, 'serve-data');
    const files = readdirSync(galleryDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => ({
        path: `${e.parentPath.slice(galleryDir.length + 1)}/${e.name}`,
        data: readFileSync(join(e.parentPath, e.name)).toString('base64'),
      }));
    try {
      for (let round = 0; round <= 3; round++) {
        const s = await serve(dataDir, models.dir);
        // Started again: what the killed run was importing from is gone.
        expect(uploads(dataDir)).toEqual([]);
        if (round === 3) {
          s.proc.kill('SIGTERM');
          await s.exited;
          break;
        }
        const res = await fetch(`${s.origin}/api/call/gallery.import`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-facepheno-token': s.token },
          body: JSON.stringify({ source: { kind: 'files', files }, controls: ['controls'] }),
        });
        expect(await res.json()).toMatchObject({ ok: true });
        // The job has the uploaded folder and is loading the face models: killed now, it leaves the folder.
        expect(uploads(dataDir)).toHaveLength(1);
        s.proc.kill('SIGKILL');
        await s.exited;
        kills.upload++;
        expect(uploads(dataDir)).toHaveLength(1);
        checkAfterRestart(storeFileIn(dataDir));
      }
    } finally {
      models.cleanup();
    }
    expect(kills.upload).toBe(3);
  }, 180_000);
});
