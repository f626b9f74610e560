import type { Migration } from '../migrate.js';

/**
 * The audit log as a hash chain (repos/audit.ts computes the hashes): each entry holds the hash of the one
 * before (prev_hash) and its own (hash), a hex sha256. store_meta keeps the chain's head (last id, hash)
 * and length, moved by a trigger in the same transaction as the insert, so that deleting the last entries
 * is detected too. The triggers refuse an entry that does not follow the head, and any UPDATE or DELETE:
 * they stop an honest program or person; someone who can drop triggers is caught by `audit verify`.
 * Entries written before this migration keep NULL hashes: they are the chain's start, not covered by it.
 * The first chained entry's prev_hash is 64 zeros. One successor per entry (a unique prev_hash) is what
 * keeps two workstations from forking the chain even if their appends were not serialised.
 */
export const migration: Migration = {
  version: 4,
  name: 'audit_chain',
  sql: `
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT
  CHECK (prev_hash IS NULL OR (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE audit_log ADD COLUMN hash TEXT
  CHECK (hash IS NULL OR (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'));
CREATE UNIQUE INDEX audit_log_one_successor ON audit_log (prev_hash);

ALTER TABLE store_meta ADD COLUMN audit_head_id INTEGER;
ALTER TABLE store_meta ADD COLUMN audit_head_hash TEXT;
ALTER TABLE store_meta ADD COLUMN audit_chained INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER audit_log_follows_head BEFORE INSERT ON audit_log
WHEN NEW.hash IS NULL OR NEW.prev_hash IS NOT coalesce((SELECT audit_head_hash FROM store_meta WHERE id = 1),
  '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'audit_log: an entry must follow the chain''s head (store_meta.audit_head_hash)'); END;
CREATE TRIGGER audit_log_head_moved AFTER INSERT ON audit_log
BEGIN UPDATE store_meta SET audit_head_id = NEW.id, audit_head_hash = NEW.hash,
  audit_chained = audit_chained + 1; END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  // The same for PostgreSQL. The head moves in a SECURITY DEFINER function, so that a login allowed only to
  // INSERT into audit_log (a researcher's) needs no UPDATE on store_meta; it names the trigger's own schema
  // and pins search_path, as a definer function must. FOR UPDATE on store_meta serialises appenders even
  // outside the store's advisory write lock.
  postgres: `
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT COLLATE "C"
  CHECK (prev_hash IS NULL OR prev_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_log ADD COLUMN hash TEXT COLLATE "C"
  CHECK (hash IS NULL OR hash ~ '^[0-9a-f]{64}$');
CREATE UNIQUE INDEX audit_log_one_successor ON audit_log (prev_hash);

ALTER TABLE store_meta ADD COLUMN audit_head_id BIGINT;
ALTER TABLE store_meta ADD COLUMN audit_head_hash TEXT COLLATE "C";
ALTER TABLE store_meta ADD COLUMN audit_chained BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION audit_log_append() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE head TEXT;
BEGIN
  EXECUTE format('SELECT audit_head_hash FROM %I.store_meta WHERE id = 1 FOR UPDATE', TG_TABLE_SCHEMA) INTO head;
  IF NEW.hash IS NULL OR NEW.prev_hash IS DISTINCT FROM coalesce(head, repeat('0', 64)) THEN
    RAISE EXCEPTION 'audit_log: an entry must follow the chain''s head (store_meta.audit_head_hash)';
  END IF;
  EXECUTE format('UPDATE %I.store_meta SET audit_head_id = $1, audit_head_hash = $2,
    audit_chained = audit_chained + 1 WHERE id = 1', TG_TABLE_SCHEMA) USING NEW.id, NEW.hash;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append();

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`,
};
