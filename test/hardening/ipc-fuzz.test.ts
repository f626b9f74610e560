/**
 * IPC fuzz: seeded malformed and oversized payloads for every call of the contract, through `parseInput`
 * (what the Electron handler runs) and through a real Service's `handle` (what both hosts end in: the
 * call name check and the same parse) on a temporary data directory. None may be accepted, none may
 * throw, hang or pollute Object.prototype, and the store must be left exactly as it was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, calls, parseInput, type CallInput, type CallName } from '../../src/shared/api.js';
import { storeFileIn } from '../../src/main/data-dir.js';
import { Service } from '../../src/main/service/service.js';
import { ServiceHost } from '../../src/main/service/host.js';
import { repoRoot } from '../support/paths.js';
import { logicalDump, photoFileNames } from './support.js';

const token = 'a'.repeat(32);
/** One valid input per call: the fuzzer breaks each in every way it knows. */
const VALID: { [K in CallName]: CallInput<K> } = {
  'app.info': {},
  'audit.state': {},
  'cases.list': { filter: 'a', limit: 10 },
  'cases.create': { id: 'P1', sex: 'female', birthYear: 2000, notes: 'n' },
  'cases.get': { id: '1' },
  'cases.update': {
    id: '1',
    updatedAt: '2026-11-29T10:00:00.000Z',
    sex: 'male',
    birthYear: 2001,
    notes: 'm',
  },
  'cases.setTerm': { caseId: '1', termId: 'HP:0000001', status: 'present' },
  'cases.setDiagnosis': { caseId: '1', syndromeId: '1', status: 'confirmed', gene: 'FGFR2' },
  'cases.delete': { id: '1' },
  'cases.solve': { caseId: '1', syndromeId: '1', gene: 'FGFR2' },
  'cases.addToGallery': { caseId: '1' },
  'photos.delete': { caseId: '1', photoId: '1' },
  'photos.add': { caseId: '1', files: [{ kind: 'bytes', name: 'a.jpg', data: 'AAAA' }] },
  'photos.image': { photoId: '1', kind: 'original' },
  'files.open': { kind: 'images' },
  'terms.search': { query: 'eye', limit: 5 },
  'terms.load': { file: { kind: 'token', token } },
  'syndromes.search': { query: 'x', limit: 5 },
  'match.case': { caseId: '1' },
  'compare.faces': { caseId: '1', photoId: '1', galleryPhotoId: '2' },
  'gallery.import': {
    source: { kind: 'files', files: [{ path: 'a/b.jpg', data: 'AAAA' }] },
    controls: ['c'],
  },
  'model.evaluate': { folds: 5 },
  'model.train': {},
  'analysis.space': { seed: 1 },
  'analysis.heatmap': { caseId: '1', label: 'X' },
  'variants.import': { caseId: '1', file: { kind: 'bytes', name: 'a.vcf', data: 'AAAA' }, sample: 'S' },
  'variants.list': { caseId: '1', filter: { maxGnomadAf: 0.01, impacts: ['HIGH'], clinvarPathogenic: true } },
  'variants.deleteImport': { caseId: '1', importId: '1' },
  'catalogue.import': { file: { kind: 'token', token } },
  'catalogue.info': {},
  'jobs.cancel': { jobId: '1' },
};

/** Top-level keys the contract gives a default: leaving them out is valid. */
const DEFAULTED = new Set([
  'cases.list.filter',
  'cases.list.limit',
  'cases.list.kind',
  'cases.create.sex',
  'cases.create.birthYear',
  'cases.create.notes',
  'cases.update.sex',
  'cases.update.birthYear',
  'cases.update.notes',
  'cases.setDiagnosis.gene',
  'cases.solve.gene',
  'terms.search.limit',
  'syndromes.search.limit',
  'compare.faces.photoId',
  'gallery.import.controls',
  'model.evaluate.folds',
  'analysis.space.seed',
  'variants.import.sample',
  'variants.list.filter',
]);
/** String fields that carry photo bytes: their limit is 60 MB, tested once on its own. */
const BYTES_KEYS = new Set(['data']);
/** Fields whose contract refuses anything shaped like a path (ids, names, paths, term ids, enums). */
const PATH_REFUSING_KEYS = new Set(['name', 'path', 'termId', 'kind', 'status', 'sex']);

