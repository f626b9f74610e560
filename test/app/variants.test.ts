/**
 * The Service's genomics calls on a real case store: the catalogue and a VCF uploaded as bytes, the import
 * as a job (its end, a failure naming the file, a cancel that stores nothing), and the ranking whose face
 * component is the case's match against the gallery, with the match's provenance (synthetic.ts: no ONNX
 * model runs here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/main/service/service.js';
import type { AnyEvent, CallName, JobRef, VariantList } from '../../src/shared/api.js';
import { jobEnd } from '../support/job-events.js';
import { fixture, scratch } from '../genomics/support.js';
import { model, syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = scratch();
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
const events: AnyEvent[] = [];
let service: Service;

async function call<K extends CallName>(name: K, input: unknown) {
  const reply = await service.handle(name, input);
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as never;
}

const bytes = (name: string, text: string) => ({
  kind: 'bytes',
  name,
  data: Buffer.from(text).toString('base64'),
});

/** The trio fixture with its first record repeated `n` times at increasing positions. */
function bigVcf(n: number): string {
  const lines = readFileSync(fixture('trio.vep.vcf'), 'utf8').split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const record = lines.find((l) => l !== '' && !l.startsWith('#'))?.split('\t') ?? [];
  const body = Array.from({ length: n }, (_, i) =>
    [record[0], String(100_000 + i), ...record.slice(2)].join('\t'),
  );
  return [...header, ...body, ''].join('\n');
}

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  service = await Service.open({ dataDir, modelsDir, host: 'browser', emit: (e) => events.push(e) });
});

afterAll(async () => {
  await service?.close();
  tmp.cleanup();
});

describe('genomics through the Service', () => {
  it('loads the catalogue from uploaded bytes and says what it holds', async () => {
    expect(await call('catalogue.info', {})).toBeNull();
    const info = await call('catalogue.import', {
      file: bytes('genemap2.txt', readFileSync(fixture('genemap2.txt'), 'utf8')),
    });
    expect(info).toMatchObject({ fileName: 'genemap2.txt', layout: 'genemap2' });
    expect((info as { links: number }).links).toBeGreaterThan(0);
    expect(await call('catalogue.info', {})).toEqual(info);
  });

  it('lists no variants before a VCF, and imports one as a job', async () => {
    const before: VariantList = await call('variants.list', { caseId: 'P1' });
    expect(before.import).toBeNull();
    expect(before.variants).toEqual([]);
    const job: JobRef = await call('variants.import', {
      caseId: 'P1',
      file: bytes('trio.vep.vcf', readFileSync(fixture('trio.vep.vcf'), 'utf8')),
    });
    expect(job.kind).toBe('variants.import');
    const end = await jobEnd(events, job.jobId);
    expect(end).toMatchObject({ status: 'done', error: null });
    expect(end.result).toMatchObject({
      kind: 'variants.import',
      alreadyImported: false,
      import: { fileName: 'trio.vep.vcf', sample: 'PROBAND_01' },
    });
  });

  it("ranks the variant whose syndrome the case's face matches first, every component shown", async () => {
    const list: VariantList = await call('variants.list', { caseId: 'P1' });
    expect(list.import?.fileName).toBe('trio.vep.vcf');
    expect(list.faceMatch).toMatchObject({
      provenance: { model: { id: model.id, sha256: model.sha256 }, method: expect.any(String) },
    });
    const match = (await call('match.case', { caseId: 'P1' })) as { provenance: { galleryVersion: string } };
    expect('provenance' in list.faceMatch && list.faceMatch.provenance.galleryVersion).toBe(
      match.provenance.galleryVersion,
    );
    const [top] = list.variants;
    expect(top?.gene).toBe('KMT2D');
    expect(top?.components.face).toBeGreaterThan(0.5);
    expect(top?.components.faceNote).toMatch(
      /^best face match: Kabuki syndrome \(probability 0\.\d{3}, rank 1\)$/,
    );
    const c = top?.components;
    expect(top?.priority).toBeCloseTo(
      (c?.weights.deleteriousness ?? 0) * (c?.deleteriousness ?? 0) +
        (c?.weights.rarity ?? 0) * (c?.rarity ?? 0) +
        (c?.weights.face ?? 0) * (c?.face ?? 0),
      9,
    );
    expect(top?.syndromes.find((s) => s.diseaseId === 'OMIM:147920')).toMatchObject({
      inGallery: true,
      face: { label: 'Kabuki syndrome', rank: 1 },
    });
    // A stricter filter is the caller's: fewer candidates, never more.
    const strict: VariantList = await call('variants.list', {
      caseId: 'P1',
      filter: { maxGnomadAf: 0.00001, impacts: ['HIGH'], clinvarPathogenic: false },
    });
    expect(strict.candidates).toBeLessThan(list.candidates);
  });

  it('says why a case without photos has no face component', async () => {
    const job: JobRef = await call('variants.import', {
      caseId: 'P2',
      file: bytes('trio.vep.vcf', readFileSync(fixture('trio.vep.vcf'), 'utf8')),
    });
    expect((await jobEnd(events, job.jobId)).status).toBe('done');
    const list: VariantList = await call('variants.list', { caseId: 'P2' });
    expect(list.faceMatch).toEqual({
      unavailable: "case 'P2' has no photo with a measured face yet: add a frontal photo first",
    });
    expect(list.variants[0]?.components.face).toBe(0);
  });

  it('fails a malformed VCF naming the file as uploaded, storing nothing', async () => {
    const text = readFileSync(fixture('trio.vep.vcf'), 'utf8').replace(/\tPASS\t/, '\tPASS\tBROKEN\t');
    const job: JobRef = await call('variants.import', {
      caseId: 'Kabuki-0',
      file: bytes('broken.vcf', text),
    });
    const end = await jobEnd(events, job.jobId);
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/^broken\.vcf(:\d+)?: /);
    expect(end.error).not.toContain(dataDir);
    expect(((await call('variants.list', { caseId: 'Kabuki-0' })) as VariantList).import).toBeNull();
  });

  it('cancels an import midway, storing nothing', async () => {
    const job: JobRef = await call('variants.import', {
      caseId: 'Kabuki-1',
      file: bytes('big.vcf', bigVcf(20_000)),
    });
    await new Promise<void>((resolve) => {
      const poll = () =>
        events.some((e) => e.name === 'job.progress' && e.payload.jobId === job.jobId && e.payload.done > 0)
          ? resolve()
          : setTimeout(poll, 5);
      poll();
    });
    expect(await call('jobs.cancel', { jobId: job.jobId })).toEqual({ cancelled: true });
    expect((await jobEnd(events, job.jobId)).status).toBe('cancelled');
    expect(((await call('variants.list', { caseId: 'Kabuki-1' })) as VariantList).import).toBeNull();
  });

  it('refuses a dialog token it never issued', async () => {
    await expect(
      call('variants.import', { caseId: 'P1', file: { kind: 'token', token: 'x'.repeat(24) } }),
    ).rejects.toThrow('that file is no longer available: choose it again');
  });
});
