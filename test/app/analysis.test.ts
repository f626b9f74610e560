/**
 * analysis.space through the compiled Service: a job whose worker thread reads the real case store, the view
 * checked against the contract, kept per gallery version and seed, and a newer request superseding a
 * running one. Synthetic embeddings (synthetic.ts), so no ONNX model runs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service, ServiceOptions } from '../../src/main/service/service.js';
import { SpaceView, type AnyEvent, type EventPayload, type JobRef } from '../../src/shared/api.js';
import { jobEnd } from '../support/job-events.js';
import { scratch } from '../genomics/support.js';
import { repoRoot } from '../support/paths.js';
import { syntheticCaseStore } from '../support/synthetic-store.js';

const tmp = scratch();
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
const events: AnyEvent[] = [];
let service: Service;

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  // The compiled Service (the test command builds first): its worker threads are compiled modules.
  const compiled = join(repoRoot, 'dist', 'src', 'main', 'service', 'service.js');
  const compiledService = (await import(compiled)) as {
    Service: { open(o: ServiceOptions): Promise<Service> };
  };
  service = await compiledService.Service.open({
    dataDir,
    modelsDir,
    host: 'browser',
    emit: (e) => events.push(e),
  });
});
afterAll(async () => {
  await service?.close();
  tmp.cleanup();
});

async function start(seed: number): Promise<JobRef> {
  const reply = await service.handle('analysis.space', { seed });
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as JobRef;
}

const viewOf = (f: EventPayload<'job.finished'>) => {
  if (f.result?.kind !== 'analysis.space') throw new Error(`no map: ${f.status} ${f.error ?? ''}`);
  return f.result.view;
};

describe('analysis.space', () => {
  it('maps every gallery face in both spaces, in a thread of its own, as the contract says', async () => {
    const view = viewOf(await jobEnd(events, (await start(1)).jobId));
    expect(SpaceView.safeParse(view).success).toBe(true);
    expect(view).toMatchObject({ model: 'testnet', seed: 1 });
    expect(view.spaces.map((s) => s.space)).toEqual(['raw', 'learnt']);
    for (const s of view.spaces) {
      expect(s.points).toHaveLength(12);
      expect(new Set(s.points.map((p) => p.label))).toEqual(new Set(['Kabuki syndrome', 'Noonan syndrome']));
    }
    // Two well-separated clusters of six: average linkage finds them.
    expect(view.spaces[0]?.clusters.agglomerative.adjustedRandIndex).toBeCloseTo(1, 6);
    // No stored meshes, so no average faces: said by an empty list, not by a failure.
    expect(view.averages).toEqual([]);
  });

  it('gives the same map for the same seed', async () => {
    const first = viewOf(await jobEnd(events, (await start(1)).jobId));
    const again = viewOf(await jobEnd(events, (await start(1)).jobId));
    expect(again.spaces[0]?.points).toEqual(first.spaces[0]?.points);
  });

  it('lets a newer request supersede a running one', async () => {
    const older = await start(7);
    const newer = await start(8);
    expect((await jobEnd(events, older.jobId)).status).toBe('cancelled');
    expect(viewOf(await jobEnd(events, newer.jobId)).seed).toBe(8);
  });
});
