/**
 * The Service's gallery import masks what the gallery's metadata.csv asks for, exactly as the CLI's does: the
 * same folder (real 22q11.2DS photos with the paper's number bottom right, linked from facedata) imported
 * through an uploaded-folder job stores the CLI's embeddings, which differ from an unmasked import's. The
 * stored faces come back with their eye measurements, taken from the stored mesh.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import type { AnyEvent, CaseDetail, JobRef } from '../../src/shared/api.js';
import { maxDifference, storedEmbeddings } from '../support/gallery-embeddings.js';
import { jobEnd } from '../support/job-events.js';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

const labels = [
  { label: '22q11ds', from: facedata('22q11ds', '22q11ds'), prefix: 'Q' },
  { label: 'down_syndrome', from: facedata('down_syndrome_kaggle', 'down_syndrome'), prefix: 'D' },
];

/** Three photos a label, one patient each; the 22q11ds photos masked bottom right unless `masked` is false. */
function gallery(dir: string, masked: boolean): string {
  for (const { label, from, prefix } of labels) {
    mkdirSync(join(dir, label), { recursive: true });
    const files = readdirSync(from)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(0, 3);
    for (const f of files) symlinkSync(join(from, f), join(dir, label, f));
    const mask = masked && label === '22q11ds' ? 'bottom-right' : 'none';
    writeFileSync(
      join(dir, label, 'metadata.csv'),
      ['file,patient,mask', ...files.map((f, i) => `${f},${prefix}${i + 1},${mask}`)].join('\n') + '\n',
    );
  }
  return dir;
}

/** The folder as the renderer uploads it: every file's path under the folder, and its bytes. */
function uploaded(dir: string): { path: string; data: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name))
    .map((file) => ({ path: relative(dir, file), data: readFileSync(file).toString('base64') }));
}

describe('gallery import through the Service', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  const events: AnyEvent[] = [];
  let service: Service | undefined;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-gallery-mask-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
  });
  afterAll(async () => {
    await service?.close();
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  async function call<T>(name: string, input: unknown): Promise<T> {
    if (!service) throw new Error('the Service is not open');
    const reply = await service.handle(name, input);
    if (!reply.ok) throw new Error(reply.error);
    return reply.value as T;
  }

  it('stores the embeddings the CLI stores for a folder with a mask column', async () => {
    const masked = gallery(join(root, 'masked'), true);
    const cli = runCli(['gallery', 'import', '--db', join(root, 'cli.db'), masked, '--json'], env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const plain = gallery(join(root, 'plain'), false);
    expect(runCli(['gallery', 'import', '--db', join(root, 'plain.db'), plain, '--json'], env).code).toBe(0);

    const dataDir = join(root, 'data');
    service = await Service.open({
      dataDir,
      modelsDir: models.dir,
      host: 'browser',
      emit: (e) => events.push(e),
    });
    const job = await call<JobRef>('gallery.import', { source: { kind: 'files', files: uploaded(masked) } });
    const end = await jobEnd(events, job.jobId);
    expect(end.error).toBeNull();
    expect(end.status).toBe('done');

    const viaCli = storedEmbeddings(join(root, 'cli.db'), models.dir);
    const viaService = storedEmbeddings(storeFileIn(dataDir), models.dir);
    const unmasked = storedEmbeddings(join(root, 'plain.db'), models.dir);
    expect([...viaService.keys()].sort()).toEqual([...viaCli.keys()].sort());
    expect(viaService.size).toBeGreaterThanOrEqual(5);
    for (const key of viaService.keys()) {
      expect(maxDifference(key, viaService, viaCli), key).toBeLessThan(1e-5);
      // The mask is what changed the 22q11ds faces: the down_syndrome ones are as unmasked.
      const fromPlain = maxDifference(key, viaService, unmasked);
      if (key.startsWith('22q11ds/')) expect(fromPlain, key).toBeGreaterThan(1e-4);
      else expect(fromPlain, key).toBeLessThan(1e-5);
    }
  }, 300_000);

  it('shows each stored face with its eye measurements from the stored mesh', async () => {
    const detail = await call<CaseDetail>('cases.get', { id: '22q11ds/Q1' });
    const face = detail.photos[0]?.faces.find((f) => f.primary);
    const mesh = face?.mesh ?? [];
    expect(mesh.length).toBe(478 * 2);
    const at = (i: number) => [mesh[2 * i] as number, mesh[2 * i + 1] as number] as const;
    const d = (i: number, j: number) => Math.hypot(at(i)[0] - at(j)[0], at(i)[1] - at(j)[1]);
    // MediaPipe's refined layout: eye corners 33/263 (outer), 133/362 (inner); pupil centres 468 and 473.
    const m = face?.measurements;
    if (!m) throw new Error('no eye measurements');
    expect(m.outerCanthalPx).toBeCloseTo(d(33, 263), 3);
    expect(m.innerCanthalPx).toBeCloseTo(d(133, 362), 3);
    expect(m.interpupillaryPx).toBeCloseTo(d(468, 473), 3);
    expect(m.interpupillaryRatio).toBeCloseTo(d(468, 473) / d(33, 263), 5);
    // A real face: the pupils lie between the inner and the outer corners.
    expect(m.interpupillaryPx).toBeGreaterThan(m.innerCanthalPx);
    expect(m.interpupillaryPx).toBeLessThan(m.outerCanthalPx);
  });
});
