import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import type { Db } from './db.js';
import { unlockDatabase } from './encryption.js';
import { migrationSha256, orderedMigrations } from './migrate.js';
import * as allMigrations from './migrations/index.js';
import { PhotoFiles, photoSealKey, sha256Hex } from './photo-files.js';
import { appendEntry } from './repos/audit.js';
import { photosDirFor, type Store } from './store.js';

/** A workstation's case database, opened read-only: the transfer never writes to it. */
export interface TransferSource {
  readonly db: Database.Database;
  readonly file: string;
  readonly photos: PhotoFiles;
  /** store_meta.store_id: names the workstation's database in the target's audit log. */
  readonly storeId: string;
  close(): void;
}

/** How many of each kind of record the target holds for the moved cases, read back before commit. */
export interface TransferCounts {
  patients: number;
  photos: number;
  /** Distinct photo files the moved photos name (content-addressed: one file however many rows). */
  photoFiles: number;
  /** Of those, the files the target did not have yet. */
  photoFilesWritten: number;
  faces: number;
  embeddings: number;
  diagnoses: number;
  /** The source's syndrome catalogue, merged into the target's by name and OMIM/ORPHA/MONDO id. */
  syndromes: number;
  terms: number;
  /** The source's audit log, copied as it was, plus the entries that record this migration. */
  auditRows: number;
  vcfImports: number;
  variants: number;
  variantAnnotations: number;
  /** Controls' photo sources (the label a control was imported under). */
  controlSources: number;
  /** Gallery packs from other centres new to the target (a pack it has, by content, is not copied again). */
  galleryPacks: number;
  packMembers: number;
  packEmbeddings: number;
}

export interface TransferReport {
  from: string;
  /** The target, a password in a URL replaced by ***. */
  to: string;
  sourceStoreId: string;
  counts: TransferCounts;
  /** The source's gallery packs that the target already held. */
  packsAlreadyThere: number;
  /** Department-wide reference data the source holds but a migration leaves behind, with row counts. */
  notMoved: Record<string, number>;
}

/** Reference data, not cases: the department database keeps its own (HPO release, vcf catalogue). */
const referenceTables = [
  'hpo_release',
  'hpo_terms',
  'hpo_synonyms',
  'hpo_parents',
  'gene_catalogue',
  'gene_syndromes',
];
/**
 * Bookkeeping and caches of the source database itself, meaningless in another one (a fitted matcher is
 * valid for its own store's gallery version only; the target refits on its first match).
 */
const ownTables = ['schema_migrations', 'store_meta', 'matcher_cache'];
/** Merged by their natural keys rather than copied. */
const mergedTables = ['syndromes', 'syndrome_genes', 'analysis_settings'];

interface Step {
  table: string;
  /** The source's order, so copies keep the relative order of ids. */
  orderBy: string;
  /** Columns holding a source id of another table, by that table. */
  refs: Record<string, string>;
  /** The count for the report. */
  count: keyof TransferCounts;
  /** A unique column by which a row the target already has is recognised: not copied, nor its children. */
  mergeOn?: string;
  /**
   * The audit log: its entries are appended to the target's own chain (new ids, new hashes over the same
   * who, what and when), since the source's hashes cover its own ids and chain.
   */
  chained?: true;
}

/** Case records in dependency order; each row gets a new id in the target (never assumed equal). */
const steps: Step[] = [
  { table: 'patients', orderBy: 'id', refs: {}, count: 'patients' },
  {
    table: 'control_sources',
    orderBy: 'patient_id',
    refs: { patient_id: 'patients' },
    count: 'controlSources',
  },
  {
    table: 'photos',
    orderBy: 'id',
    refs: { patient_id: 'patients', settings_id: 'analysis_settings' },
    count: 'photos',
  },
  { table: 'faces', orderBy: 'id', refs: { photo_id: 'photos' }, count: 'faces' },
  { table: 'embeddings', orderBy: 'face_id, model_id', refs: { face_id: 'faces' }, count: 'embeddings' },
  {
    table: 'diagnoses',
    orderBy: 'id',
    refs: { patient_id: 'patients', syndrome_id: 'syndromes' },
    count: 'diagnoses',
  },
  {
    table: 'patient_terms',
    orderBy: 'patient_id, term_id',
    refs: { patient_id: 'patients' },
    count: 'terms',
  },
  { table: 'vcf_imports', orderBy: 'id', refs: { patient_id: 'patients' }, count: 'vcfImports' },
  { table: 'variants', orderBy: 'id', refs: { import_id: 'vcf_imports' }, count: 'variants' },
  {
    table: 'variant_annotations',
    orderBy: 'variant_id, ordinal',
    refs: { variant_id: 'variants' },
    count: 'variantAnnotations',
  },
  { table: 'gallery_packs', orderBy: 'id', refs: {}, count: 'galleryPacks', mergeOn: 'content_sha256' },
  { table: 'pack_members', orderBy: 'id', refs: { pack_id: 'gallery_packs' }, count: 'packMembers' },
  { table: 'pack_embeddings', orderBy: 'id', refs: { member_id: 'pack_members' }, count: 'packEmbeddings' },
  // The log names patients by pseudonym, which the move keeps, so its rows need no remapping.
  { table: 'audit_log', orderBy: 'id', refs: {}, count: 'auditRows', chained: true },
];

