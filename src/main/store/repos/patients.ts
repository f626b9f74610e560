import { bySql, dialectOf, type Db, type Dialect } from '../db.js';
import { UserError } from '../../errors.js';
import type { Role } from '../roles.js';
import type { AuditLog } from './audit.js';
import { isIsoDate } from './dates.js';
import { write } from './write.js';
import { sexes, type Sex } from '../../../shared/vocabulary.js';

export { sexes, type Sex };

/** A reference case belongs to the gallery (read-only on screen); a clinic case is the department's patient. */
export const caseKinds = ['clinic', 'reference'] as const;
export type CaseKind = (typeof caseKinds)[number];

export interface Patient {
  id: number;
  pseudonym: string;
  sex: Sex;
  birthYear: number | null;
  /** YYYY-MM-DD when the full date is known; birthYear is then its year. */
  birthDate: string | null;
  /** An unaffected control: a gallery member of the 'unaffected' class. */
  isControl: boolean;
  notes: string;
  kind: CaseKind;
  /** When a user marked the (clinic) case solved with a confirmed diagnosis; null while it is not. */
  solvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** For a researcher, in place of the birth date and year: the age now, in 5-year bands ('5-9'). */
  ageBand?: string | null;
}

export interface NewPatient {
  pseudonym: string;
  sex?: Sex;
  birthYear?: number | null;
  birthDate?: string | null;
  isControl?: boolean;
  notes?: string;
  /** Default 'clinic'; a gallery import makes reference cases. */
  kind?: CaseKind;
}

/** A row of the case list: the patient and what the case holds. */
export interface CaseSummary extends Patient {
  photos: number;
  faces: number;
  terms: number;
  /** Names of confirmed diagnoses. */
  diagnoses: string[];
}

export interface CaseListQuery {
  /** Matched against pseudonym, notes, syndrome names and genes of the patient's diagnoses. */
  filter?: string | undefined;
  /** One kind only (clinic cases newest first, reference cases by id); all of them by id when not given. */
  kind?: CaseKind | undefined;
  limit?: number;
  offset?: number;
}

export interface CaseList {
  total: number;
  rows: CaseSummary[];
}

interface PatientRow {
  id: number;
  pseudonym: string;
  sex: Sex;
  birth_year: number | null;
  birth_date: string | null;
  is_control: number;
  notes: string;
  kind: CaseKind;
  solved_at: string | null;
  created_at: string;
  updated_at: string;
  /** Only a researcher's view of a department database has it: the band worked out by the server. */
  age_band?: string | null;
}

interface SummaryRow extends PatientRow {
  photos: number;
  faces: number;
  terms: number;
  diagnoses: string | null;
}

// The columns of a case-list row: the patient and the counts of what its case holds.
const summaryColumns = (d: Dialect): string => `p.*,
  (SELECT count(*) FROM photos ph WHERE ph.patient_id = p.id) AS photos,
  (SELECT count(*) FROM photos ph JOIN faces f ON f.photo_id = ph.id WHERE ph.patient_id = p.id) AS faces,
  (SELECT count(*) FROM patient_terms t WHERE t.patient_id = p.id AND t.excluded = 0) AS terms,
  (SELECT ${d === 'sqlite' ? 'group_concat(s.name, char(31))' : 'string_agg(s.name, chr(31))'}
    FROM diagnoses d JOIN syndromes s ON s.id = d.syndrome_id
    WHERE d.patient_id = p.id AND d.status = 'confirmed') AS diagnoses`;

// A pseudonym is one whatever its case: SQLite's column is COLLATE NOCASE; PostgreSQL's is unique on
// nocase(pseudonym), which these use. Case-insensitive order and search (SQLite's LIKE ignores ASCII case).
const byPseudonym = {
  sqlite: 'SELECT * FROM patients WHERE pseudonym = ?',
  postgres: 'SELECT * FROM patients WHERE nocase(pseudonym) = nocase(?)',
};
const pseudonymOrder = { sqlite: 'p.pseudonym', postgres: 'nocase(p.pseudonym)' };
// The clinic's own cases newest first, so that the case just created is at the top.
const newestFirst = 'p.created_at DESC, p.id DESC';
const like = { sqlite: 'LIKE', postgres: 'ILIKE' };
// A page of the matching ids, given as a JSON array.
const inIds = {
  sqlite: 'p.id IN (SELECT value FROM json_each(?))',
  postgres: 'p.id IN (SELECT value::bigint FROM json_array_elements_text(?::json))',
};

