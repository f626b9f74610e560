/**
 * The Service's calls of a case's life, contract-checked: the clinic's list apart from the gallery's, a
 * match whose provenance keeps its gallery version through clinic work and changes once a solved case is
 * added (with the gallery.changed event), a VCF import and a case deleted. The synthetic store runs no
 * ONNX model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/main/service/service.js';
import type { AnyEvent, CallName, CaseDetail, MatchResult } from '../../src/shared/api.js';
import { tempDir } from '../store/support.js';
import { repoRoot } from '../support/paths.js';
import { syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = tempDir('facepheno-service-life-');
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
const events: AnyEvent[] = [];
let service: Service;

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  service = await Service.open({ dataDir, modelsDir, host: 'browser', emit: (e) => events.push(e) });
});

afterAll(async () => {
  await service?.close();
  tmp.remove();
});

async function call<T>(name: CallName, input: unknown): Promise<T> {
  const reply = await service.handle(name, input);
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as T;
}
const ids = async (kind?: 'clinic' | 'reference') =>
  (await call<{ rows: { id: string }[] }>('cases.list', kind ? { kind } : {})).rows.map((r) => r.id);

describe("a case's life through the Service", () => {
  it('lists the clinic apart from the gallery, and moves the gallery version only when a case is added', async () => {
    expect(await ids()).toEqual(['P2', 'P1']);
    expect((await ids('reference')).sort()).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((k) => [`Kabuki-${k}`, `Noonan-${k}`]).sort(),
    );
    const before = await call<MatchResult>('match.case', { caseId: 'P1' });
    const { syndromes } = await call<{ syndromes: { id: string }[] }>('syndromes.search', {
      query: 'Kabuki',
    });
    const kabuki = syndromes[0]?.id ?? '';
    await call('cases.setDiagnosis', { caseId: 'P1', syndromeId: kabuki, status: 'confirmed' });
    const solved = await call<CaseDetail>('cases.solve', { caseId: 'P1', syndromeId: kabuki });
    expect(solved).toMatchObject({ kind: 'clinic', solvedAt: expect.any(String) as string });
    const after = await call<MatchResult>('match.case', { caseId: 'P1' });
    expect(after.provenance.galleryVersion).toBe(before.provenance.galleryVersion);

    const added = await call<CaseDetail>('cases.addToGallery', { caseId: 'P1' });
    expect(added.kind).toBe('reference');
    const changed = events.filter((e) => e.name === 'gallery.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.payload.version).not.toBe(before.provenance.galleryVersion);
    expect(await ids()).toEqual(['P2']);
    expect(await ids('reference')).toContain('P1');
  });

  it('deletes a VCF import and a case, answering in the contract', async () => {
    const vcf = join(repoRoot, 'test', 'fixtures', 'genomics', 'trio.vep.vcf');
    const data = readFileSync(vcf).toString('base64');
    const job = await call<{ jobId: string }>('variants.import', {
      caseId: 'P2',
      file: { kind: 'bytes', name: 'trio.vep.vcf', data },
    });
    await expect
      .poll(() => events.some((e) => e.name === 'job.finished' && e.payload.jobId === job.jobId))
      .toBe(true);
    const list = await call<{ import: { id: string; variants: number } | null }>('variants.list', {
      caseId: 'P2',
    });
    const imported = list.import;
    expect(imported).not.toBeNull();
    expect(await call('variants.deleteImport', { caseId: 'P2', importId: imported?.id })).toEqual({
      fileName: 'trio.vep.vcf',
      variants: imported?.variants,
    });
    expect((await call<{ import: unknown }>('variants.list', { caseId: 'P2' })).import).toBeNull();
    expect(await service.handle('variants.deleteImport', { caseId: 'P2', importId: imported?.id })).toEqual({
      ok: false,
      error: `case 'P2' has no VCF import ${imported?.id}`,
    });

    expect(await call('cases.delete', { id: 'p2' })).toEqual({ id: 'P2', photos: 0, vcfImports: 0 });
    expect(await ids()).toEqual([]);
    expect(await service.handle('cases.get', { id: 'P2' })).toEqual({
      ok: false,
      error: "no patient with id 'P2'",
    });
  });
});
