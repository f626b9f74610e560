import type { Migration } from '../migrate.js';

/**
 * Matching: each control's source (photo sources differ in style, so matching models every source of
 * controls as its own class and sums them into 'unaffected'); gallery packs merged in from other centres
 * (embeddings, labels, age band and sex of pseudonymous members, never a photo or an identifier); and the
 * fitted matcher of a model and gallery version, so a match does not refit the classifier each time.
 */
export const migration: Migration = {
  version: 3,
  name: 'matching',
  sql: `
CREATE TABLE control_sources (
  patient_id INTEGER PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
  source TEXT NOT NULL CHECK (length(trim(source)) > 0)
) STRICT;

CREATE TABLE gallery_packs (
  id INTEGER PRIMARY KEY,
  content_sha256 TEXT NOT NULL UNIQUE CHECK (length(content_sha256) = 64),
  centre TEXT NOT NULL CHECK (length(trim(centre)) > 0),
  model_id TEXT NOT NULL,
  model_sha256 TEXT NOT NULL CHECK (length(model_sha256) = 64),
  dim INTEGER NOT NULL CHECK (dim > 0),
  exported_at TEXT NOT NULL,
  added_at TEXT NOT NULL,
  app_version TEXT NOT NULL
) STRICT;

CREATE TABLE pack_members (
  id INTEGER PRIMARY KEY,
  pack_id INTEGER NOT NULL REFERENCES gallery_packs (id) ON DELETE CASCADE,
  -- the pack's own pseudonym, which no store knows
  member TEXT NOT NULL CHECK (length(member) > 0),
  label TEXT NOT NULL CHECK (length(trim(label)) > 0),
  is_control INTEGER NOT NULL CHECK (is_control IN (0, 1)),
  control_source TEXT,
  omim TEXT CHECK (omim IS NULL OR omim GLOB 'OMIM:?*'),
  orpha TEXT CHECK (orpha IS NULL OR orpha GLOB 'ORPHA:?*'),
  mondo TEXT CHECK (mondo IS NULL OR mondo GLOB 'MONDO:?*'),
  sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  UNIQUE (pack_id, member)
) STRICT;
CREATE INDEX pack_members_by_pack ON pack_members (pack_id);

CREATE TABLE pack_embeddings (
  id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES pack_members (id) ON DELETE CASCADE,
  age_band TEXT,
  vector BLOB NOT NULL CHECK (length(vector) > 0 AND length(vector) % 4 = 0)
) STRICT;
CREATE INDEX pack_embeddings_by_member ON pack_embeddings (member_id);

-- one fitted matcher per model and space; valid only while gallery_version and method are its own
CREATE TABLE matcher_cache (
  model_id TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  space TEXT NOT NULL,
  gallery_version TEXT NOT NULL,
  method TEXT NOT NULL,
  fitted TEXT NOT NULL CHECK (json_valid(fitted)),
  fitted_at TEXT NOT NULL,
  PRIMARY KEY (model_id, space)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER gallery_control_source_added AFTER INSERT ON control_sources
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_control_source_changed AFTER UPDATE ON control_sources
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_control_source_removed AFTER DELETE ON control_sources
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_pack_added AFTER INSERT ON gallery_packs
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_pack_removed AFTER DELETE ON gallery_packs
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
`,
};
