/**
 * The department database's roles, enforced by PostgreSQL itself. Per store schema S, two NOLOGIN groups:
 *
 * - facepheno_S_clinician: what the app needs on S's tables (read, insert, update, delete; no DDL).
 * - facepheno_S_researcher: USAGE on S_research only, a schema of views (owned by S's owner, so the base
 *   tables need no grant) that show each table through an explicit column list: patient ids replaced by a
 *   stable keyed pseudonym, no notes, no birth date or year (an age band instead), no photo or VCF file
 *   names, no VCF sample names, no photo file hashes (only the faces' landmarks and embeddings reach a
 *   researcher, never a photo); no writes at all, except the audit entries of its own reads, which go into
 *   S.audit_log through a trigger of the owner's.
 *
 * The views keep each table's name and columns so the store's queries read them unchanged; a column a
 * researcher may not see is a constant there ('' or NULL), never the value. A table or column a later
 * migration adds stays invisible until `facepheno roles setup` is run again and this list names it.
 */
import { randomBytes } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { Db } from '../db.js';
import type { Role } from '../roles.js';
import { WRITE_LOCK_KEY } from './database.js';

/** Ordinary lower-case names only (as a schema name is): nothing here is ever quoted. */
const loginPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export interface RoleGroups {
  clinician: string;
  researcher: string;
  /** The schema of the researcher's views. */
  research: string;
}

export function roleGroups(schema: string): RoleGroups {
  const groups = {
    clinician: `facepheno_${schema}_clinician`,
    researcher: `facepheno_${schema}_researcher`,
    research: `${schema}_research`,
  };
  if (groups.researcher.length > 63)
    throw new UserError(
      `schema '${schema}' is too long for its role names (${groups.researcher}: PostgreSQL keeps 63 characters)`,
    );
  return groups;
}

/**
 * The schema the connection's tables are in: the URL's, else the server's default (as the owner sees it;
 * a researcher's login, which may not use that schema, gets null from current_schema(): then 'public').
 */
export function currentSchema(db: Db, given?: string): string {
  if (given !== undefined) return given;
  return (db.prepare('SELECT current_schema() AS s').pluck().get() as string | null) ?? 'public';
}

// The pseudonym a researcher sees for a patient id (patients.pseudonym, audit_log.patient): keyed by a
// random per-schema secret that only the owner can read, so it cannot be recomputed from a known id.
function pseudonymOf(research: string, expr: string): string {
  return `('R-' || left(encode(sha256(convert_to((SELECT k.secret FROM ${research}.pseudonym_key k) || ':' || nocase(${expr}), 'UTF8')), 'hex'), 16))`;
}

/** The same keyed hash for a photo's file name (its sha256): it names no file a researcher could open. */
function hiddenSha(research: string, expr: string): string {
  return `encode(sha256(convert_to((SELECT k.secret FROM ${research}.pseudonym_key k) || ':photo:' || ${expr}, 'UTF8')), 'hex')`;
}

/** A sample column as the research views name it: its place among the import's samples, never its name. */
function sampleOrdinal(expr: string): string {
  return `(SELECT e.o FROM json_array_elements_text(t.samples::json)
        WITH ORDINALITY e(v, o) WHERE e.v = ${expr} LIMIT 1)`;
}

const pass = null;
type Column = string | typeof pass;

/**
 * Every view, column by column: `pass` shows the column as it is; a string is the expression shown in its
 * place (`S` stands for the store's schema, `R` for the research schema). Tables not listed have no view.
 */
