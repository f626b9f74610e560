import type { Migration } from '../migrate.js';

/**
 * The core case schema. Conventions: STRICT tables; times are ISO 8601 UTC text; dates are YYYY-MM-DD;
 * JSON columns are checked with json_valid; float vectors are little-endian Float32 blobs.
 */
export const migration: Migration = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE store_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  store_id TEXT NOT NULL,
  -- bumped by the triggers below whenever anything a gallery is built from changes
  gallery_version INTEGER NOT NULL
) STRICT;
INSERT INTO store_meta (id, store_id, gallery_version) VALUES (1, lower(hex(randomblob(8))), 0);

CREATE TABLE patients (
  id INTEGER PRIMARY KEY,
  pseudonym TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(pseudonym)) > 0),
  sex TEXT NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  birth_year INTEGER CHECK (birth_year BETWEEN 1880 AND 2200),
  birth_date TEXT CHECK (birth_date IS NULL OR (date(birth_date) = birth_date
    AND birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER))),
  is_control INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
  notes TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE analysis_settings (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  json TEXT NOT NULL CHECK (json_valid(json)),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE photos (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  bytes INTEGER NOT NULL CHECK (bytes > 0),
  original_name TEXT NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  age_years REAL CHECK (age_years IS NULL OR age_years BETWEEN 0 AND 130),
  added_at TEXT NOT NULL,
  settings_id INTEGER NOT NULL REFERENCES analysis_settings (id),
  UNIQUE (patient_id, sha256)
) STRICT;
CREATE INDEX photos_by_sha256 ON photos (sha256);

CREATE TABLE faces (
  id INTEGER PRIMARY KEY,
  photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  is_primary INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
  box_x REAL NOT NULL,
  box_y REAL NOT NULL,
  box_width REAL NOT NULL CHECK (box_width > 0),
  box_height REAL NOT NULL CHECK (box_height > 0),
  score REAL NOT NULL,
  points5 TEXT NOT NULL CHECK (json_valid(points5) AND json_array_length(points5) = 5),
  mesh BLOB,
  quality TEXT NOT NULL CHECK (json_valid(quality)),
  UNIQUE (photo_id, ordinal)
) STRICT;
CREATE UNIQUE INDEX faces_one_primary_per_photo ON faces (photo_id) WHERE is_primary = 1;

CREATE TABLE embeddings (
  face_id INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  model_sha256 TEXT NOT NULL CHECK (length(model_sha256) = 64),
  dim INTEGER NOT NULL CHECK (dim > 0),
  vector BLOB NOT NULL CHECK (length(vector) = 4 * dim),
  PRIMARY KEY (face_id, model_id)
) STRICT;
CREATE INDEX embeddings_by_model ON embeddings (model_id);

CREATE TABLE syndromes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
  omim TEXT UNIQUE CHECK (omim IS NULL OR omim GLOB 'OMIM:?*'),
  orpha TEXT UNIQUE CHECK (orpha IS NULL OR orpha GLOB 'ORPHA:?*'),
  mondo TEXT UNIQUE CHECK (mondo IS NULL OR mondo GLOB 'MONDO:?*')
) STRICT;

CREATE TABLE syndrome_genes (
  syndrome_id INTEGER NOT NULL REFERENCES syndromes (id) ON DELETE CASCADE,
  gene TEXT NOT NULL CHECK (length(gene) > 0),
  PRIMARY KEY (syndrome_id, gene)
) STRICT;
CREATE INDEX syndrome_genes_by_gene ON syndrome_genes (gene);

CREATE TABLE diagnoses (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  syndrome_id INTEGER NOT NULL REFERENCES syndromes (id),
  status TEXT NOT NULL CHECK (status IN ('confirmed', 'suspected', 'excluded')),
  gene TEXT,
  variant TEXT,
  diagnosed_on TEXT CHECK (diagnosed_on IS NULL OR date(diagnosed_on) = diagnosed_on),
  recorded_at TEXT NOT NULL,
  UNIQUE (patient_id, syndrome_id)
) STRICT;
CREATE INDEX diagnoses_by_syndrome ON diagnoses (syndrome_id);

