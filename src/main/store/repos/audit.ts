import { createHash } from 'node:crypto';
import type { Db } from '../db.js';
import type { Role } from '../roles.js';
import { write } from './write.js';

export interface AuditEntry {
  id: number;
  at: string;
  osUser: string;
  action: string;
  patient: string | null;
  details: unknown;
}

/** One entry as it is stored (details as their JSON text), what its hash covers. */
export interface StoredAuditEntry {
  id: number;
  at: string;
  osUser: string;
  action: string;
  patient: string | null;
  details: string | null;
}

interface AuditRow {
  id: number | string;
  at: string;
  os_user: string;
  action: string;
  patient: string | null;
  details: string | null;
  prev_hash: string | null;
  hash: string | null;
}

/** The first chained entry's prev_hash (migration 0004's triggers know it too). */
export const CHAIN_START = '0'.repeat(64);

/**
 * An entry's hash: sha256 (hex) over a canonical encoding of (id, at, os_user, action, patient, details,
 * prev_hash): a version tag, then each field as `<UTF-8 byte length>:<text>`, or `-` for NULL, so that no
 * two different entries encode alike and anyone can recompute it with a few lines in any language.
 */
export function entryHash(e: StoredAuditEntry, prevHash: string): string {
  const fields = [String(e.id), e.at, e.osUser, e.action, e.patient, e.details, prevHash];
  const h = createHash('sha256').update('facepheno-audit-v1\n');
  for (const f of fields) h.update(f === null ? '-' : `${Buffer.byteLength(f)}:${f}`);
  return h.digest('hex');
}

/**
 * Appends one entry to the chain, inside the caller's write transaction (which holds the store's write
 * lock: SQLite's, or PostgreSQL's advisory lock, so the head read here is the head the insert follows).
 * It reads the head from store_meta and the last id, and inserts: a login needs SELECT on
 * store_meta (audit_head_hash) and audit_log (id) and INSERT on audit_log, no UPDATE (the trigger moves
 * the head). New entries follow the recorded head even where the log's tail was deleted, so the gap stays
 * visible to `audit verify`. Returns the new entry's id and hash.
 */
export function appendEntry(db: Db, e: Omit<StoredAuditEntry, 'id'>): { id: number; hash: string } {
  const head = db.prepare('SELECT audit_head_hash FROM store_meta WHERE id = 1').pluck().get() as
    string | null;
  const last = db.prepare('SELECT max(id) FROM audit_log').pluck().get() as number | string | null;
  const entry = { ...e, id: Number(last ?? 0) + 1 };
  const prev = head ?? CHAIN_START;
  const hash = entryHash(entry, prev);
  db.prepare(
    `INSERT INTO audit_log (id, at, os_user, action, patient, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(entry.id, entry.at, entry.osUser, entry.action, entry.patient, entry.details, prev, hash);
  return { id: entry.id, hash };
}

/** The chain's state: intact (with its head, to be written down elsewhere), or where it first breaks. */
export type AuditChainReport =
  | {
      ok: true;
      /** Every entry in the log (up to the break, where broken). */
      entries: number;
      /** Those from before migration 0004: the chain's start, not covered by it. */
      unchained: number;
      head: { id: number; hash: string } | null;
    }
  | {
      ok: false;
      entries: number;
      unchained: number;
      /** The first entry found wrong (or, for a lost tail, the last one the head says should be there). */
      brokenAt: number;
      problem: string;
    };

interface Head {
  audit_head_id: number | string | null;
  audit_head_hash: string | null;
  audit_chained: number | string;
}

const PAGE = 5000;

/**
 * Walks the whole log in id order. Entries before the first chained one may be unchained (from before
 * migration 0004) and are counted, not checked; after it, each entry's hash must match its contents
 * (else it was edited) and its prev_hash the entry before (else entries were deleted or it was inserted
 * out of chain); at the end the last entry and the chain's length must be the head store_meta recorded
 * (else the tail was deleted). Someone who can rewrite the whole log and store_meta can forge a chain that
 * passes: compare the head hash printed with one written down earlier.
 */
export function verifyChain(db: Db, opts: { anchor?: string } = {}): AuditChainReport {
  const anchor = opts.anchor?.toLowerCase();
  let anchorSeen = false;
  const page = db.prepare(
    'SELECT id, at, os_user, action, patient, details, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?',
  );
  const meta = db
    .prepare('SELECT audit_head_id, audit_head_hash, audit_chained FROM store_meta WHERE id = 1')
    .get() as Head;
  let entries = 0;
  let unchained = 0;
  let chained = 0;
  let prev: { id: number; hash: string } | null = null;
  const broken = (brokenAt: number, problem: string): AuditChainReport => ({
    ok: false,
    entries,
    unchained,
    brokenAt,
    problem,
  });
  // Paged, so that a long log is not held at once; `pending` also gives the entry after a break.
  let pending: AuditRow[] = [];
  let lastId = -1;
  const next = (): AuditRow | undefined => {
    if (pending.length === 0) pending = page.all(lastId, PAGE) as AuditRow[];
    const r = pending.shift();
    if (r) lastId = Number(r.id);
    return r;
  };
  for (let r = next(); r; r = next()) {
    entries++;
    const id = Number(r.id);
    if (r.hash === null && r.prev_hash === null) {
      if (prev === null) {
        unchained++;
        continue;
      }
      return broken(id, `entry ${id} has no hash: it was inserted out of chain after entry ${prev.id}`);
    }
    const stored: StoredAuditEntry = {
      id,
      at: r.at,
      osUser: r.os_user,
      action: r.action,
      patient: r.patient,
      details: r.details,
    };
    const expected = prev?.hash ?? CHAIN_START;
    if (r.prev_hash !== expected) {
      const before = prev === null ? 'the chain start' : `entry ${prev.id}`;
      const ahead = pending[0] ?? (page.all(id, 1) as AuditRow[])[0];
      const insertedHere = ahead !== undefined && ahead.prev_hash === expected;
      const gap =
        prev === null || id <= prev.id + 1
          ? ''
          : id === prev.id + 2
            ? ` (id ${prev.id + 1} is missing)`
            : ` (ids ${prev.id + 1}-${id - 1} are missing)`;
      return broken(
        id,
        insertedHere
          ? `entry ${id} was inserted out of chain after ${before}`
          : `entry ${id} does not follow ${before}${gap}: the entries between them were deleted, ` +
              `or entry ${id} was inserted out of chain`,
      );
    }
    if (r.hash !== entryHash(stored, expected))
      return broken(id, `entry ${id} was edited: its contents no longer match its hash`);
    chained++;
    if (r.hash === anchor) anchorSeen = true;
    prev = { id, hash: r.hash };
  }
  const headId = meta.audit_head_id === null ? null : Number(meta.audit_head_id);
  const recorded = Number(meta.audit_chained);
  if (headId !== null && (prev === null || prev.id !== headId || prev.hash !== meta.audit_head_hash)) {
    const lastSeen = prev === null ? 'no chained entry' : `entry ${prev.id}`;
    return broken(
      headId,
      `the log ends at ${lastSeen}, but the chain's head (store_meta) is entry ${headId}: its last entries were deleted`,
    );
  }
  if (chained !== recorded)
    return broken(
      prev?.id ?? 0,
      `${chained} chained entries found, ${recorded} recorded in store_meta: entries were deleted or the count was changed`,
    );
  if (anchor !== undefined && !anchorSeen)
    return broken(
      prev?.id ?? 0,
      `no entry has the hash ${anchor} recorded earlier: the log was rewritten since (or the hash is from another database)`,
    );
  return { ok: true, entries, unchained, head: prev };
}

