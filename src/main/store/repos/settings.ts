import { createHash } from 'node:crypto';
import type { Db } from '../db.js';

/** What produced a photo's faces and embeddings, stored once per distinct value. */
export interface AnalysisSettings {
  appVersion: string;
  provider: string;
  embeddingModels: { id: string; sha256: string; dim: number }[];
}

export class AnalysisSettingsRepo {
  private readonly bySha;
  private readonly insert;
  private readonly byId;

  constructor(db: Db) {
    this.bySha = db.prepare('SELECT id FROM analysis_settings WHERE sha256 = ?');
    this.insert = db.prepare('INSERT INTO analysis_settings (sha256, json, created_at) VALUES (?, ?, ?)');
    this.byId = db.prepare('SELECT json FROM analysis_settings WHERE id = ?');
  }

  /** The id of these settings, adding them on first use. */
  intern(s: AnalysisSettings): number {
    const json = JSON.stringify({
      appVersion: s.appVersion,
      provider: s.provider,
      embeddingModels: [...s.embeddingModels]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((m) => ({ id: m.id, sha256: m.sha256, dim: m.dim })),
    });
    const sha = createHash('sha256').update(json).digest('hex');
    const row = this.bySha.get(sha) as { id: number } | undefined;
    return row ? row.id : Number(this.insert.run(sha, json, new Date().toISOString()).lastInsertRowid);
  }

  get(id: number): AnalysisSettings {
    const row = this.byId.get(id) as { json: string } | undefined;
    if (!row) throw new Error(`analysis settings ${id} missing`);
    return JSON.parse(row.json) as AnalysisSettings;
  }
}
