import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { UserError } from '../../src/main/errors.js';
import { ServiceHost } from '../../src/main/service/host.js';
import { Store } from '../../src/main/store/store.js';
import { parseInput, type AnyEvent, type CallInput, type CallName } from '../../src/shared/api.js';
import { makeCorpus, type Corpus, type CorpusItem } from '../../tools/corpus/make-corpus.js';
import { runCli, type CliResult } from '../support/cli.js';
import { commandDataDirStore, commandKey } from '../support/command-key.js';
import { jobEnd } from '../support/job-events.js';
import { facedata, repoRoot } from '../support/paths.js';
import { tempDir, testModelsDir } from '../store/support.js';
import { logicalDump, photoFileNames } from './support.js';

const work = tempDir('facepheno-corpus-');
const dataDir = join(work.dir, 'data');
const db = storeFileIn(dataDir);
const patient = 'CORPUS-1';
let corpus: Corpus;
let models: { dir: string; cleanup: () => void };
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const faces = [
    '10_0_0_20170110220503946.jpg.chip.jpg',
    '10_0_0_20170110220530650.jpg.chip.jpg',
    '10_0_0_20170110221719390.jpg.chip.jpg',
  ].map((f) => facedata('children_controls', f));
  [corpus, models] = await Promise.all([
    makeCorpus(join(work.dir, 'corpus'), { faces, longLineMb: 32 }),
    testModelsDir(),
  ]);
  env = { FACEPHENO_MODELS_DIR: models.dir };
  // A store with something in it, so that an unchanged dump means something.
  const store = Store.open(db, { ...commandKey(db), osUser: 'corpus-test' });
  try {
    store.hpo.load(join(repoRoot, 'test', 'fixtures', 'hpo', 'hp.obo'));
    store.transaction(() => store.patients.create({ pseudonym: patient, sex: 'female' }));
  } finally {
    store.close();
  }
  expect(runCli(['case', 'add-photo', '--db', db, '--id', patient, faces[0] ?? ''], env).code).toBe(0);
}, 120_000);

afterAll(() => {
  models?.cleanup();
  work.remove();
});

const path = (i: CorpusItem) => join(corpus.dir, i.file);
const of = (entry: CorpusItem['entry']) => corpus.items.filter((i) => i.entry === entry);

/** The store as it is now: the logical dump and the photo files. */
function snapshot() {
  return { dump: logicalDump(db), files: photoFileNames(db) };
}

/** The message must name the file the user must fix (and the line), say what is wrong, and be one line. */
function expectRefusal(i: CorpusItem, message: string): void {
  const r = i.refuse;
  if (!r) throw new Error(`${i.file} is not meant to be refused`);
  const names = join(corpus.dir, r.names ?? i.file);
  expect(message, i.what).toContain(r.line === undefined ? names : `${names}:${r.line}:`);
  expect(message, i.what).toMatch(new RegExp(r.message));
}

function expectCliRefusal(i: CorpusItem, run: () => CliResult, command: string): void {
  const before = snapshot();
  const r = run();
  expect(r.code, `${i.file}: ${r.stderr}`).toBe(1);
  expect(r.stdout).toBe('');
  // One line of reason, last; before it at most progress lines.
  const lines = r.stderr.trimEnd().split('\n');
  const reason = lines.pop() ?? '';
  for (const l of lines) expect(l, r.stderr).toMatch(/^analysing \d+\/\d+$/);
  expect(reason.startsWith(`facepheno ${command}: `), r.stderr).toBe(true);
  expectRefusal(i, reason);
  expect(snapshot(), `${i.file} changed the store`).toEqual(before);
}