/**
 * The read-back check: how many rows each table holds per moved patient, or per copied pack (by its
 * target id), and how many rows of the log are there by id (the log may name a pseudonym already).
 */
const readBack: {
  count: keyof TransferCounts;
  per: 'patients' | 'gallery_packs' | 'audit_log';
  sql: string;
}[] = [
  { count: 'patients', per: 'patients', sql: 'SELECT count(*) AS n FROM patients WHERE id = ?' },
  {
    count: 'controlSources',
    per: 'patients',
    sql: 'SELECT count(*) AS n FROM control_sources WHERE patient_id = ?',
  },
  { count: 'photos', per: 'patients', sql: 'SELECT count(*) AS n FROM photos WHERE patient_id = ?' },
  {
    count: 'faces',
    per: 'patients',
    sql: 'SELECT count(*) AS n FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.patient_id = ?',
  },
  {
    count: 'embeddings',
    per: 'patients',
    sql: `SELECT count(*) AS n FROM embeddings e JOIN faces f ON f.id = e.face_id
      JOIN photos p ON p.id = f.photo_id WHERE p.patient_id = ?`,
  },
  { count: 'diagnoses', per: 'patients', sql: 'SELECT count(*) AS n FROM diagnoses WHERE patient_id = ?' },
  { count: 'terms', per: 'patients', sql: 'SELECT count(*) AS n FROM patient_terms WHERE patient_id = ?' },
  { count: 'vcfImports', per: 'patients', sql: 'SELECT count(*) AS n FROM vcf_imports WHERE patient_id = ?' },
  {
    count: 'variants',
    per: 'patients',
    sql: 'SELECT count(*) AS n FROM variants v JOIN vcf_imports i ON i.id = v.import_id WHERE i.patient_id = ?',
  },
  {
    count: 'variantAnnotations',
    per: 'patients',
    sql: `SELECT count(*) AS n FROM variant_annotations a JOIN variants v ON v.id = a.variant_id
      JOIN vcf_imports i ON i.id = v.import_id WHERE i.patient_id = ?`,
  },
  {
    count: 'galleryPacks',
    per: 'gallery_packs',
    sql: 'SELECT count(*) AS n FROM gallery_packs WHERE id = ?',
  },
  {
    count: 'packMembers',
    per: 'gallery_packs',
    sql: 'SELECT count(*) AS n FROM pack_members WHERE pack_id = ?',
  },
  {
    count: 'packEmbeddings',
    per: 'gallery_packs',
    sql: `SELECT count(*) AS n FROM pack_embeddings e JOIN pack_members m ON m.id = e.member_id
      WHERE m.pack_id = ?`,
  },
  { count: 'auditRows', per: 'audit_log', sql: 'SELECT count(*) AS n FROM audit_log WHERE id = ?' },
];

/**
 * Opens a workstation's case database read-only (never migrated, never written) and checks that this
 * FacePheno knows its schema: an older schema is fine (its missing tables hold nothing to move).
 */
