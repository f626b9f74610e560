/**
 * analysis.space through the compiled Service: a job whose worker thread reads the real case store, the view
 * checked against the contract, kept per gallery version and seed, and a newer request superseding a
 * running one; on PostgreSQL, the worker reaching the database with the password of the Service's URL.
 * Synthetic embeddings (synthetic.ts), so no ONNX model runs.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service, ServiceOptions } from '../../src/main/service/service.js';
import { SpaceView, type AnyEvent, type EventPayload, type JobRef } from '../../src/shared/api.js';
import { jobEnd } from '../support/job-events.js';
import { scratch } from '../genomics/support.js';
import { runCli } from '../support/cli.js';
import { repoRoot } from '../support/paths.js';
import { adminConnection, freshSchema, postgresSkip } from '../support/postgres.js';
import { fillSyntheticStore, syntheticCaseStore, writeManifest } from '../support/synthetic-store.js';

const tmp = scratch();
const dataDir = join(tmp.dir, 'data');
const modelsDir = join(tmp.dir, 'models');
const events: AnyEvent[] = [];
let service: Service;

/** The compiled Service (the test command builds first): its worker threads are compiled modules. */
async function openCompiledService(opts: ServiceOptions): Promise<Service> {
  const compiled = join(repoRoot, 'dist', 'src', 'main', 'service', 'service.js');
  const compiledService = (await import(compiled)) as {
    Service: { open(o: ServiceOptions): Promise<Service> };
  };
  return compiledService.Service.open(opts);
}

beforeAll(async () => {
  await syntheticCaseStore(dataDir, modelsDir);
  service = await openCompiledService({
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

async function startOn(on: Service, seed: number): Promise<JobRef> {
  const reply = await on.handle('analysis.space', { seed });
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as JobRef;
}
const start = (seed: number) => startOn(service, seed);

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

/**
 * A store of the test server's role that must give its password (scripts/postgres-test-server.sh:
 * scram-sha-256 for it, trust for the others), in a schema of its own: reached only with the password in
 * its URL. The role may create the schema (opening a store creates it if missing).
 */
function passwordSchema(): { url: string; drop: () => void } {
  const schema = freshSchema();
  const admin = adminConnection();
  try {
    admin.exec(`GRANT CREATE ON DATABASE ${new URL(schema.url).pathname.slice(1)} TO facepheno_pw`);
  } finally {
    admin.close();
  }
  const url = new URL(schema.url);
  url.username = 'facepheno_pw';
  url.password = 'right-password';
  return { url: url.toString(), drop: schema.drop };
}

describe.skipIf(postgresSkip !== false)(
  postgresSkip === false
    ? 'analysis on PostgreSQL, the password in the URL'
    : `analysis on PostgreSQL (skipped: ${postgresSkip})`,
  () => {
    const photosDir = join(tmp.dir, 'pg-photos');
    const pgModelsDir = join(tmp.dir, 'pg-models');
    const pgEvents: AnyEvent[] = [];
    let pg: ReturnType<typeof passwordSchema>;
    let pgService: Service | undefined;

    beforeAll(async () => {
      pg = passwordSchema();
      writeManifest(pgModelsDir);
      await fillSyntheticStore(pg.url, { photosDir });
      pgService = await openCompiledService({
        dataDir: join(tmp.dir, 'pg-data'),
        modelsDir: pgModelsDir,
        host: 'browser',
        store: { target: pg.url, photosDir, role: 'clinician', osUser: 'tester' },
        emit: (e) => pgEvents.push(e),
      });
    });
    afterAll(async () => {
      await pgService?.close();
      pg?.drop();
    });

    // The worker opens the store again; given the URL as messages show it (password ***), it was refused.
    it("maps the gallery in the Service's worker thread", async () => {
      const job = await startOn(pgService as Service, 1);
      const view = viewOf(await jobEnd(pgEvents, job.jobId));
      expect(view.spaces.map((s) => s.points.length)).toEqual([12, 12]);
    });

    // Their workers get the gallery's rows, not the store: on the same database they must end as on a file.
    it('evaluates and trains on the gallery in their worker threads', async () => {
      for (const [name, input, kind] of [
        ['model.evaluate', { folds: 3 }, 'model.evaluate'],
        ['model.train', {}, 'model.train'],
      ] as const) {
        const reply = await (pgService as Service).handle(name, input);
        if (!reply.ok) throw new Error(reply.error);
        const end = await jobEnd(pgEvents, (reply.value as JobRef).jobId);
        expect(end.error).toBeNull();
        expect(end.result?.kind).toBe(kind);
      }
    });

    it('maps it with facepheno analyze-space', () => {
      const r = runCli(['analyze-space', '--db', pg.url, '--json', '--model', 'testnet', '--no-averages'], {
        FACEPHENO_PHOTOS_DIR: photosDir,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { members: number }).members).toBe(12);
    });
  },
);