describe('the hardening corpus', () => {
  it('is synthetic and covers every entry point', () => {
    const entries = new Set(corpus.items.map((i) => i.entry));
    expect([...entries].sort()).toEqual(['gallery', 'hpo', 'phenopacket', 'photo', 'vcf']);
    expect(corpus.items.length).toBeGreaterThan(50);
    console.log(`corpus: ${corpus.items.length} files, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MB`);
  });

  it('analyze reads every accepted photo and reports every broken one by name', () => {
    const photos = of('photo');
    const r = runCli(['analyze', '--json', ...photos.map(path)], env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      images: { file: string; faces: unknown[]; error?: string | null }[];
    };
    expect(doc.images.map((x) => relative(corpus.dir, x.file)).sort()).toEqual(
      photos.map((p) => p.file).sort(),
    );
    for (const p of photos) {
      const got = doc.images.find((x) => x.file === path(p));
      if (p.refuse) expectRefusal(p, `${got?.file}: ${got?.error ?? 'accepted'}`);
      else {
        expect(got?.error ?? null, p.what).toBeNull();
        if (p.noFace) expect(got?.faces, p.what).toEqual([]);
        if (p.minFaces) expect(got?.faces.length, p.what).toBeGreaterThanOrEqual(p.minFaces);
      }
    }
  }, 300_000);

  it('case add-photo refuses each broken photo and stores nothing', () => {
    for (const i of of('photo').filter((p) => p.refuse))
      expectCliRefusal(
        i,
        () => runCli(['case', 'add-photo', '--db', db, '--id', patient, path(i)], env),
        'case',
      );
  }, 300_000);

  it('vcf import refuses each broken VCF naming the file and line, and stores nothing', () => {
    for (const i of of('vcf'))
      expectCliRefusal(i, () => runCli(['vcf', 'import', '--db', db, '--patient', patient, path(i)]), 'vcf');
  }, 300_000);

  it('gallery import refuses each broken gallery naming the file and line, and stores nothing', () => {
    for (const i of of('gallery'))
      expectCliRefusal(i, () => runCli(['gallery', 'import', '--db', db, path(i)], env), 'gallery');
  }, 300_000);

  it('case import refuses each broken Phenopacket and stores nothing', () => {
    for (const i of of('phenopacket'))
      expectCliRefusal(i, () => runCli(['case', 'import', '--db', db, '--phenopacket', path(i)]), 'case');
  }, 120_000);

  it('case add-photo stores every accepted photo, each file whole', () => {
    const accepted = of('photo').filter((p) => !p.refuse);
    const r = runCli(
      ['case', 'add-photo', '--db', db, '--id', patient, '--json', ...accepted.map(path)],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const added = (JSON.parse(r.stdout) as { photos: { file: string; faces: number }[] }).photos;
    expect(added.map((a) => a.file)).toEqual(accepted.map(path));
    for (const [i, a] of added.entries()) {
      const p = accepted[i];
      if (p?.minFaces) expect(a.faces, p.what).toBeGreaterThanOrEqual(p.minFaces);
    }
    const store = Store.open(db, commandKey(db));
    try {
      expect(store.checkConsistency()).toMatchObject({
        integrity: 'ok',
        missingFiles: [],
        unreferencedFiles: [],
      });
      expect(store.openCase(patient).photos).toHaveLength(accepted.length + 1);
    } finally {
      store.close();
    }
  }, 300_000);

  it('loading a broken HPO file refuses it and keeps the loaded release', () => {
    for (const i of of('hpo')) {
      const before = snapshot();
      const store = Store.open(db, { ...commandKey(db), osUser: 'corpus-test' });
      let err: unknown;
      try {
        store.hpo.load(path(i));
      } catch (e) {
        err = e;
      } finally {
        store.close();
      }
      expect(err, i.what).toBeInstanceOf(UserError);
      expectRefusal(i, (err as Error).message);
      expect(snapshot(), `${i.file} changed the store`).toEqual(before);
    }
  });
});

describe('the hardening corpus through the Service API', () => {
  let host: ServiceHost;
  const events: AnyEvent[] = [];

  beforeAll(async () => {
    // The Service in its worker thread, as the app runs it: the compiled worker.
    host = await ServiceHost.start(
      { dataDir, host: 'electron', modelsDir: models.dir, store: commandDataDirStore(dataDir) },
      pathToFileURL(join(repoRoot, 'dist', 'src', 'main', 'service', 'service-worker.js')),
    );
    host.onEvent((e) => events.push(e));
  });
  afterAll(() => host?.close());

  /**
   * One call as the Electron handler makes it (the contract's parse, then the Service with the path of
   * the file chosen in the dialog); returns the refusal the user sees: the reply's error, a photo's
   * error, or the failed job's.
   */
  async function refusal<K extends CallName>(
    name: K,
    input: (token: string) => CallInput<K>,
    file: string,
  ): Promise<string> {
    const token = randomBytes(16).toString('hex');
    const reply = await host.call(name, parseInput(name, input(token)), { [token]: file });
    if (!reply.ok) return reply.error;
    const value = reply.value as { jobId?: string; results?: { error: string | null }[] };
    if (value.results) return value.results.map((r) => r.error ?? 'accepted').join('; ');
    if (!value.jobId) return 'accepted';
    const end = await jobEnd(events, value.jobId);
    return end.status === 'failed' ? (end.error ?? '') : `job ${end.status}`;
  }

  async function expectServiceRefusal<K extends CallName>(
    i: CorpusItem,
    name: K,
    input: (token: string) => CallInput<K>,
  ): Promise<void> {
    const before = snapshot();
    const message = await refusal(name, input, path(i));
    expect(message.split('\n'), message).toHaveLength(1);
    expect(message).not.toMatch(/internal error/);
    expectRefusal(i, message);
    expect(snapshot(), `${i.file} changed the store`).toEqual(before);
  }

  it('photos.add refuses each broken photo by name and stores nothing', async () => {
    for (const i of of('photo').filter((p) => p.refuse))
      await expectServiceRefusal(i, 'photos.add', (token) => ({
        caseId: patient,
        files: [{ kind: 'token', token }],
      }));
  }, 300_000);

  it('variants.import refuses each broken VCF naming the file and line, and stores nothing', async () => {
    for (const i of of('vcf'))
      await expectServiceRefusal(i, 'variants.import', (token) => ({
        caseId: patient,
        file: { kind: 'token', token },
        sample: null,
      }));
  }, 300_000);

  it('gallery.import refuses each broken gallery naming the file and line, and stores nothing', async () => {
    for (const i of of('gallery'))
      await expectServiceRefusal(i, 'gallery.import', (token) => ({
        source: { kind: 'token', token },
        controls: [],
      }));
  }, 300_000);

  it('terms.load refuses each broken HPO file and keeps the loaded release', async () => {
    for (const i of of('hpo'))
      await expectServiceRefusal(i, 'terms.load', (token) => ({ file: { kind: 'token', token } }));
  }, 120_000);
});
