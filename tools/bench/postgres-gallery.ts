import type { Store } from '../../src/main/store/store.js';

/** The pseudonym of the gallery's row `r` (0-based), as the fill names it. */
export const benchPseudonym = (r: number): string => `B${String(r + 1).padStart(8, '0')}`;

/**
 * Fills a new PostgreSQL store with a synthetic gallery in one transaction: one confirmed patient per row
 * (patient, photo, primary face, diagnosis by generate_series on the server) and its embedding, the vectors
 * sent 1000 rows per statement. A bench fixture, not an import: the per-row gallery-version triggers are
 * off while it fills and the version is bumped once.
 */
export function fillPostgresGallery(
  store: Store,
  gallery: {
    rows: number;
    dim: number;
    model: { id: string; sha256: string };
    vector: (row: number) => Buffer;
  },
  say: (line: string) => void,
): void {
  const db = store.db;
  const now = new Date().toISOString();
  const batch = 1000;
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
    ).run(now, now, gallery.rows);
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
    const row = `(?, '${gallery.model.id}', '${gallery.model.sha256}', ${gallery.dim}, ?)`;
    const insert = (rows: number) =>
      db.prepare(
        `INSERT INTO embeddings (face_id, model_id, model_sha256, dim, vector) VALUES ${Array(rows).fill(row).join(', ')}`,
      );
    const full = insert(batch);
    for (let start = 0; start < gallery.rows; start += batch) {
      const count = Math.min(batch, gallery.rows - start);
      const values = Array.from({ length: count }, (_, i) => [
        faces[start + i],
        gallery.vector(start + i),
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
