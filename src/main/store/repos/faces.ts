import { bySql, type Db } from '../db.js';
import type { DetectedFace, FaceBox, Quality } from '../../face/pipeline.js';
import { fromBlob, toBlob } from './vectors.js';

export interface StoredFace {
  id: number;
  photoId: number;
  ordinal: number;
  isPrimary: boolean;
  box: FaceBox;
  score: number;
  points5: [number, number][];
  quality: Quality;
  /** Ids of the models this face has an embedding from (primary faces only). */
  embeddingModels: string[];
}

export interface StoredEmbedding {
  faceId: number;
  modelId: string;
  modelSha256: string;
  vector: Float32Array;
}

export interface EmbeddingModelRef {
  id: string;
  sha256: string;
  dim: number;
}

interface FaceRow {
  id: number;
  photo_id: number;
  ordinal: number;
  is_primary: number;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  score: number;
  points5: string;
  quality: string;
  models: string | null;
}

/** Faces found in photos, with their landmarks, quality and embeddings (one per model). */
export class Faces {
  private readonly insertFace;
  private readonly insertEmbedding;
  private readonly ofPhoto;
  private readonly meshOf;
  private readonly embeddingOf;

  constructor(db: Db) {
    this.insertFace = db.prepare(`INSERT INTO faces
      (photo_id, ordinal, is_primary, box_x, box_y, box_width, box_height, score, points5, mesh, quality)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertEmbedding = db.prepare(
      'INSERT INTO embeddings (face_id, model_id, model_sha256, dim, vector) VALUES (?, ?, ?, ?, ?)',
    );
    this.ofPhoto =
      db.prepare(`SELECT f.id, f.photo_id, f.ordinal, f.is_primary, f.box_x, f.box_y, f.box_width,
        f.box_height, f.score, f.points5, f.quality,
        (SELECT ${bySql(db, { sqlite: 'group_concat(e.model_id)', postgres: "string_agg(e.model_id, ',')" })}
          FROM embeddings e WHERE e.face_id = f.id) AS models
      FROM faces f WHERE f.photo_id = ? ORDER BY f.ordinal`);
    this.meshOf = db.prepare('SELECT mesh FROM faces WHERE id = ?');
    this.embeddingOf = db.prepare(
      'SELECT face_id, model_id, model_sha256, vector FROM embeddings WHERE face_id = ? AND model_id = ?',
    );
  }

  /** Stores one detected face and its embeddings; `models` gives each embedding model's sha256. */
  add(
    photoId: number,
    ordinal: number,
    isPrimary: boolean,
    face: DetectedFace,
    models: ReadonlyMap<string, EmbeddingModelRef>,
  ): number {
    const faceId = Number(
      this.insertFace.run(
        photoId,
        ordinal,
        isPrimary ? 1 : 0,
        face.box.x,
        face.box.y,
        face.box.width,
        face.box.height,
        face.score,
        JSON.stringify(face.points5),
        face.mesh === null ? null : toBlob(face.mesh),
        JSON.stringify(face.quality),
      ).lastInsertRowid,
    );
    for (const [modelId, vector] of Object.entries(face.embeddings)) {
      const model = models.get(modelId);
      if (!model)
        throw new Error(`embedding from model '${modelId}', which the analysis settings do not list`);
      if (vector.length !== model.dim)
        throw new Error(
          `embedding from model '${modelId}' has ${vector.length} values, expected ${model.dim}`,
        );
      this.insertEmbedding.run(faceId, modelId, model.sha256, model.dim, toBlob(vector));
    }
    return faceId;
  }

  forPhoto(photoId: number): StoredFace[] {
    return (this.ofPhoto.all(photoId) as FaceRow[]).map((r) => ({
      id: r.id,
      photoId: r.photo_id,
      ordinal: r.ordinal,
      isPrimary: r.is_primary === 1,
      box: { x: r.box_x, y: r.box_y, width: r.box_width, height: r.box_height },
      score: r.score,
      points5: JSON.parse(r.points5) as [number, number][],
      quality: JSON.parse(r.quality) as Quality,
      embeddingModels: r.models === null ? [] : r.models.split(',').sort(),
    }));
  }

  /** The face mesh (x,y,z per point, image pixels), kept out of listings for size. */
  mesh(faceId: number): Float32Array | null {
    const r = this.meshOf.get(faceId) as { mesh: Buffer | null } | undefined;
    return r?.mesh ? fromBlob(r.mesh) : null;
  }

  embedding(faceId: number, modelId: string): StoredEmbedding | undefined {
    const r = this.embeddingOf.get(faceId, modelId) as
      { face_id: number; model_id: string; model_sha256: string; vector: Buffer } | undefined;
    return (
      r && { faceId: r.face_id, modelId: r.model_id, modelSha256: r.model_sha256, vector: fromBlob(r.vector) }
    );
  }
}
