import type { Db } from '../db.js';

/**
 * PostgreSQL's counterpart of SQLite's integrity_check: 'ok', or the store's indexes that a failed build
 * (or a crash during one) left unusable. The server checks pages itself (and with data checksums).
 */
export function integrity(db: Db): string {
  const bad = db
    .prepare(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND NOT (i.indisvalid AND i.indisready)
      ORDER BY c.relname`,
    )
    .pluck()
    .all() as string[];
  return bad.length === 0 ? 'ok' : bad.map((name) => `index ${name} is not valid`).join('; ');
}

interface ForeignKey {
  child: string;
  parent: string;
  columns: string[];
  references: string[];
}

/**
 * Rows whose reference names no row, for every foreign key of the store's schema, as SQLite's
 * foreign_key_check counts them. PostgreSQL enforces the keys on every write, so this finds only what
 * escaped them (a restore with triggers disabled).
 */
export function foreignKeyViolations(db: Db): number {
  const keys = db
    .prepare(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
        array(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
        array(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS references
      FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
      ORDER BY c.conname`,
    )
    .all() as ForeignKey[];
  let orphans = 0;
  for (const k of keys) {
    // MATCH SIMPLE, as both databases apply it: a reference with a NULL column is not checked.
    const set = k.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
    const match = k.columns.map((c, i) => `p.${k.references[i] ?? ''} = c.${c}`).join(' AND ');
    const n = db
      .prepare(
        `SELECT count(*) AS n FROM ${k.child} c WHERE ${set}
        AND NOT EXISTS (SELECT 1 FROM ${k.parent} p WHERE ${match})`,
      )
      .get() as { n: number };
    orphans += n.n;
  }
  return orphans;
}
