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

/** The bench's embedding model: a stand-in id (the vectors are synthetic). */
const model = { id: 'bench-gallery-read', sha256: 'b'.repeat(64) };
const batch = 1000;

/** Row r's vector: seeded uniform values in [-0.5, 0.5), as float32 bytes. */
function vectorOf(r: number, dim: number): Buffer {
  const rand = seededRandom(r + 1);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rand() - 0.5;
  return Buffer.from(v.buffer);
}

const pseudonymOf = (r: number) => `B${String(r + 1).padStart(8, '0')}`;

/** How many of the bench model's embeddings the schema holds (0 for a new one). */
function stored(store: Store): number {
  return store.db
    .prepare('SELECT count(*) FROM embeddings WHERE model_id = ?')
    .pluck()
    .get(model.id) as number;
}

/**
 * One transaction: the patients, photos, faces and diagnoses by generate_series on the server, the
 * vectors in statements of 1000 rows. The per-row gallery-version triggers are off while it fills (a
 * fixture, not an import) and the version is bumped once.
 */
function fill(store: Store, n: number, dim: number, say: (line: string) => void): void {
  const db = store.db;
  const now = new Date().toISOString();
  store.transaction(() => {
    db.exec('ALTER TABLE embeddings DISABLE TRIGGER USER; ALTER TABLE diagnoses DISABLE TRIGGER USER');
    db.exec("INSERT INTO syndromes (name) SELECT 'Bench syndrome ' || s FROM generate_series(1, 100) s");
    const settings = db
      .prepare('INSERT INTO analysis_settings (sha256, json, created_at) VALUES (?, ?, ?) RETURNING id')
      .pluck()
      .get('c'.repeat(64), '{}', now);
    db.prepare(
      `INSERT INTO patients (pseudonym, created_at, updated_at)
       SELECT 'B' || lpad(g::text, 8, '0'), ?, ? FROM generate_series(1, ?) g`,
    ).run(now, now, n);
    db.prepare(
      `INSERT INTO photos (patient_id, sha256, bytes, original_name, width, height, added_at, settings_id)
       SELECT id, lpad(to_hex(id), 64, '0'), 1, 'bench.jpg', 112, 112, ?, ? FROM patients ORDER BY id`,
    ).run(now, settings);
    db.exec(`INSERT INTO faces (photo_id, ordinal, is_primary, box_x, box_y, box_width, box_height, score,
        points5, quality)
      SELECT id, 0, 1, 0, 0, 1, 1, 1, '[[0,0],[0,0],[0,0],[0,0],[0,0]]', '{}' FROM photos ORDER BY id`);
    db.prepare(
      `INSERT INTO diagnoses (patient_id, syndrome_id, status, recorded_at)
       SELECT id, (SELECT min(id) FROM syndromes) + id % 100, 'confirmed', ? FROM patients`,
    ).run(now);
    const faces = db
      .prepare('SELECT f.id FROM faces f JOIN photos ph ON ph.id = f.photo_id ORDER BY ph.patient_id')
      .pluck()
      .all() as number[];
    const row = `(?, '${model.id}', '${model.sha256}', ${dim}, ?)`;
    const insert = (rows: number) =>
      db.prepare(
        `INSERT INTO embeddings (face_id, model_id, model_sha256, dim, vector) VALUES ${Array(rows).fill(row).join(', ')}`,
      );
    const full = insert(batch);
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const values = Array.from({ length: count }, (_, i) => [
        faces[start + i],
        vectorOf(start + i, dim),
      ]).flat();
      (count === batch ? full : insert(count)).run(...values);
      if (start > 0 && (start / batch) % 100 === 0) say(`  ${start.toLocaleString('en')} embeddings stored`);
    }
    db.exec('ALTER TABLE embeddings ENABLE TRIGGER USER; ALTER TABLE diagnoses ENABLE TRIGGER USER');
    db.exec('UPDATE store_meta SET gallery_version = gallery_version + 1');
  });
  // What autovacuum would do soon after such a load: the planner's row counts.
  db.exec('ANALYZE');
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
      m?.patient !== pseudonymOf(r) ||
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
      fill(store, n, dim, say);
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