CREATE TABLE patient_terms (
  patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  term_id TEXT NOT NULL CHECK (term_id GLOB 'HP:[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
  label TEXT NOT NULL,
  excluded INTEGER NOT NULL CHECK (excluded IN (0, 1)),
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (patient_id, term_id)
) STRICT;

CREATE TABLE hpo_release (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version TEXT NOT NULL,
  source TEXT NOT NULL,
  loaded_at TEXT NOT NULL
) STRICT;

CREATE TABLE hpo_terms (
  id TEXT PRIMARY KEY CHECK (id GLOB 'HP:[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
  name TEXT NOT NULL,
  definition TEXT,
  obsolete INTEGER NOT NULL CHECK (obsolete IN (0, 1)),
  replaced_by TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE hpo_synonyms (
  term_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  synonym TEXT NOT NULL,
  PRIMARY KEY (term_id, synonym)
) STRICT, WITHOUT ROWID;

CREATE TABLE hpo_parents (
  term_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  parent_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  PRIMARY KEY (term_id, parent_id)
) STRICT, WITHOUT ROWID;

-- Keeps the pseudonym rather than a reference, so the log outlives a deleted patient.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  os_user TEXT NOT NULL,
  action TEXT NOT NULL,
  patient TEXT,
  details TEXT CHECK (details IS NULL OR json_valid(details))
) STRICT;
CREATE INDEX audit_log_by_patient ON audit_log (patient, at);

CREATE TRIGGER gallery_embedding_added AFTER INSERT ON embeddings
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_embedding_changed AFTER UPDATE ON embeddings
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_embedding_removed AFTER DELETE ON embeddings
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_primary_changed AFTER UPDATE OF is_primary ON faces
WHEN old.is_primary IS NOT new.is_primary BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_diagnosis_added AFTER INSERT ON diagnoses
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_diagnosis_changed AFTER UPDATE ON diagnoses
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_diagnosis_removed AFTER DELETE ON diagnoses
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_syndrome_renamed AFTER UPDATE OF name ON syndromes
WHEN old.name IS NOT new.name BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_control_changed AFTER UPDATE OF is_control ON patients
WHEN old.is_control IS NOT new.is_control BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
CREATE TRIGGER gallery_patient_removed AFTER DELETE ON patients
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
`,
  // The same schema for PostgreSQL: identity keys, BYTEA, DOUBLE PRECISION; SQLite's json_valid, date()
  // checks and GLOBs as functions and regular expressions; text compared and sorted bytewise (COLLATE "C",
  // SQLite's BINARY) whatever the server's locale; COLLATE NOCASE names as unique indexes on nocase(name)
  // (the repositories look them up by nocase()); the gallery triggers in PL/pgSQL.
  postgres: `
CREATE FUNCTION json_valid(t TEXT) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM t::json; RETURN TRUE; EXCEPTION WHEN others THEN RETURN FALSE; END $$;

-- SQLite's NOCASE: ASCII letters folded, nothing else, whatever the server's or the argument's locale
CREATE FUNCTION nocase(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(t COLLATE "C") $$;

-- SQLite's date(d) = d: a real calendar date written YYYY-MM-DD
CREATE FUNCTION is_iso_date(t TEXT) RETURNS BOOLEAN LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN t ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AND to_char(t::date, 'YYYY-MM-DD') = t;
EXCEPTION WHEN others THEN RETURN FALSE; END $$;

CREATE TABLE store_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  store_id TEXT COLLATE "C" NOT NULL,
  -- bumped by the triggers below whenever anything a gallery is built from changes
  gallery_version BIGINT NOT NULL
);
INSERT INTO store_meta (id, store_id, gallery_version)
VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 0);

CREATE TABLE patients (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  pseudonym TEXT COLLATE "C" NOT NULL CHECK (length(trim(pseudonym)) > 0),
  sex TEXT COLLATE "C" NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  birth_year INTEGER CHECK (birth_year BETWEEN 1880 AND 2200),
  birth_date TEXT COLLATE "C" CHECK (birth_date IS NULL OR (is_iso_date(birth_date)
    AND birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER))),
  is_control INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)),
  notes TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX patients_by_pseudonym ON patients (nocase(pseudonym));

CREATE TABLE analysis_settings (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  sha256 TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(sha256) = 64),
  json TEXT COLLATE "C" NOT NULL CHECK (json_valid(json)),
  created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE photos (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  sha256 TEXT COLLATE "C" NOT NULL CHECK (length(sha256) = 64),
  bytes BIGINT NOT NULL CHECK (bytes > 0),
  original_name TEXT COLLATE "C" NOT NULL,
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  age_years DOUBLE PRECISION CHECK (age_years IS NULL OR age_years BETWEEN 0 AND 130),
  added_at TEXT COLLATE "C" NOT NULL,
  settings_id BIGINT NOT NULL REFERENCES analysis_settings (id),
  UNIQUE (patient_id, sha256)
);
CREATE INDEX photos_by_sha256 ON photos (sha256);

CREATE TABLE faces (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  photo_id BIGINT NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  is_primary INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
  box_x DOUBLE PRECISION NOT NULL,
  box_y DOUBLE PRECISION NOT NULL,
  box_width DOUBLE PRECISION NOT NULL CHECK (box_width > 0),
  box_height DOUBLE PRECISION NOT NULL CHECK (box_height > 0),
  score DOUBLE PRECISION NOT NULL,
  points5 TEXT COLLATE "C" NOT NULL CHECK (CASE WHEN json_valid(points5) THEN json_typeof(points5::json) = 'array'
    AND json_array_length(points5::json) = 5 ELSE FALSE END),
  mesh BYTEA,
  quality TEXT COLLATE "C" NOT NULL CHECK (json_valid(quality)),
  UNIQUE (photo_id, ordinal)
);
CREATE UNIQUE INDEX faces_one_primary_per_photo ON faces (photo_id) WHERE is_primary = 1;

