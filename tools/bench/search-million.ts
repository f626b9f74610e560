/**
 * Department-scale gallery search: top-k queries over 1,000,000 x 512 float32 embeddings (2.05 GB), the
 * size at which one department's pooled gallery stops fitting the "just scan it" intuition. The vectors
 * are synthetic: each value uniform in [-0.5, 0.5), every row then L2-normalised, seeded (a full scan
 * costs the same whatever the values; real embeddings only change which rows win). A known nearest row is
 * planted for every query, so the timings are of correct searches.
 *
 * Times each query alone (median and p95 over --queries queries, k = 10 and 50):
 *   - on one core, the float32 scan: src/main/match/topk.ts's SIMD SearchIndex without its prefilter,
 *     beside the floor no float32 scan can beat: reading every value once (SearchIndex.readAll);
 *   - on one core, the int8 prefilter (src/main/match/quantised.ts: a quarter of the bytes) with float32
 *     re-ranking of the rows it cannot rule out; every query's hits and scores must equal the float32
 *     scan's, and the rows re-ranked per query are reported;
 *   - on worker threads over shards (--workers, default every core; 0 skips): each worker holds its shard
 *     in a SearchIndex of its own (prefiltered when the shard is large enough); a query goes to all,
 *     their top-k lists are merged.
 * The 1-minute load average is printed after each part: on a shared machine it says how far to trust them.
 * With --postgres URL it also times reading such a gallery from a PostgreSQL store once (the rows to
 * Float32Arrays, store.galleryEmbeddings), which matching does once per gallery version and then keeps.
 *   npm run build && npm run bench:search-1m [-- --rows N --dim D --queries Q --workers W --postgres URL --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { seededRandom } from '../../src/main/match/random.js';
import { SearchIndex, type Hit } from '../../src/main/match/topk.js';
import { dot, stack, type Matrix } from '../../src/main/match/vectors.js';
import { Store } from '../../src/main/store/store.js';
import { benchPseudonym, fillPostgresGallery } from './postgres-gallery.js';

interface ShardData {
  gallery: SharedArrayBuffer;
  cols: number;
  start: number;
  end: number;
}

type ShardRequest = { query: Float32Array; k: number };
type ShardReply = { ready: true; buildMs: number; prefiltered: boolean } | { hits: Hit[] };

const ks = [10, 50];

/** Fills `data` (rows x cols) with seeded unit rows. */
function randomUnitRows(data: Float32Array, cols: number, seed: number): void {
  const rand = seededRandom(seed);
  for (let off = 0; off < data.length; off += cols) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = rand() - 0.5;
      data[off + c] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let c = 0; c < cols; c++) data[off + c] = (data[off + c] as number) * inv;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Timing {
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

function timing(ms: number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  return {
    medianMs: percentile(s, 50),
    p95Ms: percentile(s, 95),
    minMs: s[0] as number,
    maxMs: s.at(-1) as number,
  };
}

function describe(t: Timing): string {
  return (
    `median ${t.medianMs.toFixed(1)} ms, p95 ${t.p95Ms.toFixed(1)} ms (min ${t.minMs.toFixed(1)}, max ${t.maxMs.toFixed(1)}) ` +
    (t.p95Ms < 200 ? '< 200 ms' : '>= 200 ms: NOT interactive')
  );
}

/** One core's figures: build time, per-k timings and re-ranked rows per query, and the hits by k:query. */
interface OneCore {
  buildMs: number;
  hits: Map<string, Hit[]>;
  timings: Record<string, Timing>;
  candidates: Record<string, number[]>;
}

/** The best k of several shards' top-k lists. */
function merge(lists: Hit[][], k: number): Hit[] {
  return lists
    .flat()
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k);
}

/** Worker side: one shard's SearchIndex, answering queries until the main thread goes. */
function serveShard(): void {
  const { gallery, cols, start, end } = workerData as ShardData;
  const port = parentPort;
  if (!port) throw new Error('search-million: a shard runs in a worker thread');
  const t0 = performance.now();
  const all = new Float32Array(gallery);
  const index = new SearchIndex({ rows: end - start, cols, data: all.subarray(start * cols, end * cols) });
  port.postMessage({
    ready: true,
    buildMs: performance.now() - t0,
    prefiltered: index.prefiltered,
  } satisfies ShardReply);
  port.on('message', ({ query, k }: ShardRequest) => {
    const [hits = []] = index.search({ rows: 1, cols, data: query }, k);
    port.postMessage({
      hits: hits.map((h) => ({ index: h.index + start, score: h.score })),
    } satisfies ShardReply);
  });
}

