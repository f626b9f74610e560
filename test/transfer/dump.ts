/**
 * A logical dump of cases, by natural keys only (pseudonym, photo sha256, face ordinal, syndrome name,
 * VCF sha256 and sample, variant line and allele): equal for the same cases in two databases whatever
 * ids each gave them. Works on any handle with better-sqlite3's prepare().all(), so on either backend.
 */

import { bySql, type Db } from '../../src/main/store/db.js';

interface Reader {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

type Row = Record<string, unknown>;

/** Columns holding JSON text: compared as values, since a backend may store them as JSON (key order). */
const jsonColumns = new Set(['points5', 'quality', 'details', 'samples', 'annotation_sources', 'json']);

/**
 * Row ids and the columns that hold another table's row id: they differ between databases. So do an audit
 * entry's chain hashes (prev_hash, hash): they cover its id and its database's chain, and a moved entry
 * joins the target's chain.
 */
const idColumns = new Set([
  'prev_hash',
  'hash',
  'pack_id',
  'member_id',
  'id',
  'patient_id',
  'photo_id',
  'face_id',
  'settings_id',
  'syndrome_id',
  'import_id',
  'variant_id',
]);

/** Drops ids and references and makes every value comparable. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (idColumns.has(k)) continue;
    if (Buffer.isBuffer(v)) out[k] = `blob:${v.toString('hex')}`;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (typeof v === 'bigint') out[k] = Number(v);
    else if (jsonColumns.has(k) && typeof v === 'string') out[k] = JSON.parse(v);
    else out[k] = v;
  }
  return out;
}

function rows(db: Reader, sql: string, ...params: unknown[]): Row[] {
  return db.prepare(sql).all(...params) as Row[];
}

/** Everything the named cases hold, their audit trail included (less the entries recording a move). */
export function dumpCases(db: Reader, pseudonyms: readonly string[]): Row[] {
  return [...pseudonyms].sort().map((pseudonym) => {
    const [patient] = rows(db, 'SELECT * FROM patients WHERE pseudonym = ?', pseudonym);
    if (!patient) throw new Error(`no case '${pseudonym}'`);
    const photos = rows(
      db,
      `SELECT p.*, s.json FROM photos p JOIN analysis_settings s ON s.id = p.settings_id
       WHERE p.patient_id = ? ORDER BY p.sha256`,
      patient.id,
    ).map((photo) => ({
      ...plain(photo),
      faces: rows(db, 'SELECT * FROM faces WHERE photo_id = ? ORDER BY ordinal', photo.id).map((face) => ({
        ...plain(face),
        embeddings: rows(db, 'SELECT * FROM embeddings WHERE face_id = ? ORDER BY model_id', face.id).map(
          (e) => plain(e),
        ),
      })),
    }));
    const diagnoses = rows(
      db,
      `SELECT d.*, s.name, s.omim, s.orpha, s.mondo FROM diagnoses d JOIN syndromes s ON s.id = d.syndrome_id
       WHERE d.patient_id = ? ORDER BY s.name`,
      patient.id,
    ).map((d) => plain(d));
    const terms = rows(
      db,
      'SELECT * FROM patient_terms WHERE patient_id = ? ORDER BY term_id',
      patient.id,
    ).map((t) => plain(t));
    const vcfs = rows(
      db,
      'SELECT * FROM vcf_imports WHERE patient_id = ? ORDER BY sha256, sample',
      patient.id,
    ).map((i) => ({
      ...plain(i),
      variants: rows(db, 'SELECT * FROM variants WHERE import_id = ? ORDER BY line, alt_index', i.id).map(
        (v) => ({
          ...plain(v),
          annotations: rows(
            db,
            'SELECT * FROM variant_annotations WHERE variant_id = ? ORDER BY ordinal',
            v.id,
          ).map((a) => plain(a)),
        }),
      ),
    }));
    const controlSource = rows(db, 'SELECT source FROM control_sources WHERE patient_id = ?', patient.id);
    const audit = rows(
      db,
      "SELECT * FROM audit_log WHERE patient = ? AND action <> 'patient.migrate' ORDER BY id",
      pseudonym,
    ).map((a) => plain(a));
    return { ...plain(patient), controlSource, photos, diagnoses, terms, vcfs, audit };
  });
}

/** Every gallery pack with its members and their embeddings, by the pack's content hash and member id. */
export function dumpPacks(db: Reader): Row[] {
  return rows(db, 'SELECT * FROM gallery_packs ORDER BY content_sha256').map((pack) => ({
    ...plain(pack),
    members: rows(db, 'SELECT * FROM pack_members WHERE pack_id = ? ORDER BY member', pack.id).map((m) => ({
      ...plain(m),
      embeddings: rows(db, 'SELECT * FROM pack_embeddings WHERE member_id = ? ORDER BY id', m.id).map((e) =>
        plain(e),
      ),
    })),
  }));
}

/** The audit entries that name no patient, less those recording a move, in order. */
export function dumpStoreAudit(db: Reader): Row[] {
  return rows(
    db,
    "SELECT * FROM audit_log WHERE patient IS NULL AND action <> 'store.migrate' ORDER BY id",
  ).map((a) => plain(a));
}

/** How many rows of each kind the named cases hold, counted independently of the migration's own check. */
export function countCases(db: Reader, pseudonyms: readonly string[]) {
  const cases = dumpCases(db, pseudonyms) as unknown as {
    controlSource: unknown[];
    photos: { sha256: string; faces: { embeddings: unknown[] }[] }[];
    diagnoses: unknown[];
    terms: unknown[];
    vcfs: { variants: { annotations: unknown[] }[] }[];
  }[];
  const sum = <T>(list: T[], f: (x: T) => number) => list.reduce((s, x) => s + f(x), 0);
  return {
    patients: cases.length,
    controlSources: sum(cases, (c) => c.controlSource.length),
    photos: sum(cases, (c) => c.photos.length),
    photoFiles: new Set(cases.flatMap((c) => c.photos.map((p) => p.sha256))).size,
    faces: sum(cases, (c) => sum(c.photos, (p) => p.faces.length)),
    embeddings: sum(cases, (c) => sum(c.photos, (p) => sum(p.faces, (f) => f.embeddings.length))),
    diagnoses: sum(cases, (c) => c.diagnoses.length),
    terms: sum(cases, (c) => c.terms.length),
    vcfImports: sum(cases, (c) => c.vcfs.length),
    variants: sum(cases, (c) => sum(c.vcfs, (i) => i.variants.length)),
    variantAnnotations: sum(cases, (c) => sum(c.vcfs, (i) => sum(i.variants, (v) => v.annotations.length))),
  };
}

/**
 * Every row of every table of the store's own namespace (ids and all), each table's rows sorted: equal
 * before and after means nothing was written. Either backend, through the store's own connection.
 */
export function dumpDatabase(db: Db): Record<string, string[]> {
  const tables = db
    .prepare(
      bySql(db, {
        sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        postgres: `SELECT table_name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
      }),
    )
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    tables.map((t) => [
      t,
      rows(db, `SELECT * FROM ${t}`)
        .map((r) => JSON.stringify(r))
        .sort(),
    ]),
  );
}
