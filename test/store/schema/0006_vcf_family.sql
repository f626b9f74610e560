-- index audit_log_by_patient on audit_log
CREATE INDEX audit_log_by_patient ON audit_log (patient, at);
-- index audit_log_one_successor on audit_log
CREATE UNIQUE INDEX audit_log_one_successor ON audit_log (prev_hash);
-- index diagnoses_by_syndrome on diagnoses
CREATE INDEX diagnoses_by_syndrome ON diagnoses (syndrome_id);
-- index embeddings_by_model on embeddings
CREATE INDEX embeddings_by_model ON embeddings (model_id);
-- index faces_one_primary_per_photo on faces
CREATE UNIQUE INDEX faces_one_primary_per_photo ON faces (photo_id) WHERE is_primary = 1;
-- index gene_syndromes_by_disease on gene_syndromes
CREATE INDEX gene_syndromes_by_disease ON gene_syndromes (disease_id);
-- index pack_embeddings_by_member on pack_embeddings
CREATE INDEX pack_embeddings_by_member ON pack_embeddings (member_id);
-- index pack_members_by_pack on pack_members
CREATE INDEX pack_members_by_pack ON pack_members (pack_id);
-- index patients_by_kind on patients
CREATE INDEX patients_by_kind ON patients (kind, created_at);
-- index photos_by_sha256 on photos
CREATE INDEX photos_by_sha256 ON photos (sha256);
-- index syndrome_genes_by_gene on syndrome_genes
CREATE INDEX syndrome_genes_by_gene ON syndrome_genes (gene);
-- index variant_annotations_by_gene on variant_annotations
CREATE INDEX variant_annotations_by_gene ON variant_annotations (gene);
-- index variants_by_import on variants
CREATE INDEX variants_by_import ON variants (import_id);
-- table analysis_settings on analysis_settings
CREATE TABLE analysis_settings ( id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64), json TEXT NOT NULL CHECK (json_valid(json)), created_at TEXT NOT NULL ) STRICT;
-- table audit_log on audit_log
CREATE TABLE audit_log ( id INTEGER PRIMARY KEY, at TEXT NOT NULL, os_user TEXT NOT NULL, action TEXT NOT NULL, patient TEXT, details TEXT CHECK (details IS NULL OR json_valid(details)) , prev_hash TEXT CHECK (prev_hash IS NULL OR (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*')), hash TEXT CHECK (hash IS NULL OR (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'))) STRICT;
-- table control_sources on control_sources
CREATE TABLE control_sources ( patient_id INTEGER PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE, source TEXT NOT NULL CHECK (length(trim(source)) > 0) ) STRICT;
-- table diagnoses on diagnoses
CREATE TABLE diagnoses ( id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE, syndrome_id INTEGER NOT NULL REFERENCES syndromes (id), status TEXT NOT NULL CHECK (status IN ('confirmed', 'suspected', 'excluded')), gene TEXT, variant TEXT, diagnosed_on TEXT CHECK (diagnosed_on IS NULL OR date(diagnosed_on) = diagnosed_on), recorded_at TEXT NOT NULL, UNIQUE (patient_id, syndrome_id) ) STRICT;
-- table embeddings on embeddings
CREATE TABLE embeddings ( face_id INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE, model_id TEXT NOT NULL, model_sha256 TEXT NOT NULL CHECK (length(model_sha256) = 64), dim INTEGER NOT NULL CHECK (dim > 0), vector BLOB NOT NULL CHECK (length(vector) = 4 * dim), PRIMARY KEY (face_id, model_id) ) STRICT;
-- table faces on faces
CREATE TABLE faces ( id INTEGER PRIMARY KEY, photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE, ordinal INTEGER NOT NULL CHECK (ordinal >= 0), is_primary INTEGER NOT NULL CHECK (is_primary IN (0, 1)), box_x REAL NOT NULL, box_y REAL NOT NULL, box_width REAL NOT NULL CHECK (box_width > 0), box_height REAL NOT NULL CHECK (box_height > 0), score REAL NOT NULL, points5 TEXT NOT NULL CHECK (json_valid(points5) AND json_array_length(points5) = 5), mesh BLOB, quality TEXT NOT NULL CHECK (json_valid(quality)), UNIQUE (photo_id, ordinal) ) STRICT;
-- table gallery_packs on gallery_packs
CREATE TABLE gallery_packs ( id INTEGER PRIMARY KEY, content_sha256 TEXT NOT NULL UNIQUE CHECK (length(content_sha256) = 64), centre TEXT NOT NULL CHECK (length(trim(centre)) > 0), model_id TEXT NOT NULL, model_sha256 TEXT NOT NULL CHECK (length(model_sha256) = 64), dim INTEGER NOT NULL CHECK (dim > 0), exported_at TEXT NOT NULL, added_at TEXT NOT NULL, app_version TEXT NOT NULL ) STRICT;
-- table gene_catalogue on gene_catalogue
CREATE TABLE gene_catalogue ( id INTEGER PRIMARY KEY CHECK (id = 1), file_name TEXT NOT NULL, sha256 TEXT NOT NULL CHECK (length(sha256) = 64), layout TEXT NOT NULL CHECK (layout IN ('genemap2', 'genes_to_disease')), entries INTEGER NOT NULL CHECK (entries >= 0), imported_at TEXT NOT NULL ) STRICT;
-- table gene_syndromes on gene_syndromes
CREATE TABLE gene_syndromes ( gene TEXT NOT NULL COLLATE NOCASE CHECK (length(gene) > 0), disease_id TEXT NOT NULL CHECK (disease_id GLOB '[A-Z]*:?*'), disease_name TEXT, inheritance TEXT, evidence TEXT, PRIMARY KEY (gene, disease_id) ) STRICT, WITHOUT ROWID;
-- table hpo_parents on hpo_parents
CREATE TABLE hpo_parents ( term_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE, parent_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE, PRIMARY KEY (term_id, parent_id) ) STRICT, WITHOUT ROWID;
-- table hpo_release on hpo_release
CREATE TABLE hpo_release ( id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL, source TEXT NOT NULL, loaded_at TEXT NOT NULL ) STRICT;
-- table hpo_synonyms on hpo_synonyms
CREATE TABLE hpo_synonyms ( term_id TEXT NOT NULL REFERENCES hpo_terms (id) ON DELETE CASCADE, synonym TEXT NOT NULL, PRIMARY KEY (term_id, synonym) ) STRICT, WITHOUT ROWID;
-- table hpo_terms on hpo_terms
CREATE TABLE hpo_terms ( id TEXT PRIMARY KEY CHECK (id GLOB 'HP:[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'), name TEXT NOT NULL, definition TEXT, obsolete INTEGER NOT NULL CHECK (obsolete IN (0, 1)), replaced_by TEXT ) STRICT, WITHOUT ROWID;
-- table matcher_cache on matcher_cache
CREATE TABLE matcher_cache ( model_id TEXT NOT NULL, model_sha256 TEXT NOT NULL, space TEXT NOT NULL, gallery_version TEXT NOT NULL, method TEXT NOT NULL, fitted TEXT NOT NULL CHECK (json_valid(fitted)), fitted_at TEXT NOT NULL, PRIMARY KEY (model_id, space) ) STRICT, WITHOUT ROWID;
-- table pack_embeddings on pack_embeddings
CREATE TABLE pack_embeddings ( id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL REFERENCES pack_members (id) ON DELETE CASCADE, age_band TEXT, vector BLOB NOT NULL CHECK (length(vector) > 0 AND length(vector) % 4 = 0) ) STRICT;
-- table pack_members on pack_members
CREATE TABLE pack_members ( id INTEGER PRIMARY KEY, pack_id INTEGER NOT NULL REFERENCES gallery_packs (id) ON DELETE CASCADE, member TEXT NOT NULL CHECK (length(member) > 0), label TEXT NOT NULL CHECK (length(trim(label)) > 0), is_control INTEGER NOT NULL CHECK (is_control IN (0, 1)), control_source TEXT, omim TEXT CHECK (omim IS NULL OR omim GLOB 'OMIM:?*'), orpha TEXT CHECK (orpha IS NULL OR orpha GLOB 'ORPHA:?*'), mondo TEXT CHECK (mondo IS NULL OR mondo GLOB 'MONDO:?*'), sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')), UNIQUE (pack_id, member) ) STRICT;
-- table patient_terms on patient_terms
CREATE TABLE patient_terms ( patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE, term_id TEXT NOT NULL CHECK (term_id GLOB 'HP:[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'), label TEXT NOT NULL, excluded INTEGER NOT NULL CHECK (excluded IN (0, 1)), recorded_at TEXT NOT NULL, PRIMARY KEY (patient_id, term_id) ) STRICT;
-- table patients on patients
CREATE TABLE patients ( id INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(pseudonym)) > 0), sex TEXT NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'other', 'unknown')), birth_year INTEGER CHECK (birth_year BETWEEN 1880 AND 2200), birth_date TEXT CHECK (birth_date IS NULL OR (date(birth_date) = birth_date AND birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER))), is_control INTEGER NOT NULL DEFAULT 0 CHECK (is_control IN (0, 1)), notes TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, updated_at TEXT NOT NULL , kind TEXT NOT NULL DEFAULT 'clinic' CHECK (kind IN ('clinic', 'reference')), solved_at TEXT) STRICT;
-- table photos on photos
CREATE TABLE photos ( id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE, sha256 TEXT NOT NULL CHECK (length(sha256) = 64), bytes INTEGER NOT NULL CHECK (bytes > 0), original_name TEXT NOT NULL, width INTEGER NOT NULL CHECK (width > 0), height INTEGER NOT NULL CHECK (height > 0), age_years REAL CHECK (age_years IS NULL OR age_years BETWEEN 0 AND 130), added_at TEXT NOT NULL, settings_id INTEGER NOT NULL REFERENCES analysis_settings (id), UNIQUE (patient_id, sha256) ) STRICT;
-- table schema_migrations on schema_migrations
CREATE TABLE schema_migrations ( version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL, app_version TEXT NOT NULL ) STRICT;
-- table store_meta on store_meta
CREATE TABLE store_meta ( id INTEGER PRIMARY KEY CHECK (id = 1), store_id TEXT NOT NULL, gallery_version INTEGER NOT NULL , audit_head_id INTEGER, audit_head_hash TEXT, audit_chained INTEGER NOT NULL DEFAULT 0, reference_version INTEGER NOT NULL DEFAULT 0) STRICT;
-- table syndrome_genes on syndrome_genes
CREATE TABLE syndrome_genes ( syndrome_id INTEGER NOT NULL REFERENCES syndromes (id) ON DELETE CASCADE, gene TEXT NOT NULL CHECK (length(gene) > 0), PRIMARY KEY (syndrome_id, gene) ) STRICT;
-- table syndromes on syndromes
CREATE TABLE syndromes ( id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0), omim TEXT UNIQUE CHECK (omim IS NULL OR omim GLOB 'OMIM:?*'), orpha TEXT UNIQUE CHECK (orpha IS NULL OR orpha GLOB 'ORPHA:?*'), mondo TEXT UNIQUE CHECK (mondo IS NULL OR mondo GLOB 'MONDO:?*') ) STRICT;
-- table variant_annotations on variant_annotations
CREATE TABLE variant_annotations ( variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE, ordinal INTEGER NOT NULL CHECK (ordinal >= 0), source TEXT NOT NULL CHECK (source IN ('CSQ', 'ANN')), gene TEXT COLLATE NOCASE, transcript TEXT, hgvs_c TEXT, hgvs_p TEXT, consequence TEXT, impact TEXT CHECK (impact IS NULL OR impact IN ('HIGH', 'MODERATE', 'LOW', 'MODIFIER')), canonical INTEGER NOT NULL CHECK (canonical IN (0, 1)), PRIMARY KEY (variant_id, ordinal) ) STRICT, WITHOUT ROWID;
-- table variants on variants
CREATE TABLE variants ( id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL REFERENCES vcf_imports (id) ON DELETE CASCADE, line INTEGER NOT NULL CHECK (line > 0), chrom TEXT NOT NULL, pos INTEGER NOT NULL CHECK (pos > 0), ref TEXT NOT NULL, alt TEXT NOT NULL, alt_index INTEGER NOT NULL CHECK (alt_index > 0), rsid TEXT, qual REAL, filter TEXT, genotype TEXT, zygosity TEXT NOT NULL CHECK (zygosity IN ('het', 'hom', 'hemi')), depth INTEGER, genotype_quality REAL, gnomad_af REAL CHECK (gnomad_af IS NULL OR gnomad_af BETWEEN 0 AND 1), clinvar TEXT, cadd REAL, revel REAL , father_genotype TEXT, mother_genotype TEXT, segregation TEXT CHECK (segregation IS NULL OR segregation IN ('de_novo', 'paternal', 'maternal', 'both_parents', 'unknown'))) STRICT;
-- table vcf_imports on vcf_imports
CREATE TABLE vcf_imports ( id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE, file_name TEXT NOT NULL, sha256 TEXT NOT NULL CHECK (length(sha256) = 64), bytes INTEGER NOT NULL CHECK (bytes > 0), vcf_version TEXT NOT NULL, sample TEXT NOT NULL, samples TEXT NOT NULL CHECK (json_valid(samples)), build TEXT CHECK (build IS NULL OR build IN ('GRCh37', 'GRCh38', 'T2T-CHM13')), build_evidence TEXT, annotation_sources TEXT NOT NULL CHECK (json_valid(annotation_sources)), records INTEGER NOT NULL CHECK (records >= 0), not_carried INTEGER NOT NULL CHECK (not_carried >= 0), imported_at TEXT NOT NULL, app_version TEXT NOT NULL, father TEXT, mother TEXT, frequency_fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(frequency_fields)), warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)), telomeres INTEGER NOT NULL DEFAULT 0 CHECK (telomeres >= 0), legacy_build TEXT CHECK (legacy_build IS NULL OR legacy_build IN ('NCBI36')), UNIQUE (patient_id, sha256, sample) ) STRICT;
-- trigger audit_log_follows_head on audit_log
CREATE TRIGGER audit_log_follows_head BEFORE INSERT ON audit_log WHEN NEW.hash IS NULL OR NEW.prev_hash IS NOT coalesce((SELECT audit_head_hash FROM store_meta WHERE id = 1), '0000000000000000000000000000000000000000000000000000000000000000') BEGIN SELECT RAISE(ABORT, 'audit_log: an entry must follow the chain''s head (store_meta.audit_head_hash)'); END;
-- trigger audit_log_head_moved on audit_log
CREATE TRIGGER audit_log_head_moved AFTER INSERT ON audit_log BEGIN UPDATE store_meta SET audit_head_id = NEW.id, audit_head_hash = NEW.hash, audit_chained = audit_chained + 1; END;
-- trigger audit_log_no_delete on audit_log
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- trigger audit_log_no_update on audit_log
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- trigger gallery_control_changed on patients
CREATE TRIGGER gallery_control_changed AFTER UPDATE OF is_control ON patients WHEN old.is_control IS NOT new.is_control BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_control_source_added on control_sources
CREATE TRIGGER gallery_control_source_added AFTER INSERT ON control_sources BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_control_source_changed on control_sources
CREATE TRIGGER gallery_control_source_changed AFTER UPDATE ON control_sources BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_control_source_removed on control_sources
CREATE TRIGGER gallery_control_source_removed AFTER DELETE ON control_sources BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_diagnosis_added on diagnoses
CREATE TRIGGER gallery_diagnosis_added AFTER INSERT ON diagnoses BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_diagnosis_changed on diagnoses
CREATE TRIGGER gallery_diagnosis_changed AFTER UPDATE ON diagnoses BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_diagnosis_removed on diagnoses
CREATE TRIGGER gallery_diagnosis_removed AFTER DELETE ON diagnoses BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_embedding_added on embeddings
CREATE TRIGGER gallery_embedding_added AFTER INSERT ON embeddings BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_embedding_changed on embeddings
CREATE TRIGGER gallery_embedding_changed AFTER UPDATE ON embeddings BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_embedding_removed on embeddings
CREATE TRIGGER gallery_embedding_removed AFTER DELETE ON embeddings BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_pack_added on gallery_packs
CREATE TRIGGER gallery_pack_added AFTER INSERT ON gallery_packs BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_pack_removed on gallery_packs
CREATE TRIGGER gallery_pack_removed AFTER DELETE ON gallery_packs BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_patient_removed on patients
CREATE TRIGGER gallery_patient_removed AFTER DELETE ON patients BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_primary_changed on faces
CREATE TRIGGER gallery_primary_changed AFTER UPDATE OF is_primary ON faces WHEN old.is_primary IS NOT new.is_primary BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger gallery_syndrome_renamed on syndromes
CREATE TRIGGER gallery_syndrome_renamed AFTER UPDATE OF name ON syndromes WHEN old.name IS NOT new.name BEGIN UPDATE store_meta SET gallery_version = gallery_version + 1; END;
-- trigger reference_case_changed on patients
CREATE TRIGGER reference_case_changed AFTER UPDATE OF is_control, kind ON patients WHEN (old.is_control IS NOT new.is_control AND new.kind = 'reference') OR old.kind IS NOT new.kind BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_case_removed on patients
CREATE TRIGGER reference_case_removed AFTER DELETE ON patients WHEN OLD.kind = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_control_source_added on control_sources
CREATE TRIGGER reference_control_source_added AFTER INSERT ON control_sources BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_control_source_changed on control_sources
CREATE TRIGGER reference_control_source_changed AFTER UPDATE ON control_sources BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_control_source_removed on control_sources
CREATE TRIGGER reference_control_source_removed AFTER DELETE ON control_sources BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_diagnosis_added on diagnoses
CREATE TRIGGER reference_diagnosis_added AFTER INSERT ON diagnoses WHEN (SELECT kind FROM patients WHERE id = NEW.patient_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_diagnosis_changed on diagnoses
CREATE TRIGGER reference_diagnosis_changed AFTER UPDATE ON diagnoses WHEN (SELECT kind FROM patients WHERE id = NEW.patient_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_diagnosis_removed on diagnoses
CREATE TRIGGER reference_diagnosis_removed AFTER DELETE ON diagnoses WHEN (SELECT kind FROM patients WHERE id = OLD.patient_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_embedding_added on embeddings
CREATE TRIGGER reference_embedding_added AFTER INSERT ON embeddings WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id WHERE f.id = NEW.face_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_embedding_changed on embeddings
CREATE TRIGGER reference_embedding_changed AFTER UPDATE ON embeddings WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id WHERE f.id = NEW.face_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_embedding_removed on embeddings
CREATE TRIGGER reference_embedding_removed AFTER DELETE ON embeddings WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id WHERE f.id = OLD.face_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_pack_added on gallery_packs
CREATE TRIGGER reference_pack_added AFTER INSERT ON gallery_packs BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_pack_removed on gallery_packs
CREATE TRIGGER reference_pack_removed AFTER DELETE ON gallery_packs BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_photo_removed on photos
CREATE TRIGGER reference_photo_removed AFTER DELETE ON photos WHEN (SELECT kind FROM patients WHERE id = OLD.patient_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_primary_changed on faces
CREATE TRIGGER reference_primary_changed AFTER UPDATE OF is_primary ON faces WHEN old.is_primary IS NOT new.is_primary AND (SELECT p.kind FROM photos ph JOIN patients p ON p.id = ph.patient_id WHERE ph.id = NEW.photo_id) = 'reference' BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- trigger reference_syndrome_renamed on syndromes
CREATE TRIGGER reference_syndrome_renamed AFTER UPDATE OF name ON syndromes WHEN old.name IS NOT new.name BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;