export function openTransferSource(
  file: string,
  opts: { photosDir?: string; key?: string } = {},
): TransferSource {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UserError('no such case database', { file: abs });
  let db: Database.Database | undefined;
  try {
    db = new Database(abs, { readonly: true, fileMustExist: true });
    if (opts.key !== undefined) unlockDatabase(db, opts.key, abs);
    checkSchema(db, abs);
    const storeId = db.prepare('SELECT store_id FROM store_meta').pluck().get() as string;
    const source = db;
    return {
      db: source,
      file: abs,
      photos: new PhotoFiles(opts.photosDir ?? photosDirFor(abs), photoSealKey(opts.key)),
      storeId,
      close: () => source.close(),
    };
  } catch (err) {
    db?.close();
    if (err instanceof UserError) throw err;
    const code = (err as { code?: string }).code;
    if (code?.startsWith('SQLITE_'))
      throw new UserError(`cannot read the case database: ${(err as Error).message}`, {
        file: abs,
        cause: err,
      });
    throw err;
  }
}

function checkSchema(db: Database.Database, file: string): void {
  const ledger = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
  );
  if (!ledger.get()) throw new UserError('not a FacePheno case database (it has no schema ledger)', { file });
  const known = new Map(orderedMigrations(Object.values(allMigrations)).map((m) => [m.version, m]));
  const applied = db.prepare('SELECT version, name, sha256, app_version FROM schema_migrations').all() as {
    version: number;
    name: string;
    sha256: string;
    app_version: string;
  }[];
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m)
      throw new UserError(
        `written by a newer FacePheno (${row.app_version}): it has schema migration ${row.version} ` +
          `(${row.name}), which this FacePheno does not know; update FacePheno to migrate it`,
        { file },
      );
    if (migrationSha256(m) !== row.sha256)
      throw new UserError(`schema migration ${row.version} (${row.name}) does not match this FacePheno's`, {
        file,
      });
  }
}

/**
 * Moves every case of `source` into `target`, all or nothing: one write transaction on the target (the
 * source read in one snapshot), photo files copied content-addressed before the rows that name them and
 * removed again if the move fails. Refuses, naming them, cases whose pseudonym the target already holds.
 */
export function transferCases(source: TransferSource, target: Store): TransferReport {
  const written: string[] = [];
  try {
    return source.db.transaction(() => target.transaction(() => moveAll(source, target, written)))();
  } catch (err) {
    if (written.length) removeWritten(target, written);
    throw err;
  }
}

/**
 * Removes the files this move wrote that no row names, in a write transaction of its own so no other
 * writer can take one up meanwhile. Failing here must not hide the error that undid the move: a file
 * left behind is swept by the next open of the store.
 */
function removeWritten(target: Store, written: string[]): void {
  try {
    target.transaction(() => {
      for (const sha of target.photos.unused(written)) target.files.remove(sha);
    });
  } catch {
    // Left for the sweep on the next open (see above).
  }
}

/** Source id -> target id; null for a row the target already had (its children are not copied). */
type IdMap = Map<number, number | null>;