/** A worker answering one request at a time: the reply to the request in flight settles its promise. */
class Shard {
  private pending: { resolve(m: ShardReply): void; reject(e: unknown): void } | undefined;
  readonly ready: Promise<ShardReply>;

  constructor(readonly worker: Worker) {
    worker.on('message', (m: ShardReply) => this.settle((p) => p.resolve(m)));
    worker.on('error', (e) => this.settle((p) => p.reject(e)));
    this.ready = this.next();
  }

  ask(req: ShardRequest): Promise<ShardReply> {
    const reply = this.next();
    this.worker.postMessage(req);
    return reply;
  }

  private next(): Promise<ShardReply> {
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  private settle(fn: (p: NonNullable<Shard['pending']>) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) fn(p);
  }
}

/** The shards' workers, each built and ready; `search` asks all and merges. */
async function startShards(gallery: SharedArrayBuffer, rows: number, cols: number, count: number) {
  const shards = Array.from({ length: count }, (_, i) => {
    const start = Math.floor((i * rows) / count);
    const end = Math.floor(((i + 1) * rows) / count);
    return new Shard(
      new Worker(new URL(import.meta.url), { workerData: { gallery, cols, start, end } satisfies ShardData }),
    );
  });
  const built = await Promise.all(shards.map((s) => s.ready));
  const hits = (m: ShardReply) => ('hits' in m ? m.hits : []);
  return {
    buildMs: Math.max(...built.map((m) => ('buildMs' in m ? m.buildMs : NaN))),
    prefiltered: built.every((m) => 'prefiltered' in m && m.prefiltered),
    search: async (query: Float32Array, k: number) =>
      merge((await Promise.all(shards.map((s) => s.ask({ query, k })))).map(hits), k),
    stop: () => Promise.all(shards.map((s) => s.worker.terminate())),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      dim: { type: 'string', default: '512' },
      queries: { type: 'string', default: '40' },
      workers: { type: 'string', default: String(availableParallelism()) },
      postgres: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const rows = Number(values.rows);
  const cols = Number(values.dim);
  const queryCount = Number(values.queries);
  const workerCount = Number(values.workers);
  for (const [flag, v, min] of [
    ['--rows', rows, 100],
    ['--dim', cols, 1],
    ['--queries', queryCount, 25],
    ['--workers', workerCount, 0],
  ] as const)
    if (!Number.isInteger(v) || v < min) throw new Error(`${flag} must be a whole number >= ${min}`);
  const say = (line: string) => {
    if (!values.json) console.log(line);
  };
  const loadBefore = loadavg()[0] as number;

  let t0 = performance.now();
  const shared = new SharedArrayBuffer(rows * cols * 4);
  const gallery: Matrix = { rows, cols, data: new Float32Array(shared) };
  randomUnitRows(gallery.data, cols, 1);
  const queries = new Float32Array(queryCount * cols);
  randomUnitRows(queries, cols, 2);
  // Each query's exact copy sits somewhere in the gallery: the search must return it first.
  const planted = Array.from({ length: queryCount }, (_, q) => Math.floor(((q + 0.5) * rows) / queryCount));
  planted.forEach((row, q) => gallery.data.set(queries.subarray(q * cols, (q + 1) * cols), row * cols));
  const generateMs = performance.now() - t0;
  const mb = (rows * cols * 4) / 1e6;
  say(
    `gallery: ${rows.toLocaleString('en')} x ${cols} float32 (${mb.toFixed(0)} MB), values uniform in [-0.5, 0.5) ` +
      `then rows L2-normalised, seed 1; ${queryCount} queries, each planted in the gallery; made in ${(generateMs / 1000).toFixed(1)} s`,
  );

  const check = (q: number, hits: Hit[], k: number) => {
    if (hits.length !== Math.min(k, rows) || hits[0]?.index !== planted[q])
      throw new Error(`query ${q}: top hit row ${hits[0]?.index}, expected the planted row ${planted[q]}`);
    return hits;
  };
  const query = (q: number) => queries.subarray(q * cols, (q + 1) * cols);

  // One core, the main thread's index: first the float32 scan, then the int8 prefilter with float32
  // re-ranking (each index built alone, so that two copies of 2 GB are never held at once).
  const loads: Record<string, number> = { before: loadBefore };
  const oneCore = (prefilter: boolean, reference?: Map<string, Hit[]>) => {
    const t = performance.now();
    const index = new SearchIndex(gallery, { prefilter });
    const buildMs = performance.now() - t;
    const result: OneCore = { buildMs, hits: new Map(), timings: {}, candidates: {} };
    for (const k of ks) {
      const ms: number[] = [];
      const rerank: number[] = [];
      index.search({ rows: 1, cols, data: query(0) }, k); // warm-up
      for (let q = 0; q < queryCount; q++) {
        const t1 = performance.now();
        const [hits = []] = index.search({ rows: 1, cols, data: query(q) }, k);
        ms.push(performance.now() - t1);
        rerank.push(index.lastCandidates[0] ?? -1);
        result.hits.set(`${k}:${q}`, check(q, hits, k));
        const expected = reference?.get(`${k}:${q}`);
        if (expected && JSON.stringify(hits) !== JSON.stringify(expected))
          throw new Error(`query ${q}, k ${k}: the prefiltered hits differ from the float32 scan's`);
      }
      result.timings[`top${k}`] = timing(ms);
      result.candidates[`top${k}`] = rerank;
    }
    return { index, result };
  };
  const float = oneCore(false);
  const readMs: number[] = [];
  let sink = 0;
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    sink += float.index.readAll();
    readMs.push(performance.now() - t0);
  }
  const read = timing(readMs);
  const float32 = float.result;
  loads.float32 = loadavg()[0] as number;
  say(
    `one core, float32 scan: index built in ${(float32.buildMs / 1000).toFixed(1)} s; reading every value once ` +
      `(its floor) median ${read.medianMs.toFixed(1)} ms (${(mb / read.medianMs).toFixed(1)} GB/s); load ${loads.float32.toFixed(2)}`,
  );
  for (const k of ks) say(`  top-${k}: ${describe(float32.timings[`top${k}`] as Timing)}`);
  const int8 = oneCore(true, float32.hits).result;
  loads.int8 = loadavg()[0] as number;
  say(
    `one core, int8 prefilter (${((rows * Math.ceil(cols / 64) * 64) / 1e6).toFixed(0)} MB) + float32 re-ranking: ` +
      `index built in ${(int8.buildMs / 1000).toFixed(1)} s; load ${loads.int8.toFixed(2)}`,
  );
  for (const k of ks) {
    const rerank = int8.candidates[`top${k}`] as number[];
    const sorted = rerank.filter((n) => n >= 0).sort((x, y) => x - y);
    say(
      `  top-${k}: ${describe(int8.timings[`top${k}`] as Timing)}; hits and scores equal the float32 scan's; ` +
        `rows re-ranked in float32 median ${sorted.length ? percentile(sorted, 50) : '-'}, max ${sorted.at(-1) ?? '-'}` +
        `${sorted.length < rerank.length ? `, ${rerank.length - sorted.length} query(ies) fell back to the float32 scan` : ''}`,
    );
  }

  // Worker threads over shards, each searching its shard as SearchIndex chooses by size.
  let sharded: Record<string, Timing> | undefined;
  let shardsBuildMs: number | undefined;
  if (workerCount > 0) {
    const shards = await startShards(shared, rows, cols, workerCount);
    shardsBuildMs = shards.buildMs;
    sharded = {};
    try {
      for (const k of ks) {
        const ms: number[] = [];
        await shards.search(query(0), k); // warm-up
        for (let q = 0; q < queryCount; q++) {
          t0 = performance.now();
          const hits = await shards.search(query(q), k);
          ms.push(performance.now() - t0);
          check(q, hits, k);
          const alone = float32.hits.get(`${k}:${q}`) ?? [];
          if (hits.some((h, i) => h.index !== alone[i]?.index))
            throw new Error(`query ${q}, k ${k}: the shards' merged top-k differs from one index's`);
        }
        sharded[`top${k}`] = timing(ms);
      }
    } finally {
      await shards.stop();
    }
    loads.workers = loadavg()[0] as number;
    say(
      `${workerCount} worker thread(s) over ${workerCount} shard(s) of ${Math.ceil(rows / workerCount).toLocaleString('en')} rows ` +
        `(${shards.prefiltered ? 'int8 prefilter' : 'float32 scan'}): built in ${(shards.buildMs / 1000).toFixed(1)} s; load ${loads.workers.toFixed(2)}`,
    );
    for (const k of ks) say(`  top-${k}: ${describe(sharded[`top${k}`] as Timing)} (same hits as one core)`);
  }

  const postgres = values.postgres ? await readFromPostgres(values.postgres, gallery, say) : undefined;
  loads.after = loadavg()[0] as number;
  say(
    `machine: ${availableParallelism()} core(s); 1-minute load average ${Object.entries(loads)
      .map(([when, l]) => `${l.toFixed(2)} ${when === 'before' || when === 'after' ? when : `after ${when}`}`)
      .join(', ')}`,
  );
  const summary = (r: OneCore) => ({
    buildMs: r.buildMs,
    ...r.timings,
    rerankedRows: r.candidates,
  });
  if (values.json)
    console.log(
      JSON.stringify({
        rows,
        dim: cols,
        megabytes: mb,
        queries: queryCount,
        vectors: 'uniform [-0.5, 0.5) per value, rows L2-normalised, seed 1; each query planted',
        oneCore: { read, float32: summary(float32), int8: summary(int8) },
        workers: sharded && { count: workerCount, buildMs: shardsBuildMs, ...sharded },
        postgres,
        cores: availableParallelism(),
        load: loads,
        checksum: sink !== 0,
      }),
    );
}