/**
 * Who (the OS user) did what to which patient, when, and every read of patient data. Written in the same
 * transaction as the change, each entry chained to the one before (see appendEntry, verifyChain).
 * A researcher reads the entries without their details, which can hold notes, birth years and file names.
 */
export class AuditLog {
  private readonly byPatient;
  private readonly latest;
  private readonly latestOf;

  constructor(
    private readonly db: Db,
    readonly osUser: string,
    private readonly role: Role = 'clinician',
    /** A researcher's login on a department database, which reads and writes through the research views. */
    private readonly throughResearchViews = false,
  ) {
    this.byPatient = db.prepare('SELECT * FROM audit_log WHERE patient = ? ORDER BY id');
    this.latest = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
    this.latestOf = db.prepare('SELECT * FROM audit_log WHERE patient = ? ORDER BY id DESC LIMIT ?');
  }

  /** Joins the caller's transaction; on its own (a read being recorded), a full disk is a UserError too. */
  record(action: string, patient: string | null, details?: unknown): void {
    const entry = {
      at: new Date().toISOString(),
      osUser: this.osUser,
      action,
      patient,
      details: details === undefined ? null : JSON.stringify(details),
    };
    write(this.db, () => {
      // Through the research view the owner's trigger chains the entry (postgres/roles.ts): a researcher's
      // login can read neither the head nor the real patient id that the hash covers.
      if (this.throughResearchViews)
        this.db
          .prepare('INSERT INTO audit_log (at, os_user, action, patient, details) VALUES (?, ?, ?, ?, ?)')
          .run(entry.at, entry.osUser, entry.action, entry.patient, entry.details);
      else appendEntry(this.db, entry);
    });
  }

  forPatient(pseudonym: string): AuditEntry[] {
    return (this.byPatient.all(pseudonym) as AuditRow[]).map((r) => this.entry(r));
  }

  /** The latest entries, newest first (of one patient where given). */
  recent(limit = 100, patient?: string): AuditEntry[] {
    const rows = patient === undefined ? this.latest.all(limit) : this.latestOf.all(patient, limit);
    return (rows as AuditRow[]).map((r) => this.entry(r));
  }

  /** The whole chain checked (see verifyChain). */
  verify(opts: { anchor?: string } = {}): AuditChainReport {
    return verifyChain(this.db, opts);
  }

  private entry(r: AuditRow): AuditEntry {
    return {
      id: Number(r.id),
      at: r.at,
      osUser: r.os_user,
      action: r.action,
      patient: r.patient,
      details: r.details === null || this.role === 'researcher' ? null : JSON.parse(r.details),
    };
  }
}
