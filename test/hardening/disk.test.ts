import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { Store } from '../../src/main/store/store.js';
import type { AnyEvent } from '../../src/shared/api.js';
import { makeVcf } from '../../tools/genomics/make-vcf.js';
import { runCli, type CliResult } from '../support/cli.js';
import { commandDataDirStore, commandKey, keyOfFile } from '../support/command-key.js';
import { openDatabaseFile } from '../../src/main/store/encryption.js';
import { jobEnd } from '../support/job-events.js';
import { facedata, repoRoot } from '../support/paths.js';
import { tempDir, testModelsDir } from '../store/support.js';
import { cannotMount, mountTmpfs, type Mount } from './mounts.js';
import { logicalDump } from './support.js';

const why = cannotMount();
if (why) console.warn(`disk.test.ts skipped: ${why}`);

const work = tempDir('facepheno-disk-work-');
const bigVcf = join(work.dir, 'exome.vcf.gz');
// Over 2 MB each: two of them exhaust a disk that holds the database with room to spare.
const bigPhotos = [
  facedata('identity', 'deepface_tests', 'id10', 'img26.jpg'),
  facedata('identity', 'deepface_tests', 'id01', 'img1.jpg'),
  facedata('identity', 'deepface_tests', 'id11', 'img33.jpg'),
];
let env: NodeJS.ProcessEnv = {};
let models: { dir: string; cleanup: () => void } | undefined;
let disk: Mount | undefined;

beforeAll(async () => {
  if (why) return;
  models = await testModelsDir();
  env = { FACEPHENO_MODELS_DIR: models.dir };
  // 20000 records: several MB of rows, far more than the free space left.
  await makeVcf(bigVcf, 20_000, { gzip: true, seed: 11 });
}, 120_000);

afterEach(() => {
  disk?.remove();
  disk = undefined;
});

afterAll(() => {
  models?.cleanup();
  work.remove();
});

/** A data directory on its own tmpfs, holding one case (P1) in `name` (the one the Service opens: facepheno.db). */
function caseOnDisk(sizeKiB: number, name = 'cases.db'): { mount: Mount; db: string; photos: string } {
  const mount = mountTmpfs(sizeKiB);
  disk = mount;
  const db = join(mount.dir, name);
  expect(runCli(['case', 'create', '--db', db, '--id', 'P1'], env).code).toBe(0);
  return { mount, db, photos: join(mount.dir, 'cases.photos') };
}

/** Exit 1 and one line on stderr that names `place`: no internal error, no stack. */
function expectRefused(r: CliResult, place: string, reason: RegExp): void {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(place);
  expect(lines[0]).toMatch(reason);
}

