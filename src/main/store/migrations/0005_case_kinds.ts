import type { Migration } from '../migrate.js';

/**
 * Reference (gallery) cases apart from the clinic's own: patients.kind is 'reference' for the gallery's
 * confirmed cases and controls, 'clinic' for the department's patients, who reach the gallery only when a
 * user adds a solved case to it (solved_at, set with its confirmed diagnosis). Cases the gallery was built
 * from until now (controls and confirmed cases) become reference cases, so no gallery changes here.
 *
 * The gallery version becomes store_meta.reference_version, moved by triggers only when a reference case's
 * rows (or a pack, a control source, a syndrome's name) change: clinic work no longer moves it. The
 * earlier triggers of gallery_version stay (migrations only add); nothing reads that column any more.
 */
export const migration: Migration = {
  version: 5,
  name: 'case_kinds',
  sql: `
ALTER TABLE patients ADD COLUMN kind TEXT NOT NULL DEFAULT 'clinic' CHECK (kind IN ('clinic', 'reference'));
ALTER TABLE patients ADD COLUMN solved_at TEXT;
UPDATE patients SET kind = 'reference' WHERE is_control = 1
  OR EXISTS (SELECT 1 FROM diagnoses d WHERE d.patient_id = patients.id AND d.status = 'confirmed');
CREATE INDEX patients_by_kind ON patients (kind, created_at);

ALTER TABLE store_meta ADD COLUMN reference_version INTEGER NOT NULL DEFAULT 0;
UPDATE store_meta SET reference_version = gallery_version;

CREATE TRIGGER reference_embedding_added AFTER INSERT ON embeddings
WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id
  WHERE f.id = NEW.face_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_embedding_changed AFTER UPDATE ON embeddings
WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id
  WHERE f.id = NEW.face_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_embedding_removed AFTER DELETE ON embeddings
WHEN (SELECT p.kind FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id
  WHERE f.id = OLD.face_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_primary_changed AFTER UPDATE OF is_primary ON faces
WHEN old.is_primary IS NOT new.is_primary AND (SELECT p.kind FROM photos ph JOIN patients p ON p.id = ph.patient_id
  WHERE ph.id = NEW.photo_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
-- a photo's faces and embeddings go with it, after the photo row: their triggers no longer find the patient
CREATE TRIGGER reference_photo_removed AFTER DELETE ON photos
WHEN (SELECT kind FROM patients WHERE id = OLD.patient_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_diagnosis_added AFTER INSERT ON diagnoses
WHEN (SELECT kind FROM patients WHERE id = NEW.patient_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_diagnosis_changed AFTER UPDATE ON diagnoses
WHEN (SELECT kind FROM patients WHERE id = NEW.patient_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_diagnosis_removed AFTER DELETE ON diagnoses
WHEN (SELECT kind FROM patients WHERE id = OLD.patient_id) = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_syndrome_renamed AFTER UPDATE OF name ON syndromes
WHEN old.name IS NOT new.name BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_case_changed AFTER UPDATE OF is_control, kind ON patients
WHEN (old.is_control IS NOT new.is_control AND new.kind = 'reference') OR old.kind IS NOT new.kind
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_case_removed AFTER DELETE ON patients
WHEN OLD.kind = 'reference'
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_control_source_added AFTER INSERT ON control_sources
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_control_source_changed AFTER UPDATE ON control_sources
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_control_source_removed AFTER DELETE ON control_sources
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_pack_added AFTER INSERT ON gallery_packs
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
CREATE TRIGGER reference_pack_removed AFTER DELETE ON gallery_packs
BEGIN UPDATE store_meta SET reference_version = reference_version + 1; END;
`,
  // The same for PostgreSQL. A trigger's WHEN cannot hold a subquery there, so one function looks up the
  // row's patient for each table (unqualified names, as 0001's bump_gallery_version: the trigger's search path).
  postgres: `
ALTER TABLE patients ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'clinic'
  CHECK (kind IN ('clinic', 'reference'));
ALTER TABLE patients ADD COLUMN solved_at TEXT COLLATE "C";
UPDATE patients SET kind = 'reference' WHERE is_control = 1
  OR EXISTS (SELECT 1 FROM diagnoses d WHERE d.patient_id = patients.id AND d.status = 'confirmed');
CREATE INDEX patients_by_kind ON patients (kind, created_at);

ALTER TABLE store_meta ADD COLUMN reference_version BIGINT NOT NULL DEFAULT 0;
UPDATE store_meta SET reference_version = gallery_version;

CREATE FUNCTION bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
  k TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'embeddings' THEN
    SELECT p.kind INTO k FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN patients p ON p.id = ph.patient_id
      WHERE f.id = r.face_id;
  ELSIF TG_TABLE_NAME = 'faces' THEN
    SELECT p.kind INTO k FROM photos ph JOIN patients p ON p.id = ph.patient_id WHERE ph.id = r.photo_id;
  ELSIF TG_TABLE_NAME IN ('photos', 'diagnoses') THEN
    SELECT p.kind INTO k FROM patients p WHERE p.id = r.patient_id;
  ELSIF TG_TABLE_NAME = 'patients' THEN
    k := r.kind;
    IF TG_OP = 'UPDATE' AND OLD.kind IS DISTINCT FROM NEW.kind THEN k := 'reference'; END IF;
  ELSE
    k := 'reference';
  END IF;
  IF k = 'reference' THEN UPDATE store_meta SET reference_version = reference_version + 1; END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER reference_embedding_changed AFTER INSERT OR UPDATE OR DELETE ON embeddings
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_primary_changed AFTER UPDATE OF is_primary ON faces
FOR EACH ROW WHEN (old.is_primary IS DISTINCT FROM new.is_primary) EXECUTE FUNCTION bump_reference_version();
-- a photo's faces and embeddings go with it, after the photo row: their triggers no longer find the patient
CREATE TRIGGER reference_photo_removed AFTER DELETE ON photos
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_diagnosis_changed AFTER INSERT OR UPDATE OR DELETE ON diagnoses
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_syndrome_renamed AFTER UPDATE OF name ON syndromes
FOR EACH ROW WHEN (old.name IS DISTINCT FROM new.name) EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_case_changed AFTER UPDATE OF is_control, kind ON patients
FOR EACH ROW WHEN (old.is_control IS DISTINCT FROM new.is_control OR old.kind IS DISTINCT FROM new.kind)
EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_case_removed AFTER DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_control_source_changed AFTER INSERT OR UPDATE OR DELETE ON control_sources
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
CREATE TRIGGER reference_pack_changed AFTER INSERT OR DELETE ON gallery_packs
FOR EACH ROW EXECUTE FUNCTION bump_reference_version();
`,
};