function moveAll(source: TransferSource, target: Store, written: string[]): TransferReport {
  const src = source.db;
  const tables = new Set(
    src.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  const count = (table: string) =>
    tables.has(table) ? (src.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) : 0;

  refuseUnknownTables(source, tables, count);
  refuseClashes(source, target);

  const files = copyPhotoFiles(source, target, written);
  const ids = new Map<string, IdMap>([
    ['syndromes', mergeSyndromes(src, target)],
    ['analysis_settings', mergeSettings(src, target.db)],
  ]);
  const inserted = new Map<keyof TransferCounts, number[]>();
  for (const step of steps) {
    if (!tables.has(step.table)) continue;
    const map: IdMap = new Map();
    ids.set(step.table, map);
    inserted.set(step.count, copyTable(src, target.db, step, ids, map));
  }

  const patients = inserted.get('patients') ?? [];
  for (const p of patients)
    target.audit.record('patient.migrate', target.patients.getById(p).pseudonym, {
      from: source.file,
      sourceStoreId: source.storeId,
    });
  const counts = readBackCounts(target, inserted, files, ids.get('syndromes')?.size ?? 0);
  const packsAlreadyThere = [...(ids.get('gallery_packs')?.values() ?? [])].filter(
    (id) => id === null,
  ).length;
  const notMoved = Object.fromEntries(referenceTables.map((t) => [t, count(t)]).filter(([, n]) => n !== 0));
  target.audit.record('store.migrate', null, {
    from: source.file,
    sourceStoreId: source.storeId,
    counts,
    packsAlreadyThere,
    notMoved,
  });
  // The entries recording the move itself, in the count so that it matches what the target holds.
  counts.auditRows += patients.length + 1;
  return {
    from: source.file,
    to: target.file,
    sourceStoreId: source.storeId,
    counts,
    packsAlreadyThere,
    notMoved,
  };
}

/** A table this version does not know how to move (say, a newer feature's) must not be dropped silently. */
function refuseUnknownTables(
  source: TransferSource,
  tables: Set<string>,
  count: (t: string) => number,
): void {
  const handled = new Set([...steps.map((s) => s.table), ...referenceTables, ...ownTables, ...mergedTables]);
  const unknown = [...tables]
    .filter((t) => !t.startsWith('sqlite_') && !handled.has(t) && count(t) > 0)
    .sort();
  if (unknown.length)
    throw new UserError(
      `holds records that migrate cannot move yet (table${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}); ` +
        'nothing was moved',
      { file: source.file },
    );
}

function refuseClashes(source: TransferSource, target: Store): void {
  const pseudonyms = source.db
    .prepare('SELECT pseudonym FROM patients ORDER BY pseudonym')
    .pluck()
    .all() as string[];
  const clashes = pseudonyms.filter((p) => target.patients.find(p) !== undefined);
  if (clashes.length === 0) return;
  const shown = clashes.slice(0, 20).map((p) => `'${p}'`);
  if (clashes.length > shown.length) shown.push(`and ${clashes.length - shown.length} more`);
  throw new UserError(
    `already holds ${clashes.length === 1 ? 'a case' : `${clashes.length} cases`} with the same id as ` +
      `${source.file}: ${shown.join(', ')}; nothing was moved`,
    { file: target.file },
  );
}

/**
 * Copies every photo file the source's rows name, checked against its name (its sha256), unless the target
 * has it already; `written` collects those it wrote, for removal if the move fails.
 */
function copyPhotoFiles(
  source: TransferSource,
  target: Store,
  written: string[],
): { shas: string[]; written: number } {
  const shas = source.db
    .prepare('SELECT DISTINCT sha256 FROM photos ORDER BY sha256')
    .pluck()
    .all() as string[];
  for (const sha of shas) {
    if (target.files.has(sha)) continue;
    const path = source.photos.path(sha);
    const bytes = source.photos.unsealed(sha, 'a photo file of the source');
    if (sha256Hex(bytes) !== sha)
      throw new UserError('a photo file of the source is damaged: its bytes do not match its sha256 name', {
        file: path,
      });
    target.files.put(bytes, sha);
    written.push(sha);
  }
  return { shas, written: written.length };
}

interface SyndromeRow {
  id: number;
  name: string;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
}

/** Source syndrome id -> target id; the target's catalogue refuses ids that contradict it. */
function mergeSyndromes(src: Database.Database, target: Store): IdMap {
  const genes = src.prepare('SELECT gene FROM syndrome_genes WHERE syndrome_id = ? ORDER BY gene').pluck();
  const map: IdMap = new Map();
  for (const s of src
    .prepare('SELECT id, name, omim, orpha, mondo FROM syndromes ORDER BY id')
    .all() as SyndromeRow[])
    map.set(
      s.id,
      target.syndromes.ensure({
        name: s.name,
        omim: s.omim,
        orpha: s.orpha,
        mondo: s.mondo,
        genes: genes.all(s.id) as string[],
      }).id,
    );
  return map;
}

/** Source analysis-settings id -> target id, one row per distinct settings (by the sha256 of their JSON). */
function mergeSettings(src: Database.Database, target: Db): IdMap {
  const find = target.prepare('SELECT id FROM analysis_settings WHERE sha256 = ?');
  const insert = target.prepare(
    'INSERT INTO analysis_settings (sha256, json, created_at) VALUES (?, ?, ?) RETURNING id',
  );
  const map = new Map<number, number>();
  const rows = src
    .prepare('SELECT id, sha256, json, created_at FROM analysis_settings ORDER BY id')
    .all() as {
    id: number;
    sha256: string;
    json: string;
    created_at: string;
  }[];
  for (const s of rows) {
    const row = (find.get(s.sha256) ?? insert.get(s.sha256, s.json, s.created_at)) as { id: number | string };
    map.set(s.id, Number(row.id));
  }
  return map;
}

/**
 * Copies a table's rows as they are but for their own id (the target assigns one, recorded in `map`)
 * and their references to other tables, translated through those tables' maps. Returns the new ids
 * (for a table without ids, 1 per row). A row under a parent the target already had is not copied.
 */
function copyTable(
  src: Database.Database,
  target: Db,
  step: Step,
  ids: ReadonlyMap<string, IdMap>,
  map: IdMap,
): number[] {
  const have = step.mergeOn && target.prepare(`SELECT id FROM ${step.table} WHERE ${step.mergeOn} = ?`);
  const inserted: number[] = [];
  let insert: ((values: unknown[]) => number) | undefined;
  let columns: string[] = [];
  for (const row of src.prepare(`SELECT * FROM ${step.table} ORDER BY ${step.orderBy}`).iterate() as Iterable<
    Record<string, unknown>
  >) {
    const from = row.id as number | undefined;
    if (have && step.mergeOn && have.get(row[step.mergeOn]) !== undefined) {
      if (from !== undefined) map.set(from, null);
      continue;
    }
    if (!insert) {
      columns = Object.keys(row).filter((c) => c !== 'id' && !(step.chained && chainColumns.includes(c)));
      insert = step.chained
        ? chainAppender(target, columns)
        : inserter(target, step.table, columns, 'id' in row);
    }
    const values = columns.map((c) => translate(step, c, row[c], ids));
    if (values.includes(skipped)) {
      if (from !== undefined) map.set(from, null);
      continue;
    }
    const to = insert(values);
    if (from !== undefined) map.set(from, to);
    inserted.push(to);
  }
  return inserted;
}

const skipped = Symbol('under a row the target already had');

function translate(step: Step, column: string, value: unknown, ids: ReadonlyMap<string, IdMap>): unknown {
  const table = step.refs[column];
  if (table === undefined || value === null) return value;
  const to = ids.get(table)?.get(value as number);
  if (to === undefined) throw new Error(`${step.table}.${column} = ${String(value)}: no moved ${table} row`);
  return to ?? skipped;
}

const chainColumns = ['prev_hash', 'hash'];

/** Appends a source audit entry (its columns as read) to the target's chain; returns its new id. */
function chainAppender(target: Db, columns: string[]): (values: unknown[]) => number {
  return (values) => {
    const v = Object.fromEntries(columns.map((c, i) => [c, values[i]])) as Record<string, string | null>;
    return appendEntry(target, {
      at: v.at ?? '',
      osUser: v.os_user ?? '',
      action: v.action ?? '',
      patient: v.patient ?? null,
      details: v.details ?? null,
    }).id;
  };
}

function inserter(
  target: Db,
  table: string,
  columns: string[],
  hasId: boolean,
): (values: unknown[]) => number {
  const stmt = target.prepare(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})` +
      (hasId ? ' RETURNING id' : ''),
  );
  return (values) =>
    hasId ? Number((stmt.get(...values) as { id: number | string }).id) : stmt.run(...values).changes;
}

/**
 * The counts as the target holds them, inside the move's transaction, checked against what was written:
 * a difference is a bug (a trigger, a backend), and throwing undoes the move.
 */
function readBackCounts(
  target: Store,
  inserted: ReadonlyMap<keyof TransferCounts, number[]>,
  files: { shas: string[]; written: number },
  syndromes: number,
): TransferCounts {
  const owners = {
    patients: inserted.get('patients') ?? [],
    gallery_packs: inserted.get('galleryPacks') ?? [],
    audit_log: inserted.get('auditRows') ?? [],
  };
  const counts = {
    photoFiles: files.shas.filter((sha) => target.files.has(sha)).length,
    photoFilesWritten: files.written,
    syndromes,
  } as TransferCounts;
  for (const { count, per, sql } of readBack) {
    const stmt = target.db.prepare(sql);
    counts[count] = owners[per].reduce(
      (sum, id) => sum + Number((stmt.get(id) as { n: number | string }).n),
      0,
    );
  }
  const expected = new Map<keyof TransferCounts, number>([
    ...readBack.map(({ count }) => [count, inserted.get(count)?.length ?? 0] as const),
    ['photoFiles', files.shas.length],
  ]);
  for (const [key, wrote] of expected)
    if (counts[key] !== wrote)
      throw new Error(
        `migrate: the target holds ${counts[key]} ${key} of the moved cases, ${wrote} were written`,
      );
  return counts;
}