const HUGE = 'x'.repeat(1_000_001);
const PATH_LIKE = [
  '../../../etc/passwd',
  '..\\..\\Windows\\win.ini',
  '/etc/shadow',
  'C:\\x',
  'a/../b',
  './x',
  '\0',
];
const BAD_NUMBERS = [NaN, Infinity, -Infinity, -1, -(2 ** 53), 2 ** 53, 1e300];

function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function deepObject(depth: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
/** Values of every JSON kind (and the ones JSON cannot carry), for wrong-type replacements. */
const ANY_KIND: unknown[] = [
  'x',
  '',
  0,
  NaN,
  Infinity,
  true,
  [],
  ['x'],
  {},
  { kind: 'bytes' },
  deepArray(10_000),
  deepObject(10_000),
  new Array(100_000).fill('x'),
];
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Own keys that attempt prototype pollution when copied naively (JSON.parse makes `__proto__` an own key). */
const POLLUTION = JSON.parse(
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": true}}',
) as Record<string, unknown>;

/** mulberry32: a small seeded generator, so that a failing case can be found again. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Path = (string | number)[];
interface Case {
  name: string;
  input: unknown;
  what: string;
}

/** Every path into a value: keys of objects, indexes of arrays, down to the leaves. */
function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, child]) => {
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    return [p, ...paths(child, p)];
  });
}
function get(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], v);
}
/** A deep copy with the value at `p` replaced, or deleted when `value` is the symbol DELETE. */
const DELETE = Symbol('delete');
function edit(v: unknown, p: Path, value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  const parent = get(copy, p.slice(0, -1)) as Record<string | number, unknown>;
  const key = p[p.length - 1] as string | number;
  if (value === DELETE) Reflect.deleteProperty(parent, key);
  else parent[key] = value;
  return copy;
}

/** Every single break of every call's valid input: each is invalid by construction. */
function systematicCases(): Case[] {
  const out: Case[] = [];
  for (const [name, valid] of Object.entries(VALID)) {
    for (const top of [null, undefined, 'x', 1, NaN, true, [], [valid], HUGE, deepArray(10_000)])
      out.push({ name, input: top, what: `top-level ${kindOf(top)}` });
    for (const p of paths(valid)) {
      const key = p[p.length - 1];
      const base = get(valid, p);
      const where = `${name}.${p.join('.')}`;
      if (!(p.length === 1 && DEFAULTED.has(`${name}.${key}`)))
        out.push({ name, input: edit(valid, p, DELETE), what: `${where} missing` });
      for (const v of ANY_KIND)
        if (kindOf(v) !== kindOf(base))
          out.push({ name, input: edit(valid, p, v), what: `${where} as ${kindOf(v)}` });
      if (typeof base === 'string' && !BYTES_KEYS.has(String(key)))
        out.push({ name, input: edit(valid, p, HUGE), what: `${where} 1 MB string` });
      if (typeof base === 'string' && PATH_REFUSING_KEYS.has(String(key)))
        for (const s of PATH_LIKE) out.push({ name, input: edit(valid, p, s), what: `${where} = ${s}` });
      if (typeof base === 'number')
        for (const n of BAD_NUMBERS) out.push({ name, input: edit(valid, p, n), what: `${where} = ${n}` });
    }
  }
  // Unknown call names, including the ones an object lookup would find on Object.prototype.
  for (const name of [
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '../cases.list',
    '',
    'CASES.LIST',
  ])
    out.push({ name, input: {}, what: `call named '${name}'` });
  const bytes = 'A'.repeat(60_000_004);
  out.push({
    name: 'photos.add',
    input: { caseId: '1', files: [{ kind: 'bytes', name: 'a.jpg', data: bytes }] },
    what: 'photo over 60 MB',
  });
  out.push({
    name: 'photos.add',
    input: { caseId: '1', files: new Array(51).fill({ kind: 'bytes', name: 'a.jpg', data: 'AAAA' }) },
    what: '51 photos',
  });
  return out;
}