function researchViews(schema: string, research: string): Record<string, Record<string, Column>> {
  const ageBand = `CASE WHEN t.birth_year IS NULL THEN NULL ELSE
      (floor(greatest(0, extract(year FROM now()) - t.birth_year) / 5) * 5)::int || '-' ||
      (floor(greatest(0, extract(year FROM now()) - t.birth_year) / 5) * 5 + 4)::int END`;
  const all = (...cols: string[]) => Object.fromEntries(cols.map((c) => [c, pass]));
  return {
    schema_migrations: all('version', 'name', 'sha256', 'applied_at', 'app_version'),
    store_meta: all('id', 'store_id', 'gallery_version', 'reference_version'),
    patients: {
      id: pass,
      pseudonym: pseudonymOf(research, 't.pseudonym'),
      sex: pass,
      birth_year: 'NULL::integer',
      birth_date: 'NULL::text',
      is_control: pass,
      notes: "''::text",
      created_at: pass,
      updated_at: pass,
      kind: pass,
      solved_at: pass,
      age_band: ageBand,
    },
    analysis_settings: all('id', 'sha256', 'json', 'created_at'),
    photos: {
      id: pass,
      patient_id: pass,
      sha256: hiddenSha(research, 't.sha256'),
      bytes: pass,
      original_name: "'photo ' || t.id",
      width: pass,
      height: pass,
      age_years: pass,
      added_at: pass,
      settings_id: pass,
    },
    faces: all(
      'id',
      'photo_id',
      'ordinal',
      'is_primary',
      'box_x',
      'box_y',
      'box_width',
      'box_height',
      'score',
      'points5',
      'mesh',
      'quality',
    ),
    embeddings: all('face_id', 'model_id', 'model_sha256', 'dim', 'vector'),
    syndromes: all('id', 'name', 'omim', 'orpha', 'mondo'),
    syndrome_genes: all('syndrome_id', 'gene'),
    diagnoses: {
      ...all('id', 'patient_id', 'syndrome_id', 'status', 'gene', 'variant'),
      diagnosed_on: 'NULL::text',
      recorded_at: pass,
    },
    patient_terms: all('patient_id', 'term_id', 'label', 'excluded', 'recorded_at'),
    hpo_release: all('id', 'version', 'source', 'loaded_at'),
    hpo_terms: all('id', 'name', 'definition', 'obsolete', 'replaced_by'),
    hpo_synonyms: all('term_id', 'synonym'),
    hpo_parents: all('term_id', 'parent_id'),
    audit_log: {
      ...all('id', 'at', 'os_user', 'action'),
      patient: `CASE WHEN t.patient IS NULL THEN NULL ELSE ${pseudonymOf(research, 't.patient')} END`,
      details: 'NULL::text',
    },
    vcf_imports: {
      ...all('id', 'patient_id'),
      file_name: "'vcf ' || t.id",
      ...all('sha256', 'bytes', 'vcf_version'),
      sample: `'sample ' || coalesce(${sampleOrdinal('t.sample')}, 1)`,
      samples: `(SELECT coalesce(json_agg('sample ' || n ORDER BY n), '[]'::json)::text
        FROM generate_series(1, json_array_length(t.samples::json)) n)`,
      ...all(
        'build',
        'build_evidence',
        'annotation_sources',
        'records',
        'not_carried',
        'imported_at',
        'app_version',
        'frequency_fields',
        'warnings',
        'telomeres',
        'legacy_build',
      ),
      father: `'sample ' || ${sampleOrdinal('t.father')}`,
      mother: `'sample ' || ${sampleOrdinal('t.mother')}`,
    },
    variants: all(
      'id',
      'import_id',
      'line',
      'chrom',
      'pos',
      'ref',
      'alt',
      'alt_index',
      'rsid',
      'qual',
      'filter',
      'genotype',
      'zygosity',
      'depth',
      'genotype_quality',
      'gnomad_af',
      'clinvar',
      'cadd',
      'revel',
      'father_genotype',
      'mother_genotype',
      'segregation',
    ),
    variant_annotations: all(
      'variant_id',
      'ordinal',
      'source',
      'gene',
      'transcript',
      'hgvs_c',
      'hgvs_p',
      'consequence',
      'impact',
      'canonical',
    ),
    gene_catalogue: all('id', 'file_name', 'sha256', 'layout', 'entries', 'imported_at'),
    gene_syndromes: all('gene', 'disease_id', 'disease_name', 'inheritance', 'evidence'),
    control_sources: all('patient_id', 'source'),
    gallery_packs: all(
      'id',
      'content_sha256',
      'centre',
      'model_id',
      'model_sha256',
      'dim',
      'exported_at',
      'added_at',
      'app_version',
    ),
    pack_members: all(
      'id',
      'pack_id',
      'member',
      'label',
      'is_control',
      'control_source',
      'omim',
      'orpha',
      'mondo',
      'sex',
    ),
    pack_embeddings: all('id', 'member_id', 'age_band', 'vector'),
    matcher_cache: all(
      'model_id',
      'model_sha256',
      'space',
      'gallery_version',
      'method',
      'fitted',
      'fitted_at',
    ),
  };
}

export interface RolesSetup {
  schema: string;
  groups: RoleGroups;
  /** The views made in the research schema, by table. */
  views: string[];
}