/** The bench's embedding model: a stand-in id (the gallery's vectors are synthetic). */
const benchModel = { id: 'bench-512', sha256: 'b'.repeat(64) };

/**
 * Times what matching does once per gallery version: store.galleryEmbeddings (the gallery query, every
 * row's blob to a Float32Array) from a PostgreSQL store, then stacking the rows into one matrix for the
 * SearchIndex. Fills a schema of its own first (dropped afterwards unless the URL names one).
 */
async function readFromPostgres(
  url: string,
  gallery: Matrix,
  say: (line: string) => void,
): Promise<{ fillMs: number; readMs: number; stackMs: number; rows: number }> {
  const target = new URL(url);
  const ownSchema = !target.searchParams.has('schema');
  if (ownSchema) target.searchParams.set('schema', `bench_search_${process.pid}`);
  const photosDir = mkdtempSync(join(tmpdir(), 'facepheno-bench-photos-'));
  const store = Store.open(target.toString(), { photosDir, osUser: 'bench' });
  try {
    let t0 = performance.now();
    const bytes = gallery.cols * 4;
    fillPostgresGallery(
      store,
      {
        rows: gallery.rows,
        dim: gallery.cols,
        model: benchModel,
        vector: (r) => Buffer.from(gallery.data.buffer, gallery.data.byteOffset + r * bytes, bytes),
      },
      (line) => say(`postgres:${line}`),
    );
    const fillMs = performance.now() - t0;
    say(
      `postgres: ${gallery.rows.toLocaleString('en')} gallery members stored in ${(fillMs / 1000).toFixed(1)} s`,
    );
    t0 = performance.now();
    const members = store.galleryEmbeddings(benchModel.id);
    const readMs = performance.now() - t0;
    t0 = performance.now();
    const matrix = stack(members.map((m) => m.vector));
    const stackMs = performance.now() - t0;
    if (matrix.rows !== gallery.rows)
      throw new Error(`postgres: read ${matrix.rows} rows, stored ${gallery.rows}`);
    for (const r of [0, Math.floor(gallery.rows / 2), gallery.rows - 1])
      if (
        members[r]?.patient !== benchPseudonym(r) ||
        dot(
          matrix.data.subarray(r * gallery.cols, (r + 1) * gallery.cols),
          gallery.data.subarray(r * gallery.cols, (r + 1) * gallery.cols),
        ) < 0.9999
      )
        throw new Error(`postgres: gallery row ${r} does not read back as stored`);
    say(
      `postgres: store.galleryEmbeddings read ${members.length.toLocaleString('en')} members in ${(readMs / 1000).toFixed(2)} s, ` +
        `stacked into one matrix in ${stackMs.toFixed(0)} ms (once per gallery version; matching keeps the index in memory)`,
    );
    return { fillMs, readMs, stackMs, rows: members.length };
  } finally {
    if (ownSchema) store.db.exec(`DROP SCHEMA ${target.searchParams.get('schema')} CASCADE`);
    store.close();
    rmSync(photosDir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else serveShard();