/** Seeded combinations: one break, plus pollution keys and junk fields that must not make it valid. */
function randomCases(systematic: Case[], count: number, seed: number): Case[] {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const base = systematic.filter(
    (c) => c.input !== null && typeof c.input === 'object' && !Array.isArray(c.input),
  );
  return Array.from({ length: count }, () => {
    const c = pick(base);
    // Spread, not Object.assign: JSON gives `__proto__` as an own key, and spreading keeps it one.
    let input: Record<string, unknown> = { ...(c.input as Record<string, unknown>) };
    if (rnd() < 0.5) input = { ...input, ...POLLUTION };
    for (let i = Math.floor(rnd() * 4); i > 0; i--) input[`extra${i}`] = pick(ANY_KIND);
    return { name: c.name, input, what: `${c.what} + extras (seed ${seed})` };
  });
}

async function within<T>(ms: number, p: Promise<T>): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('IPC fuzz', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'facepheno-fuzz-'));
  const dataDir = join(tmp, 'data');
  let service: Service;

  beforeAll(async () => {
    service = await Service.open({
      dataDir,
      modelsDir: join(tmp, 'models'),
      host: 'browser',
      emit: () => {},
    });
    const made = await service.handle('cases.create', { id: 'FUZZ-1', sex: 'female', notes: 'seed row' });
    expect(made.ok).toBe(true);
  });
  afterAll(async () => {
    await service?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('covers every call, and each valid base input passes', () => {
    expect(Object.keys(VALID).sort()).toEqual(Object.keys(calls).sort());
    for (const [name, input] of Object.entries(VALID))
      expect(() => parseInput(name as CallName, input)).not.toThrow();
  });

  it('refuses every malformed or oversized payload, leaving the store as it was', async () => {
    const systematic = systematicCases();
    const cases = [...systematic, ...randomCases(systematic, 5000, 20261129)];
    const before = { dump: logicalDump(storeFileIn(dataDir)), photos: photoFileNames(storeFileIn(dataDir)) };
    let slowest = 0;
    for (const c of cases) {
      // What the Electron handler runs: the name check, then the contract.
      const known = Object.hasOwn(calls, c.name);
      if (known) expect(() => parseInput(c.name as CallName, c.input), c.what).toThrow(ApiError);
      const start = performance.now();
      const reply = await within(5000, service.handle(c.name, c.input));
      slowest = Math.max(slowest, performance.now() - start);
      expect(reply, c.what).not.toBe('timeout');
      if (reply === 'timeout') continue;
      expect(reply.ok, c.what).toBe(false);
      if (!reply.ok) expect(reply.error, c.what).toMatch(/invalid request|unknown request/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const after = { dump: logicalDump(storeFileIn(dataDir)), photos: photoFileNames(storeFileIn(dataDir)) };
    expect(after).toEqual(before);
    expect(before.dump.rows).toBeGreaterThan(0);
    console.log(
      `IPC fuzz: ${cases.length} cases refused (slowest ${slowest.toFixed(0)} ms), store unchanged`,
    );
  });

  it('refuses path-shaped tokens and ids, which the contract lets through as strings, in the Service', async () => {
    const before = logicalDump(storeFileIn(dataDir));
    for (const s of [
      ...PATH_LIKE.filter((p) => p.length >= 16),
      `${tmp}/${'x'.repeat(8)}`,
      storeFileIn(dataDir),
    ]) {
      const asToken = { kind: 'token', token: s.padEnd(16, '/') };
      const attempts: [string, unknown][] = [
        ['terms.load', { file: asToken }],
        ['catalogue.import', { file: asToken }],
        ['cases.get', { id: s }],
        ['match.case', { caseId: s }],
        ['photos.image', { photoId: s, kind: 'original' }],
        ['compare.faces', { caseId: 'FUZZ-1', photoId: s, galleryPhotoId: s }],
        ['analysis.heatmap', { caseId: s, label: 'X' }],
        ['variants.list', { caseId: s }],
        ['cases.delete', { id: s }],
        ['photos.delete', { caseId: 'FUZZ-1', photoId: s }],
        ['variants.deleteImport', { caseId: 'FUZZ-1', importId: s }],
        ['cases.addToGallery', { caseId: s }],
      ];
      for (const [name, input] of attempts) {
        const reply = await within(5000, service.handle(name, input));
        expect(reply, `${name} ${s}`).toMatchObject({ ok: false });
        if (reply !== 'timeout' && !reply.ok)
          expect(reply.error, `${name} ${s}`).not.toMatch(/internal error/);
      }
    }
    expect(logicalDump(storeFileIn(dataDir))).toEqual(before);
  });

  it('strips pollution keys from a valid input instead of carrying them to the handler', () => {
    const parsed = parseInput('cases.get', { ...POLLUTION, id: '1' }) as object;
    expect(Object.keys(parsed)).toEqual(['id']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/**
 * Values a host can hand to ServiceHost.call that JSON cannot carry: the structured clone to the worker
 * copies some (dates, maps, typed arrays, big integers) and refuses others (functions, symbols, a value
 * too deep to copy, a getter that throws).
 */
function unclonable(): [string, unknown][] {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const throwing = Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
  const bare = Object.assign(Object.create(null) as object, { id: '1' });
  return [
    ['function', () => 1],
    ['symbol', Symbol('x')],
    ['bigint', 10n],
    ['date', new Date(0)],
    ['map', new Map([['id', '1']])],
    ['set', new Set(['1'])],
    ['regexp', /x/],
    ['typed array', new Uint8Array(4)],
    ['array buffer', new ArrayBuffer(8)],
    ['shared array buffer', new SharedArrayBuffer(8)],
    ['cyclic object', cyclic],
    ['throwing getter', throwing],
    ['null-prototype object', bare],
    ['error', new Error('x')],
    ['promise', Promise.resolve(1)],
    ['weak map', new WeakMap()],
    ['100000-deep array', deepArray(100_000)],
    ['class instance', new URL('http://127.0.0.1/')],
  ];
}

/** Whether the input, as the worker receives it (a structured clone), passes the contract. */
function validOnceCopied(name: string, input: unknown): boolean {
  try {
    parseInput(name as CallName, structuredClone(input));
    return true;
  } catch {
    return false;
  }
}

describe('IPC fuzz through the Service worker', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'facepheno-worker-fuzz-'));
  const dataDir = join(tmp, 'data');
  let host: ServiceHost;

  beforeAll(async () => {
    // The Service in its worker thread, as both hosts run it: the compiled worker.
    host = await ServiceHost.start(
      { dataDir, host: 'electron', modelsDir: join(tmp, 'models') },
      pathToFileURL(join(repoRoot, 'dist', 'src', 'main', 'service', 'service-worker.js')),
    );
    expect(await host.call('cases.create', { id: 'FUZZ-1', sex: 'female' })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await host?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('answers every malformed, oversized or uncopyable payload with a refusal, and keeps answering', async () => {
    const all: Case[] = systematicCases();
    for (const [name, valid] of Object.entries(VALID))
      for (const [kind, odd] of unclonable()) {
        all.push({ name, input: odd, what: `${name} as ${kind}` });
        for (const p of paths(valid))
          all.push({ name, input: edit(valid, p, odd), what: `${name}.${p.join('.')} as ${kind}` });
      }
    // Not sent: what arrives valid in the worker (a Date where an object of optional keys is expected is
    // an empty object once copied); every other case must be refused.
    const cases = all.filter((c) => !validOnceCopied(c.name, c.input));
    const before = logicalDump(storeFileIn(dataDir));
    let slowest = 0;
    for (const c of cases) {
      const start = performance.now();
      // A refusal must come back as a reply: never a throw or a rejected promise.
      const reply = await within(5000, host.call(c.name, c.input));
      slowest = Math.max(slowest, performance.now() - start);
      expect(reply, c.what).not.toBe('timeout');
      if (reply === 'timeout') continue;
      expect(reply.ok, c.what).toBe(false);
      if (!reply.ok) expect(reply.error, c.what).not.toMatch(/internal error/);
    }
    // Nothing refused changed the store; then it still answers (a listing, itself audited since finding 7).
    expect(logicalDump(storeFileIn(dataDir))).toEqual(before);
    expect(await host.call('cases.list', {})).toMatchObject({ ok: true, value: { total: 1 } });
    console.log(
      `IPC fuzz through the worker: ${cases.length} cases refused (slowest ${slowest.toFixed(0)} ms), store unchanged`,
    );
  }, 300_000);
});