/**
 * Creates (or brings up to date) the two groups, the research schema and its views, and the grants. Run
 * by the schema's owner (who needs CREATEROLE) on a migrated store; running it again is harmless and is
 * what a later migration's tables need.
 */
export function setupRoles(db: Db): RolesSetup {
  const schema = currentSchema(db);
  const g = roleGroups(schema);
  const owned = db
    .prepare(`SELECT pg_has_role(current_user, n.nspowner, 'USAGE') FROM pg_namespace n WHERE n.nspname = ?`)
    .pluck()
    .get(schema) as boolean | undefined;
  if (!owned)
    throw new UserError(`only the owner of schema '${schema}' can set up its roles (connect as that login)`);
  const views = researchViews(schema, g.research);
  const present = new Set(
    db
      .prepare(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'`,
      )
      .pluck()
      .all(schema) as string[],
  );
  const made: string[] = [];
  db.transaction(() => {
    for (const [group, what] of [
      [g.clinician, 'clinicians'],
      [g.researcher, 'researchers'],
    ] as const) {
      const exists = db.prepare('SELECT 1 FROM pg_roles WHERE rolname = ?').get(group);
      if (!exists) db.exec(`CREATE ROLE ${group} NOLOGIN`);
      db.exec(`COMMENT ON ROLE ${group} IS 'FacePheno ${what} of schema ${schema}'`);
    }
    // The clinician: the app's work on every table, now and (default privileges) those migrations add.
    db.exec(`GRANT USAGE ON SCHEMA ${schema} TO ${g.clinician};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${g.clinician};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${g.clinician};
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${g.clinician};
      ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${g.clinician};
      REVOKE ALL ON SCHEMA ${schema} FROM ${g.researcher};
      REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${g.researcher};`);
    db.exec(`CREATE SCHEMA IF NOT EXISTS ${g.research};
      REVOKE ALL ON SCHEMA ${g.research} FROM PUBLIC;
      GRANT USAGE ON SCHEMA ${g.research} TO ${g.researcher};
      CREATE TABLE IF NOT EXISTS ${g.research}.pseudonym_key (
        id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL);
      REVOKE ALL ON ${g.research}.pseudonym_key FROM PUBLIC;`);
    db.prepare(
      `INSERT INTO ${g.research}.pseudonym_key (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`,
    ).run(randomBytes(32).toString('hex'));
    // The store's SQL functions, for the researcher's queries (its search path is the research schema).
    db.exec(`CREATE OR REPLACE FUNCTION ${g.research}.nocase(t TEXT) RETURNS TEXT LANGUAGE sql
        IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT lower(t COLLATE "C") $$;
      CREATE OR REPLACE FUNCTION ${g.research}.json_valid(t TEXT) RETURNS BOOLEAN LANGUAGE plpgsql
        IMMUTABLE AS $$ BEGIN PERFORM t::json; RETURN TRUE; EXCEPTION WHEN others THEN RETURN FALSE; END $$;`);
    for (const [table, columns] of Object.entries(views)) {
      if (!present.has(table)) continue;
      const list = Object.entries(columns)
        .map(([name, expr]) => (expr === pass ? `t.${name}` : `${expr} AS ${name}`))
        .join(',\n  ');
      // Dropped and made again: CREATE OR REPLACE VIEW cannot change a column's expression type.
      db.exec(`DROP VIEW IF EXISTS ${g.research}.${table} CASCADE;
        CREATE VIEW ${g.research}.${table} AS SELECT\n  ${list}\nFROM ${schema}.${table} t;
        REVOKE ALL ON ${g.research}.${table} FROM PUBLIC;
        GRANT SELECT ON ${g.research}.${table} TO ${g.researcher};`);
      made.push(table);
    }
    // A researcher's reads are audited: its entries reach the base table through the owner's trigger,
    // naming the real patient (the log is the clinicians'), the researcher's login recorded with them, and
    // chained there (repos/audit.ts entryHash, the same encoding), since the researcher can read neither the
    // head nor the real values the hash covers. The clinicians' write lock, then the head's row lock, keep
    // one chain.
    const field = (e: string) =>
      `CASE WHEN ${e} IS NULL THEN '-' ELSE octet_length(convert_to(${e}, 'UTF8')) || ':' || ${e} END`;
    db.exec(`CREATE OR REPLACE FUNCTION ${g.research}.record_audit() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        nid BIGINT; prev TEXT; who TEXT; pat TEXT; digest TEXT;
      BEGIN
        PERFORM pg_advisory_xact_lock(${WRITE_LOCK_KEY}, hashtext('${schema}'));
        SELECT coalesce(m.audit_head_hash, repeat('0', 64)) INTO prev
          FROM ${schema}.store_meta m WHERE m.id = 1 FOR UPDATE;
        SELECT coalesce(max(a.id), 0) + 1 INTO nid FROM ${schema}.audit_log a;
        who := NEW.os_user || ' (' || session_user || ', researcher)';
        pat := coalesce((SELECT p.pseudonym FROM ${schema}.patients p
          WHERE ${pseudonymOf(g.research, 'p.pseudonym').replaceAll('nocase(', `${schema}.nocase(`)} = NEW.patient LIMIT 1), NEW.patient);
        digest := encode(sha256(convert_to('facepheno-audit-v1' || chr(10) || ${field('nid::text')} ||
          ${field('NEW.at')} || ${field('who')} || ${field('NEW.action')} || ${field('pat')} ||
          ${field('NEW.details')} || ${field('prev')}, 'UTF8')), 'hex');
        INSERT INTO ${schema}.audit_log (id, at, os_user, action, patient, details, prev_hash, hash)
        VALUES (nid, NEW.at, who, NEW.action, pat, NEW.details, prev, digest);
        RETURN NEW;
      END $$;
      REVOKE ALL ON FUNCTION ${g.research}.record_audit() FROM PUBLIC;
      CREATE TRIGGER record_audit INSTEAD OF INSERT ON ${g.research}.audit_log
        FOR EACH ROW EXECUTE FUNCTION ${g.research}.record_audit();
      GRANT INSERT ON ${g.research}.audit_log TO ${g.researcher};`);
  }).immediate();
  return { schema, groups: g, views: made };
}

/**
 * Makes `login` (an existing PostgreSQL login) a clinician or a researcher of this schema, and nothing
 * else of it: the other group is revoked. Run by the owner.
 */
export function grantRole(db: Db, login: string, role: Role): { schema: string; group: string } {
  if (!loginPattern.test(login))
    throw new UserError(`login '${login}' must be a lower-case name of letters, digits and _`);
  const schema = currentSchema(db);
  const g = roleGroups(schema);
  if (!db.prepare('SELECT 1 FROM pg_roles WHERE rolname = ?').get(g.clinician))
    throw new UserError(`schema '${schema}' has no FacePheno roles yet: run facepheno roles setup first`);
  if (!db.prepare('SELECT 1 FROM pg_roles WHERE rolname = ? AND rolcanlogin').get(login))
    throw new UserError(
      `there is no PostgreSQL login '${login}' (the server's administrator creates it: CREATE ROLE ${login} LOGIN ...)`,
    );
  const [group, other] = role === 'clinician' ? [g.clinician, g.researcher] : [g.researcher, g.clinician];
  db.transaction(() => {
    db.exec(`REVOKE ${other} FROM ${login}`);
    db.exec(`GRANT ${group} TO ${login}`);
  }).immediate();
  return { schema, group };
}

/** Who the connection's login is on this schema, as the server says; null: no FacePheno role at all. */
export interface ServerRole {
  schema: string;
  role: Role | null;
  /** The owner (or a superuser): the clinician who migrates and sets up the roles. */
  owner: boolean;
  login: string;
}

export function serverRole(db: Db, given?: string): ServerRole {
  const schema = currentSchema(db, given);
  const g = roleGroups(schema);
  const r = db
    .prepare(
      `SELECT current_user AS login,
        (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
          OR coalesce((SELECT pg_has_role(current_user, n.nspowner, 'USAGE') FROM pg_namespace n
            WHERE n.nspname = ?), false) AS owner,
        EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = ? AND pg_has_role(current_user, g.oid, 'USAGE'))
          AS clinician,
        EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = ? AND pg_has_role(current_user, g.oid, 'USAGE'))
          AS researcher`,
    )
    .get(schema, g.clinician, g.researcher) as {
    login: string;
    owner: boolean;
    clinician: boolean;
    researcher: boolean;
  };
  const role: Role | null = r.owner || r.clinician ? 'clinician' : r.researcher ? 'researcher' : null;
  return { schema, role, owner: r.owner, login: r.login };
}