CREATE TABLE embeddings (
  face_id BIGINT NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
  model_id TEXT COLLATE "C" NOT NULL,
  model_sha256 TEXT COLLATE "C" NOT NULL CHECK (length(model_sha256) = 64),
  dim INTEGER NOT NULL CHECK (dim > 0),
  vector BYTEA NOT NULL CHECK (octet_length(vector) = 4 * dim),
  PRIMARY KEY (face_id, model_id)
);
CREATE INDEX embeddings_by_model ON embeddings (model_id);

CREATE TABLE syndromes (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL CHECK (length(trim(name)) > 0),
  omim TEXT COLLATE "C" UNIQUE CHECK (omim IS NULL OR omim LIKE 'OMIM:_%'),
  orpha TEXT COLLATE "C" UNIQUE CHECK (orpha IS NULL OR orpha LIKE 'ORPHA:_%'),
  mondo TEXT COLLATE "C" UNIQUE CHECK (mondo IS NULL OR mondo LIKE 'MONDO:_%')
);
CREATE UNIQUE INDEX syndromes_by_name ON syndromes (nocase(name));

CREATE TABLE syndrome_genes (
  syndrome_id BIGINT NOT NULL REFERENCES syndromes (id) ON DELETE CASCADE,
  gene TEXT COLLATE "C" NOT NULL CHECK (length(gene) > 0),
  PRIMARY KEY (syndrome_id, gene)
);
CREATE INDEX syndrome_genes_by_gene ON syndrome_genes (gene);

CREATE TABLE diagnoses (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  syndrome_id BIGINT NOT NULL REFERENCES syndromes (id),
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('confirmed', 'suspected', 'excluded')),
  gene TEXT COLLATE "C",
  variant TEXT COLLATE "C",
  diagnosed_on TEXT COLLATE "C" CHECK (diagnosed_on IS NULL OR is_iso_date(diagnosed_on)),
  recorded_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (patient_id, syndrome_id)
);
CREATE INDEX diagnoses_by_syndrome ON diagnoses (syndrome_id);

CREATE TABLE patient_terms (
  patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  term_id TEXT COLLATE "C" NOT NULL CHECK (term_id ~ '^HP:[0-9]{7}$'),
  label TEXT COLLATE "C" NOT NULL,
  excluded INTEGER NOT NULL CHECK (excluded IN (0, 1)),
  recorded_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (patient_id, term_id)
);

CREATE TABLE hpo_release (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL,
  loaded_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE hpo_terms (
  id TEXT COLLATE "C" PRIMARY KEY CHECK (id ~ '^HP:[0-9]{7}$'),
  name TEXT COLLATE "C" NOT NULL,
  definition TEXT COLLATE "C",
  obsolete INTEGER NOT NULL CHECK (obsolete IN (0, 1)),
  replaced_by TEXT COLLATE "C"
);

CREATE TABLE hpo_synonyms (
  term_id TEXT COLLATE "C" NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  synonym TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (term_id, synonym)
);

CREATE TABLE hpo_parents (
  term_id TEXT COLLATE "C" NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  parent_id TEXT COLLATE "C" NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE,
  PRIMARY KEY (term_id, parent_id)
);

-- Keeps the pseudonym rather than a reference, so the log outlives a deleted patient.
CREATE TABLE audit_log (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at TEXT COLLATE "C" NOT NULL,
  os_user TEXT COLLATE "C" NOT NULL,
  action TEXT COLLATE "C" NOT NULL,
  patient TEXT COLLATE "C",
  details TEXT COLLATE "C" CHECK (details IS NULL OR json_valid(details))
);
CREATE INDEX audit_log_by_patient ON audit_log (patient, at);

CREATE FUNCTION bump_gallery_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; RETURN NULL; END $$;

CREATE TRIGGER gallery_embedding_added AFTER INSERT ON embeddings
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_embedding_changed AFTER UPDATE ON embeddings
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_embedding_removed AFTER DELETE ON embeddings
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_primary_changed AFTER UPDATE OF is_primary ON faces
FOR EACH ROW WHEN (old.is_primary IS DISTINCT FROM new.is_primary) EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_diagnosis_added AFTER INSERT ON diagnoses
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_diagnosis_changed AFTER UPDATE ON diagnoses
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_diagnosis_removed AFTER DELETE ON diagnoses
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_syndrome_renamed AFTER UPDATE OF name ON syndromes
FOR EACH ROW WHEN (old.name IS DISTINCT FROM new.name) EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_control_changed AFTER UPDATE OF is_control ON patients
FOR EACH ROW WHEN (old.is_control IS DISTINCT FROM new.is_control) EXECUTE FUNCTION bump_gallery_version();
CREATE TRIGGER gallery_patient_removed AFTER DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION bump_gallery_version();
`,
};