/** Fills the disk that holds `dir` to the last block. */
function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  try {
    const block = Buffer.alloc(4096, 1);
    for (;;) writeSync(fd, block);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

/** Every file in the folder, recursively (a leftover temporary file included). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function integrity(db: string): string {
  const d = openDatabaseFile(db, { readonly: true, key: keyOfFile(db) });
  try {
    return d.pragma('integrity_check', { simple: true }) as string;
  } finally {
    d.close();
  }
}

describe.skipIf(why !== undefined)('a full disk', () => {
  it('case add-photo: one line naming the photo folder, nothing stored, no photo file left', () => {
    const { db, photos } = caseOnDisk(1024);
    const before = logicalDump(db);
    const r = runCli(['case', 'add-photo', '--db', db, '--id', 'P1', ...bigPhotos], env);
    expectRefused(r, photos, /disk is full/);
    expect(logicalDump(db)).toEqual(before);
    expect(integrity(db)).toBe('ok');
    // The photo that fitted stays until the next open sweeps it (the store's rule for any failed write);
    // the one cut short by the full disk leaves no temporary file.
    expect(filesUnder(photos).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = Store.open(db, commandKey(db));
    try {
      expect(again.checkConsistency()).toEqual({
        integrity: 'ok',
        foreignKeyViolations: 0,
        missingFiles: [],
        unreferencedFiles: [],
      });
    } finally {
      again.close();
    }
    expect(filesUnder(photos)).toEqual([]);
  }, 60_000);

  it('a file uploaded from the browser: the data folder is named as full, no upload folder is left', async () => {
    const mount = mountTmpfs(1024);
    disk = mount;
    const db = storeFileIn(mount.dir);
    const events: AnyEvent[] = [];
    const service = await Service.open({
      dataDir: mount.dir,
      store: commandDataDirStore(mount.dir),
      modelsDir: models?.dir,
      host: 'browser',
      emit: (e) => events.push(e),
    });
    expect(await service.handle('cases.create', { id: 'P1' })).toMatchObject({ ok: true });
    const before = logicalDump(db);
    try {
      fill(mount.dir);
      const bytes = (f: string) => readFileSync(join(repoRoot, 'test', 'fixtures', f)).toString('base64');
      const hpo = { kind: 'bytes', name: 'hp.obo', data: bytes('hpo/hp.obo') } as const;
      const catalogue = {
        kind: 'bytes',
        name: 'genemap2.txt',
        data: bytes('genomics/genemap2.txt'),
      } as const;
      const vcf = { kind: 'bytes', name: 'case7.vcf', data: bytes('genomics/case7.snpeff.vcf') } as const;
      const files = [{ path: 'kabuki/a.jpg', data: hpo.data }];
      const replies = [
        await service.handle('terms.load', { file: hpo }),
        await service.handle('catalogue.import', { file: catalogue }),
        await service.handle('gallery.import', { source: { kind: 'files', files }, controls: [] }),
      ];
      const job = await service.handle('variants.import', { caseId: 'P1', file: vcf });
      if (!job.ok) throw new Error(job.error);
      const end = await jobEnd(events, (job.value as { jobId: string }).jobId);
      const errors = [...replies.map((r) => (r.ok ? 'accepted' : r.error)), end.error];
      for (const e of errors) expect(e).toBe(`${mount.dir}: the disk is full: nothing was saved (ENOSPC)`);
      expect(readdirSync(mount.dir).filter((f) => f.startsWith('upload-'))).toEqual([]);
    } finally {
      await service.close();
    }
    rmSync(join(mount.dir, 'filler'));
    expect(logicalDump(db)).toEqual(before);
  }, 60_000);

  it('a database closed cleanly, then the disk filled: every command and the Service say so naming it, nothing changed', async () => {
    const { mount, db } = caseOnDisk(1024, 'facepheno.db');
    const before = logicalDump(db);
    // Opening a WAL database makes its shared-memory file (-shm) anew: there is no room for it.
    const backup = join(work.dir, 'backup-of-full');
    for (const args of [
      ['case', 'show', '--db', db, '--id', 'P1'],
      ['case', 'create', '--db', db, '--id', 'P2'],
      [
        'vcf',
        'import',
        '--db',
        db,
        '--patient',
        'P1',
        join(repoRoot, 'test', 'fixtures', 'genomics', 'trio.vep.vcf'),
      ],
      ['vcf', 'catalogue', '--db', db, join(repoRoot, 'test', 'fixtures', 'genomics', 'genemap2.txt')],
      ['variants', '--db', db, '--patient', 'P1'],
      ['analyze-space', '--db', db, '--model', 'none'],
      ['backup', '--db', db, backup],
    ]) {
      // Filled again before each, so that no page freed since (the logical dump's -shm) lets a read through.
      fill(mount.dir);
      expectRefused(runCli(args, env), db, /the disk is full/);
    }
    expect(readdirSync(work.dir).filter((f) => f.startsWith('backup-of-full'))).toEqual([]);
    fill(mount.dir);
    await expect(
      Service.open({
        dataDir: mount.dir,
        store: commandDataDirStore(mount.dir),
        modelsDir: models?.dir,
        host: 'browser',
        emit: () => undefined,
      }),
    ).rejects.toThrow(`${db}: the disk is full: nothing was saved (SQLITE_IOERR_SHMSIZE)`);
    rmSync(join(mount.dir, 'filler'));
    expect(logicalDump(db)).toEqual(before);
    expect(integrity(db)).toBe('ok');
  }, 60_000);

  it('the Service open when the disk fills: cases.create, terms.load and catalogue.import name the database, nothing stored', async () => {
    const mount = mountTmpfs(1024);
    disk = mount;
    const db = storeFileIn(mount.dir);
    const service = await Service.open({
      dataDir: mount.dir,
      store: commandDataDirStore(mount.dir),
      modelsDir: models?.dir,
      host: 'browser',
      emit: () => undefined,
    });
    const before = logicalDump(db);
    try {
      fill(mount.dir);
      // Files chosen on the workstation (a token for their path), so nothing is uploaded into the full folder.
      const paths = {
        ['h'.repeat(16)]: join(repoRoot, 'test', 'fixtures', 'hpo', 'hp.obo'),
        ['g'.repeat(16)]: join(repoRoot, 'test', 'fixtures', 'genomics', 'genemap2.txt'),
      };
      const replies = [
        await service.handle('cases.create', { id: 'P1' }),
        await service.handle('terms.load', { file: { kind: 'token', token: 'h'.repeat(16) } }, paths),
        await service.handle('catalogue.import', { file: { kind: 'token', token: 'g'.repeat(16) } }, paths),
      ];
      for (const r of replies)
        expect(r.ok ? 'accepted' : r.error).toBe(`${db}: the disk is full: nothing was saved (SQLITE_FULL)`);
    } finally {
      await service.close();
    }
    rmSync(join(mount.dir, 'filler'));
    expect(logicalDump(db)).toEqual(before);
    expect(integrity(db)).toBe('ok');
  }, 60_000);

  it('vcf import: one line naming the database, nothing stored', () => {
    const { db } = caseOnDisk(1024);
    const before = logicalDump(db);
    const r = runCli(['vcf', 'import', '--db', db, '--patient', 'P1', bigVcf], env);
    expectRefused(r, db, /disk is full/);
    expect(logicalDump(db)).toEqual(before);
    expect(integrity(db)).toBe('ok');
  }, 60_000);
});

describe.skipIf(why !== undefined)('a read-only data directory', () => {
  it('a database closed cleanly (no shared-memory file to reuse): the folder is named as read-only', () => {
    const { mount, db } = caseOnDisk(1024);
    const before = logicalDump(db);
    mount.readOnly();
    for (const args of [
      ['case', 'create', '--db', db, '--id', 'P2'],
      ['vcf', 'import', '--db', db, '--patient', 'P1', bigVcf],
    ])
      expectRefused(runCli(args, env), mount.dir, /read-only/);
    mount.writable();
    expect(logicalDump(db)).toEqual(before);
  }, 60_000);

  it('case create, case add-photo and vcf import: one line naming the database or photo folder, nothing changed', () => {
    const { mount, db } = caseOnDisk(4096);
    const small = facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg');
    expect(runCli(['case', 'add-photo', '--db', db, '--id', 'P1', small], env).code).toBe(0);
    const before = logicalDump(db);
    const files = filesUnder(mount.dir).sort();
    mount.readOnly();
    const vcf = join(repoRoot, 'test', 'fixtures', 'genomics', 'trio.vep.vcf.gz');
    for (const args of [
      ['case', 'create', '--db', db, '--id', 'P2'],
      ['case', 'add-photo', '--db', db, '--id', 'P1', bigPhotos[0] ?? ''],
      ['vcf', 'import', '--db', db, '--patient', 'P1', vcf],
    ])
      expectRefused(runCli(args, env), mount.dir, /read-only/);
    mount.writable();
    expect(logicalDump(db)).toEqual(before);
    expect(filesUnder(mount.dir).sort()).toEqual(files);
    expect(integrity(db)).toBe('ok');
  }, 60_000);
});
