import type { Db } from '../db.js';
import { fromBlob } from './vectors.js';

/** A gallery member: a confirmed patient's (or an unaffected control's) primary face, as one model sees it. */
export interface GalleryEmbedding {
  patientId: number;
  patient: string;
  faceId: number;
  photoId: number;
  /** The confirmed syndrome's name, or UNAFFECTED_LABEL for controls. */
  label: string;
  syndromeId: number | null;
  isControl: boolean;
  vector: Float32Array;
}

export const UNAFFECTED_LABEL = 'unaffected';

/** The gallery of confirmed cases and controls that matching and analysis are built from. */
export class Gallery {
  private readonly rows;
  private readonly state;

  constructor(db: Db) {
    this.rows = db.prepare(`SELECT p.id AS patientId, p.pseudonym AS patient, f.id AS faceId,
        ph.id AS photoId, coalesce(s.name, '${UNAFFECTED_LABEL}') AS label, s.id AS syndromeId,
        p.is_control AS isControl, e.vector
      FROM embeddings e
      JOIN faces f ON f.id = e.face_id AND f.is_primary = 1
      JOIN photos ph ON ph.id = f.photo_id
      JOIN patients p ON p.id = ph.patient_id
      LEFT JOIN diagnoses d ON d.patient_id = p.id AND d.status = 'confirmed' AND p.is_control = 0
      LEFT JOIN syndromes s ON s.id = d.syndrome_id
      WHERE e.model_id = ? AND (p.is_control = 1 OR d.id IS NOT NULL)
      ORDER BY p.id, ph.id, s.id`);
    this.state = db.prepare('SELECT store_id, gallery_version FROM store_meta WHERE id = 1');
  }

  /** Every gallery member's primary-face embedding from one model (never mixed across models). */
  embeddings(modelId: string): GalleryEmbedding[] {
    return (
      this.rows.all(modelId) as (Omit<GalleryEmbedding, 'vector' | 'isControl'> & {
        isControl: number;
        vector: Buffer;
      })[]
    ).map((r) => ({ ...r, isControl: r.isControl === 1, vector: fromBlob(r.vector) }));
  }

  /** Changes whenever anything `embeddings` returns could change; unique to this database. */
  version(): string {
    const r = this.state.get() as { store_id: string; gallery_version: number };
    return `${r.store_id}:${r.gallery_version}`;
  }
}
