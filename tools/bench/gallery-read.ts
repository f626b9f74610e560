/**
 * Reading a gallery from a PostgreSQL store: store.galleryEmbeddings over N synthetic 512-d embeddings,
 * which matching does once per gallery version. The store's connection runs in a worker thread and the
 * caller blocks until the rows are across (src/main/store/postgres), so this times that bridge as well as
 * the server; beside it, the floor: node-pg reading the same embeddings directly on this thread.
 *
 * Fills a schema of its own first (one confirmed patient, photo, primary face, diagnosis and embedding
 * per row; each row's vector seeded by its number, so any row can be checked), through the store's own
 * connection. With --keep the schema is named by N and kept, and a later run with the same N reads it
 * without filling again (filling 1,000,000 takes minutes); otherwise it is dropped at the end.
 *   npm run build && npm run bench:gallery-read -- --postgres URL [--n N] [--dim D] [--reads R] [--keep] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { seededRandom } from '../../src/main/match/random.js';
import { Store } from '../../src/main/store/store.js';
import { benchPseudonym, fillPostgresGallery } from './postgres-gallery.js';

/** The bench's embedding model: a stand-in id (the vectors are synthetic). */
const model = { id: 'bench-gallery-read', sha256: 'b'.repeat(64) };

/** Row r's vector: seeded uniform values in [-0.5, 0.5), as float32 bytes. */
function vectorOf(r: number, dim: number): Buffer {
  const rand = seededRandom(r + 1);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rand() - 0.5;
  return Buffer.from(v.buffer);
}

/** How many of the bench model's embeddings the schema holds (0 for a new one). */
function stored(store: Store): number {
  return store.db
    .prepare('SELECT count(*) FROM embeddings WHERE model_id = ?')
    .pluck()
    .get(model.id) as number;
}

/** The gallery as the store reads it, checked: every member there, in order, first/middle/last exact. */
function readGallery(store: Store, n: number, dim: number): number {
  const t0 = performance.now();
  const members = store.galleryEmbeddings(model.id);
  const ms = performance.now() - t0;
  if (members.length !== n) throw new Error(`read ${members.length} gallery members, stored ${n}`);
  for (const r of [0, Math.floor(n / 2), n - 1]) {
    const m = members[r];
    const expected = vectorOf(r, dim);
    if (
      m?.patient !== benchPseudonym(r) ||
      !Buffer.from(m.vector.buffer, m.vector.byteOffset, m.vector.byteLength).equals(expected)
    )
      throw new Error(`gallery member ${r} does not read back as stored`);
  }
  return ms;
}

/** node-pg on this thread, no bridge: the same embeddings (face id and vector), rows as arrays. */
async function readDirect(connectionString: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    const t0 = performance.now();
    const r = await client.query({
      text: 'SELECT face_id, vector FROM embeddings WHERE model_id = $1',
      values: [model.id],
      rowMode: 'array',
    });
    const ms = performance.now() - t0;
    if (r.rows.length === 0) throw new Error('the direct read found no embeddings');
    return ms;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      postgres: { type: 'string' },
      n: { type: 'string', default: '100000' },
      dim: { type: 'string', default: '512' },
      reads: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.postgres)
    throw new Error('--postgres URL is required (a database the bench may add a schema to)');
  const n = Number(values.n);
  const dim = Number(values.dim);
  const reads = Number(values.reads);
  for (const [flag, v] of [
    ['--n', n],
    ['--dim', dim],
    ['--reads', reads],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} must be a whole number >= 1`);
  const say = (line: string) => {
    if (!values.json) console.log(line);
  };

  const url = new URL(values.postgres);
  const schema = values.keep ? `bench_gallery_${n}_${dim}` : `bench_gallery_${process.pid}`;
  url.searchParams.set('schema', schema);
  const photosDir = mkdtempSync(join(tmpdir(), 'facepheno-bench-photos-'));
  const store = Store.open(url.toString(), { photosDir, osUser: 'bench' });
  try {
    let fillMs: number | null = null;
    const have = stored(store);
    if (have !== n) {
      if (have !== 0) throw new Error(`schema ${schema} holds ${have} embeddings, not ${n}: drop it first`);
      const t0 = performance.now();
      fillPostgresGallery(store, { rows: n, dim, model, vector: (r) => vectorOf(r, dim) }, say);
      fillMs = performance.now() - t0;
      say(`filled ${n.toLocaleString('en')} gallery members in ${(fillMs / 1000).toFixed(1)} s`);
    }
    const storeMs: number[] = [];
    for (let i = 0; i < reads; i++) {
      storeMs.push(readGallery(store, n, dim));
      say(
        `store.galleryEmbeddings: ${n.toLocaleString('en')} members in ${((storeMs.at(-1) ?? 0) / 1000).toFixed(2)} s`,
      );
    }
    url.searchParams.delete('schema');
    const directMs = await readDirect(url.toString(), schema);
    say(`node-pg directly (face_id, vector): ${(directMs / 1000).toFixed(2)} s`);
    const load = loadavg()[0] as number;
    say(`1-minute load average: ${load.toFixed(2)}`);
    if (values.json) console.log(JSON.stringify({ n, dim, schema, fillMs, storeMs, directMs, load }));
  } finally {
    if (!values.keep) store.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    store.close();
    rmSync(photosDir, { recursive: true, force: true });
  }
}

await main();