export class Patients {
  private readonly insert;
  private readonly byPseudonym;
  private readonly byId;
  private readonly updateRow;
  private readonly deleteRow;
  private readonly setKindRow;
  private readonly solveRow;
  private readonly lists: Record<'id' | 'newest', ReturnType<Patients['listStatements']>>;
  private readonly lastChange;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    readonly role: Role = 'clinician',
  ) {
    this.insert = db.prepare(`INSERT INTO patients
      (pseudonym, sex, birth_year, birth_date, is_control, notes, kind, created_at, updated_at)
      VALUES (:pseudonym, :sex, :birthYear, :birthDate, :isControl, :notes, :kind, :now, :now)`);
    this.byPseudonym = db.prepare(bySql(db, byPseudonym));
    this.byId = db.prepare('SELECT * FROM patients WHERE id = ?');
    this.updateRow = db.prepare(`UPDATE patients SET sex = :sex, birth_year = :birthYear,
      birth_date = :birthDate, is_control = :isControl, notes = :notes, updated_at = :now WHERE id = :id`);
    this.deleteRow = db.prepare('DELETE FROM patients WHERE id = ?');
    this.setKindRow = db.prepare('UPDATE patients SET kind = ?, updated_at = ? WHERE id = ?');
    this.solveRow = db.prepare('UPDATE patients SET solved_at = ?, updated_at = ? WHERE id = ?');
    this.lists = {
      id: this.listStatements(bySql(db, pseudonymOrder)),
      newest: this.listStatements(newestFirst),
    };
    this.lastChange = db.prepare(
      "SELECT os_user, at FROM audit_log WHERE patient = ? AND action = 'patient.update' ORDER BY id DESC LIMIT 1",
    );
  }

  /**
   * The case list's queries in one order. `:kind` null lists every kind (p.kind = coalesce(...) rather
   * than an IS NULL test, which PostgreSQL cannot type).
   */
  private listStatements(order: string) {
    const db = this.db;
    const columns = summaryColumns(dialectOf(db));
    const l = bySql(db, like);
    const ofKind = 'p.kind = coalesce(:kind, p.kind)';
    return {
      // The page's ids first: the counts are worked out for its rows only, not for every row skipped.
      page: db.prepare(`SELECT ${columns} FROM patients p
        WHERE p.id IN (SELECT p.id FROM patients p WHERE ${ofKind} ORDER BY ${order} LIMIT :limit OFFSET :offset)
        ORDER BY ${order}`),
      // Patients matched on their own fields or through a diagnosis; one UNION is cheaper than an OR.
      matching: db
        .prepare(
          `SELECT id FROM (
            SELECT p.id, p.pseudonym, p.created_at FROM patients p
            WHERE ${ofKind} AND (p.pseudonym ${l} :like ESCAPE '\\' OR (:notes = 1 AND p.notes ${l} :like ESCAPE '\\'))
            UNION
            SELECT p.id, p.pseudonym, p.created_at FROM diagnoses d JOIN patients p ON p.id = d.patient_id
            WHERE ${ofKind} AND (d.gene ${l} :like ESCAPE '\\'
              OR d.syndrome_id IN (SELECT s.id FROM syndromes s WHERE s.name ${l} :like ESCAPE '\\'))) p
          ORDER BY ${order}`,
        )
        .pluck(),
      pageOf: db.prepare(`SELECT ${columns} FROM patients p WHERE ${bySql(db, inIds)} ORDER BY ${order}`),
      count: db.prepare(`SELECT count(*) AS n FROM patients p WHERE ${ofKind}`),
    };
  }

  create(p: NewPatient): Patient {
    return write(this.db, () => {
      this.mayRecord(p);
      const v = validPatient(p);
      if (this.byPseudonym.get(v.pseudonym))
        throw new UserError(`a patient with id '${v.pseudonym}' already exists`);
      const id = Number(
        this.insert.run({
          ...v,
          isControl: v.isControl ? 1 : 0,
          kind: p.kind ?? 'clinic',
          now: new Date().toISOString(),
        }).lastInsertRowid,
      );
      this.audit.record('patient.create', v.pseudonym, {
        sex: v.sex,
        birthYear: v.birthYear,
        isControl: v.isControl,
        kind: p.kind ?? 'clinic',
      });
      return this.getById(id);
    });
  }

  find(pseudonym: string): Patient | undefined {
    const r = this.row(pseudonym);
    return r && this.shown(toPatient(r));
  }

  private row(pseudonym: string): PatientRow | undefined {
    return this.byPseudonym.get(pseudonym.trim()) as PatientRow | undefined;
  }

  /** The patient as this store's role may see it. */
  private shown(p: Patient): Patient {
    if (this.role === 'clinician') return p;
    const band = p.ageBand !== undefined ? p.ageBand : ageBand(p.birthYear);
    return { ...p, notes: '', birthDate: null, birthYear: null, ageBand: band };
  }

  /** A researcher records no identifying data: no notes, no birth date or year. */
  private mayRecord(changes: Omit<NewPatient, 'pseudonym'>): void {
    if (this.role !== 'researcher') return;
    const identifying = (['notes', 'birthYear', 'birthDate'] as const).filter(
      (k) => changes[k] !== undefined && changes[k] !== null && changes[k] !== '',
    );
    if (identifying.length > 0)
      throw new UserError(
        `a researcher sees cases pseudonymised and cannot record ${identifying.join(', ')}: a clinician can`,
      );
  }

  /** The patient, or a UserError that names the missing id. */
  get(pseudonym: string): Patient {
    const p = this.find(pseudonym);
    if (!p) throw new UserError(`no patient with id '${pseudonym}'`);
    return p;
  }

  getById(id: number): Patient {
    const r = this.byId.get(id) as PatientRow | undefined;
    if (!r) throw new Error(`patient row ${id} missing`);
    return this.shown(toPatient(r));
  }

  /**
   * Saves changes to the patient's own fields. With `expectedUpdatedAt` (the updatedAt the editor was
   * shown) a save over a change made since, by another workstation, is refused and nothing is written:
   * the check and the write happen under the store's write lock, one workstation at a time.
   */
  update(
    pseudonym: string,
    changes: Omit<NewPatient, 'pseudonym'>,
    opts: { expectedUpdatedAt?: string } = {},
  ): Patient {
    return write(this.db, () => {
      this.mayRecord(changes);
      // The stored values, whatever this role is shown: a researcher's save keeps what it cannot see.
      const r = this.row(pseudonym);
      if (!r) throw new UserError(`no patient with id '${pseudonym}'`);
      const cur = toPatient(r);
      if (opts.expectedUpdatedAt !== undefined && cur.updatedAt !== opts.expectedUpdatedAt)
        throw this.stale(cur);
      const v = validPatient({ ...cur, ...changes, pseudonym: cur.pseudonym });
      this.updateRow.run({ ...v, id: cur.id, isControl: v.isControl ? 1 : 0, now: later(cur.updatedAt) });
      this.audit.record('patient.update', cur.pseudonym, changes);
      return this.getById(cur.id);
    });
  }

  private stale(cur: Patient): StaleCaseError {
    const last = this.lastChange.get(cur.pseudonym) as { os_user: string; at: string } | undefined;
    const by = last ? ` by ${last.os_user} at ${last.at}` : '';
    return new StaleCaseError(
      `case '${cur.pseudonym}' was changed${by} after you opened it: nothing was saved; open it again ` +
        'to see that change, then make yours',
    );
  }

  /**
   * Deletes the patient with photos, faces, diagnoses, terms and VCF imports; `removed` (what the case held)
   * goes into the audit entry. Store.deletePatient also removes the photo files.
   */
  delete(pseudonym: string, removed: Record<string, unknown> = {}): void {
    write(this.db, () => {
      const cur = this.get(pseudonym);
      this.deleteRow.run(cur.id);
      this.audit.record('patient.delete', cur.pseudonym, { kind: cur.kind, ...removed });
    });
  }

  /** Marks the case solved (its confirmed diagnosis recorded by the caller in the same transaction). */
  markSolved(patient: Patient): void {
    write(this.db, () => {
      this.solveRow.run(new Date().toISOString(), later(patient.updatedAt), patient.id);
    });
  }

  /** Makes the case a reference (gallery) case or a clinic case again, audited as `action`. */
  setKind(patient: Patient, kind: CaseKind, action: string): void {
    write(this.db, () => {
      this.setKindRow.run(kind, later(patient.updatedAt), patient.id);
      this.audit.record(action, patient.pseudonym, { kind });
    });
  }

  count(kind?: CaseKind): number {
    return (this.lists.id.count.get({ kind: kind ?? null }) as { n: number }).n;
  }

  list(q: CaseListQuery = {}): CaseList {
    const text = q.filter?.trim();
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const kind = q.kind ?? null;
    const s = this.lists[kind === 'clinic' ? 'newest' : 'id'];
    let total: number;
    let rows: SummaryRow[];
    if (!text) {
      total = this.count(q.kind);
      rows = s.page.all({ kind, limit, offset }) as SummaryRow[];
    } else {
      const like = `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      // A researcher's search does not look into notes, which it may not see.
      const ids = s.matching.all({ kind, like, notes: this.role === 'clinician' ? 1 : 0 }) as number[];
      total = ids.length;
      rows = s.pageOf.all(JSON.stringify(ids.slice(offset, offset + limit))) as SummaryRow[];
    }
    return {
      total,
      rows: rows.map((r) => ({
        ...this.shown(toPatient(r)),
        photos: r.photos,
        faces: r.faces,
        terms: r.terms,
        diagnoses: r.diagnoses === null ? [] : r.diagnoses.split('\u001f'),
      })),
    };
  }
}

/** The age now in 5-year bands, from the birth year; null when that is unknown. */
function ageBand(birthYear: number | null): string | null {
  if (birthYear === null) return null;
  const low = Math.floor(Math.max(0, new Date().getUTCFullYear() - birthYear) / 5) * 5;
  return `${low}-${low + 4}`;
}

/** A save refused because the case changed since the editor opened it (another workstation's save). */
export class StaleCaseError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'StaleCaseError';
  }
}

/**
 * Now, or just after `previous` when the clock has not moved past it: each save of a case gets an
 * updatedAt of its own, which is what a stale save is recognised by.
 */
function later(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) ? now : Math.max(now, prev + 1)).toISOString();
}

function toPatient(r: PatientRow): Patient {
  return {
    id: r.id,
    pseudonym: r.pseudonym,
    sex: r.sex,
    birthYear: r.birth_year,
    birthDate: r.birth_date,
    isControl: r.is_control === 1,
    notes: r.notes,
    kind: r.kind,
    solvedAt: r.solved_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.age_band !== undefined ? { ageBand: r.age_band } : {}),
  };
}

type ValidPatient = Required<{
  [K in Exclude<keyof NewPatient, 'kind'>]: Exclude<NewPatient[K], undefined>;
}>;

function validPatient(p: NewPatient): ValidPatient {
  const pseudonym = p.pseudonym.trim();
  if (!pseudonym) throw new UserError('a patient id must not be empty');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f]/.test(pseudonym))
    throw new UserError(`patient id '${pseudonym}' has control characters`);
  const sex = p.sex ?? 'unknown';
  if (!sexes.includes(sex))
    throw new UserError(`sex must be one of ${sexes.join(', ')} (got '${String(sex)}')`);
  const thisYear = new Date().getUTCFullYear();
  let birthYear = p.birthYear ?? null;
  const birthDate = p.birthDate ?? null;
  if (birthDate !== null) {
    if (!isIsoDate(birthDate))
      throw new UserError(`birth date must be a date YYYY-MM-DD (got '${birthDate}')`);
    const year = Number(birthDate.slice(0, 4));
    if (birthYear !== null && birthYear !== year)
      throw new UserError(`birth year ${birthYear} does not match birth date ${birthDate}`);
    birthYear = year;
  }
  if (birthYear !== null && (!Number.isInteger(birthYear) || birthYear < 1880 || birthYear > thisYear))
    throw new UserError(`birth year must be a year between 1880 and ${thisYear} (got '${birthYear}')`);
  return { pseudonym, sex, birthYear, birthDate, isControl: p.isControl ?? false, notes: p.notes ?? '' };
}
