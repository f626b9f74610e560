import type { Db } from '../db.js';
import type { Sex } from './patients.js';
import { toBlob } from './vectors.js';

/** One pseudonymous member of a gallery pack: a label, sex, and one embedding per face with its age band. */
export interface PackMember {
  /** The pack's own pseudonym (fresh random), which no store knows. */
  id: string;
  label: string;
  isControl: boolean;
  /** A control's source (the label the centre imported them under). */
  source: string | null;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
  sex: Sex;
  faces: { ageBand: string | null; vector: Float32Array }[];
}

export interface AddedPack {
  id: number;
  contentSha256: string;
  centre: string;
  modelId: string;
  addedAt: string;
}

/** Gallery packs merged into this store: other centres' members, which matching joins to the gallery. */
export class Packs {
  private readonly shas;
  private readonly byContent;
  private readonly insertPack;
  private readonly insertMember;
  private readonly insertFace;

  constructor(db: Db) {
    this.shas = db
      .prepare('SELECT DISTINCT model_sha256 FROM embeddings WHERE model_id = ? ORDER BY 1')
      .pluck();
    this.byContent = db.prepare(`SELECT id, content_sha256 AS contentSha256, centre, model_id AS modelId,
        added_at AS addedAt FROM gallery_packs WHERE content_sha256 = ?`);
    this.insertPack = db.prepare(`INSERT INTO gallery_packs
        (content_sha256, centre, model_id, model_sha256, dim, exported_at, added_at, app_version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertMember = db.prepare(`INSERT INTO pack_members
        (pack_id, member, label, is_control, control_source, omim, orpha, mondo, sex)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertFace = db.prepare(
      'INSERT INTO pack_embeddings (member_id, age_band, vector) VALUES (?, ?, ?)',
    );
  }

  /** The model file hashes the store's own embeddings of `modelId` were computed with. */
  modelSha256s(modelId: string): string[] {
    return this.shas.all(modelId) as string[];
  }

  find(contentSha256: string): AddedPack | undefined {
    return this.byContent.get(contentSha256) as AddedPack | undefined;
  }

  /** Writes one pack's members; the caller holds the transaction that makes it all or nothing. */
  add(
    pack: {
      contentSha256: string;
      centre: string;
      model: { id: string; sha256: string; dim: number };
      exportedAt: string;
      members: readonly PackMember[];
    },
    appVersion: string,
  ): number {
    const packId = Number(
      this.insertPack.run(
        pack.contentSha256,
        pack.centre,
        pack.model.id,
        pack.model.sha256,
        pack.model.dim,
        pack.exportedAt,
        new Date().toISOString(),
        appVersion,
      ).lastInsertRowid,
    );
    for (const m of pack.members) {
      const memberId = this.insertMember.run(
        packId,
        m.id,
        m.label,
        m.isControl ? 1 : 0,
        m.source,
        m.omim,
        m.orpha,
        m.mondo,
        m.sex,
      ).lastInsertRowid;
      for (const f of m.faces) this.insertFace.run(memberId, f.ageBand, toBlob(f.vector));
    }
    return packId;
  }
}
