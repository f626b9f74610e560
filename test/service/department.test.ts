import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../../e2e/support/serve.js';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { runCli } from '../support/cli.js';
import { cliPath, repoRoot } from '../support/paths.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';
import { tempDir } from '../store/support.js';

let work: ReturnType<typeof tempDir>;
beforeEach(() => {
  work = tempDir('facepheno-department-');
});
afterEach(() => work.remove());

/** What serve and the app read when no option names the database. */
const noDatabaseEnv = { FACEPHENO_DB: '', FACEPHENO_PHOTOS_DIR: '' };

interface Served {
  origin: string;
  token: string;
  /** The lines serve printed after its address. */
  lines: string[];
  call: (name: string, input: unknown) => Promise<{ ok: boolean; value?: unknown; error?: string }>;
  stop: () => Promise<void>;
}

/** A real `facepheno serve` (one workstation) given --db, once it says which database it opened. */
async function serve(args: string[]): Promise<Served> {
  const proc = spawn(process.execPath, [cliPath, 'serve', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...noDatabaseEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  const lines: string[] = [];
  // Ready once it has said which case database it opened: that line comes after the address.
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('case database:')) resolve();
    });
    proc.on('close', (code) => reject(new Error(`facepheno serve exited with ${code}: ${stderr}`)));
  });
  const listening = lines[0] ?? '';
  const url = new URL(listening.replace(/^FacePheno at /, ''));
  const token = url.searchParams.get('token') ?? '';
  return {
    origin: url.origin,
    token,
    lines,
    call: async (name, input) => {
      const res = await fetch(`${url.origin}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-facepheno-token': token },
        body: JSON.stringify(input),
      });
      return (await res.json()) as { ok: boolean; value?: unknown; error?: string };
    },
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

const listed = (reply: { value?: unknown }) =>
  ((reply.value as { rows: { id: string }[] }).rows ?? []).map((r) => r.id).sort();

describe.skipIf(postgresSkip !== false)(
  postgresSkip === false
    ? 'two workstations on one PostgreSQL database'
    : `two workstations on one PostgreSQL database (skipped: ${postgresSkip})`,
  () => {
    it("two facepheno serve --db URL --photos DIR see each other's cases", async () => {
      ensureRendererBuilt();
      const schema = freshSchema();
      const photos = join(work.dir, 'shared-photos');
      mkdirSync(photos);
      const dataDirs = ['ana', 'ben'].map((w) => join(work.dir, w));
      const shown = new URL(schema.url);
      shown.password = '';
      const servers: Served[] = [];
      try {
        for (const dataDir of dataDirs)
          servers.push(await serve(['--data-dir', dataDir, '--db', schema.url, '--photos', photos]));
        const [ana, ben] = servers as [Served, Served];
        expect(ana.lines).toContain(`case database: ${shown.toString()}`);
        const info = await ana.call('app.info', {});
        expect(info, JSON.stringify(info)).toMatchObject({
          ok: true,
          value: { database: { kind: 'postgres', location: shown.toString(), role: 'clinician' } },
        });

        // Each workstation records its own case, at the same time.
        const made = await Promise.all([
          ana.call('cases.create', { id: 'ANA-001', notes: 'seen by ana' }),
          ben.call('cases.create', { id: 'BEN-001', notes: 'seen by ben' }),
        ]);
        expect(
          made.map((m) => m.ok),
          JSON.stringify(made),
        ).toEqual([true, true]);

        for (const s of servers)
          expect(listed(await s.call('cases.list', {}))).toEqual(['ANA-001', 'BEN-001']);
        const other = await ben.call('cases.get', { id: 'ANA-001' });
        expect(other, JSON.stringify(other)).toMatchObject({ ok: true, value: { id: 'ANA-001' } });

        // The data directories keep the workstation's own things; no case database is made there.
        for (const dataDir of dataDirs) expect(existsSync(storeFileIn(dataDir))).toBe(false);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
        schema.drop();
      }
    });

    it('Service instances opened with the database and photosDir options share the case list', async () => {
      const schema = freshSchema();
      const photosDir = join(work.dir, 'photos');
      const open = (who: string) =>
        Service.open({
          dataDir: join(work.dir, who),
          host: 'browser',
          modelsDir: join(work.dir, 'models'),
          database: schema.url,
          photosDir,
          emit: () => {},
        });
      const [a, b] = [await open('a'), await open('b')];
      try {
        expect(await a.handle('cases.create', { id: 'A-1' })).toMatchObject({ ok: true });
        expect(await b.handle('cases.create', { id: 'B-1' })).toMatchObject({ ok: true });
        for (const s of [a, b])
          expect(listed((await s.handle('cases.list', {})) as { value?: unknown })).toEqual(['A-1', 'B-1']);
      } finally {
        await a.close();
        await b.close();
        schema.drop();
      }
    });
  },
);

describe('facepheno serve --db and --photos', () => {
  it('refuses --photos without a postgres:// database, and a postgres:// one without a photo folder', () => {
    const photosOnly = runCli(['serve', '--photos', work.dir], noDatabaseEnv);
    expect(photosOnly.code, photosOnly.stderr).toBe(2);
    expect(photosOnly.stderr).toContain('--photos is the shared photo folder of a postgres:// database');

    const noPhotos = runCli(['serve', '--db', 'postgres://ana:s3cret@127.0.0.1:1/cases'], noDatabaseEnv);
    expect(noPhotos.code, noPhotos.stderr).toBe(2);
    expect(noPhotos.stderr).toContain('needs --photos DIR');
    expect(noPhotos.stderr).toContain('postgres://ana:***@127.0.0.1:1/cases');
    expect(noPhotos.stderr).not.toContain('s3cret');
  });

  it('a Service given a SQLite file as its database opens that file, not the data directory one', async () => {
    const file = join(work.dir, 'elsewhere', 'cases.db');
    mkdirSync(join(work.dir, 'elsewhere'));
    const s = await Service.open({
      dataDir: join(work.dir, 'data'),
      host: 'browser',
      modelsDir: join(work.dir, 'models'),
      database: file,
      emit: () => {},
    });
    try {
      expect(await s.handle('cases.create', { id: 'C-1' })).toMatchObject({ ok: true });
    } finally {
      await s.close();
    }
    expect(existsSync(file)).toBe(true);
    expect(existsSync(storeFileIn(join(work.dir, 'data')))).toBe(false);
  });
});
