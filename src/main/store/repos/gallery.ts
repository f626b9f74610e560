import type { Db } from '../db.js';
import { viewBlob } from './vectors.js';
import { write } from './write.js';

/**
 * A gallery member: a reference case's primary face (a confirmed patient's or an unaffected control's), as
 * one model sees it; or a member of a gallery pack from another centre, which has an embedding and no
 * photo. Clinic cases are never members, solved or not, until a user adds one to the gallery.
 */
export interface GalleryEmbedding {
  /** The store's row ids; null for a pack member, which has no patient, face or photo here. */
  patientId: number | null;
  patient: string;
  faceId: number | null;
  photoId: number | null;
  /** The confirmed syndrome's name, or UNAFFECTED_LABEL for controls. */
  label: string;
  syndromeId: number | null;
  isControl: boolean;
  /** Where a control came from (the label it was imported under, e.g. children_controls); null if unknown. */
  source: string | null;
  /** The centre whose pack the member came from; null for the store's own patients. */
  centre: string | null;
  vector: Float32Array;
}

export const UNAFFECTED_LABEL = 'unaffected';

/** A fitted matcher as the store keeps it: valid only for its gallery version and method. */
export interface CachedFit {
  modelId: string;
  modelSha256: string;
  space: string;
  galleryVersion: string;
  method: string;
  fitted: unknown;
}

type Row = Omit<GalleryEmbedding, 'vector' | 'isControl'> & {
  isControl: number;
  vector: Buffer;
  part: number;
  ord: number;
};

/** The gallery of confirmed cases, controls and pack members that matching and analysis are built from. */
export class Gallery {
  private readonly rows;
  private readonly state;
  private readonly setSource;
  private readonly readFit;
  private readonly writeFit;

  /** keepsFits false: a login that may not write (a researcher's) fits the matcher each time instead. */
  constructor(
    private readonly db: Db,
    private readonly opts: { keepsFits: boolean } = { keepsFits: true },
  ) {
    // A pack member's label is the store's name for the same syndrome where an id or the name matches.
    this.rows = db.prepare(`SELECT p.id AS patientId, p.pseudonym AS patient, f.id AS faceId,
        ph.id AS photoId, coalesce(s.name, '${UNAFFECTED_LABEL}') AS label, s.id AS syndromeId,
        p.is_control AS isControl, cs.source AS source, NULL AS centre, e.vector, 0 AS part, ph.id AS ord
      FROM embeddings e
      JOIN faces f ON f.id = e.face_id AND f.is_primary = 1
      JOIN photos ph ON ph.id = f.photo_id
      JOIN patients p ON p.id = ph.patient_id
      LEFT JOIN control_sources cs ON cs.patient_id = p.id AND p.is_control = 1
      LEFT JOIN diagnoses d ON d.patient_id = p.id AND d.status = 'confirmed' AND p.is_control = 0
      LEFT JOIN syndromes s ON s.id = d.syndrome_id
      WHERE e.model_id = @model AND p.kind = 'reference' AND (p.is_control = 1 OR d.id IS NOT NULL)
      UNION ALL
      SELECT NULL, gp.centre || '/' || m.member, NULL, NULL,
        CASE WHEN m.is_control = 1 THEN '${UNAFFECTED_LABEL}' ELSE coalesce(
          (SELECT s.name FROM syndromes s WHERE s.omim = m.omim OR s.orpha = m.orpha OR s.mondo = m.mondo
            ORDER BY s.id LIMIT 1),
          (SELECT s.name FROM syndromes s WHERE lower(s.name) = lower(m.label)), m.label) END,
        NULL, m.is_control, CASE WHEN m.is_control = 1 THEN m.control_source END, gp.centre, pe.vector,
        1, pe.id
      FROM pack_embeddings pe
      JOIN pack_members m ON m.id = pe.member_id
      JOIN gallery_packs gp ON gp.id = m.pack_id
      WHERE gp.model_id = @model
      ORDER BY part, patientId, ord, syndromeId`);
    this.state = db.prepare('SELECT store_id, reference_version FROM store_meta WHERE id = 1');
    this.setSource = db.prepare(`INSERT INTO control_sources (patient_id, source) VALUES (?, ?)
      ON CONFLICT (patient_id) DO UPDATE SET source = excluded.source
      WHERE control_sources.source IS NOT excluded.source`);
    this.readFit = db.prepare(`SELECT model_sha256 AS modelSha256, gallery_version AS galleryVersion,
        method, fitted FROM matcher_cache WHERE model_id = ? AND space = ?`);
    this.writeFit = db.prepare(`INSERT INTO matcher_cache
        (model_id, model_sha256, space, gallery_version, method, fitted, fitted_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (model_id, space) DO UPDATE SET model_sha256 = excluded.model_sha256,
        gallery_version = excluded.gallery_version, method = excluded.method, fitted = excluded.fitted,
        fitted_at = excluded.fitted_at`);
  }

  /** Every gallery member's primary-face embedding from one model (never mixed across models), packs last. */
  embeddings(modelId: string): GalleryEmbedding[] {
    return (this.rows.all({ model: modelId }) as Row[]).map(({ part: _part, ord: _ord, ...r }) => ({
      ...r,
      isControl: r.isControl === 1,
      vector: viewBlob(r.vector),
    }));
  }

  /** Records where a control patient came from (the gallery label they were imported under). */
  setControlSource(patientId: number, source: string): void {
    this.setSource.run(patientId, source);
  }

  /**
   * Changes whenever anything `embeddings` returns could change, and not with clinic work; unique to this
   * database. Migration 0005's reference_version (its triggers watch reference cases only).
   */
  version(): string {
    const r = this.state.get() as { store_id: string; reference_version: number };
    return `${r.store_id}:${r.reference_version}`;
  }

  /** The fitted matcher kept for this model, space, gallery version and method; null when there is none. */
  cachedFit(key: Omit<CachedFit, 'fitted'>): unknown {
    const r = this.readFit.get(key.modelId, key.space) as
      { modelSha256: string; galleryVersion: string; method: string; fitted: string } | undefined;
    const current =
      r &&
      r.modelSha256 === key.modelSha256 &&
      r.galleryVersion === key.galleryVersion &&
      r.method === key.method;
    return current ? (JSON.parse(r.fitted) as unknown) : null;
  }

  /**
   * Keeps a fitted matcher, replacing the model and space's previous one. A disk that refuses the write
   * (full, read-only) is a UserError naming the database, as for every repository write.
   */
  saveFit(fit: CachedFit): void {
    if (!this.opts.keepsFits) return;
    write(this.db, () =>
      this.writeFit.run(
        fit.modelId,
        fit.modelSha256,
        fit.space,
        fit.galleryVersion,
        fit.method,
        JSON.stringify(fit.fitted),
        new Date().toISOString(),
      ),
    );
  }
}
