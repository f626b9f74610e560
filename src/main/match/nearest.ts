import { SearchIndex } from './topk.js';
import { fuse, stack } from './vectors.js';

/** One gallery face: whose it is, what they have, and its unit embedding. */
export interface GalleryFace {
  patient: string;
  label: string;
  vector: Float32Array;
  /** The centre whose gallery pack the face came from; absent for the store's own patients. */
  centre?: string | null;
}

export interface NearestPatient {
  patient: string;
  similarity: number;
  /** The pack's centre: such a patient has no photo here. Null for the store's own patients. */
  centre: string | null;
}

export interface LabelScore {
  label: string;
  /** Mean similarity of the label's closest patients (at most `perLabel` of them). */
  score: number;
  nearest: NearestPatient[];
}

/** The gallery as one matrix for search, with each row's owner. */
export interface GalleryIndex {
  faces: readonly GalleryFace[];
  search: SearchIndex;
}

export function indexGallery(faces: readonly GalleryFace[]): GalleryIndex {
  return { faces, search: new SearchIndex(stack(faces.map((f) => f.vector))) };
}

/**
 * Ranks labels by their nearest cases. The query patient's photos are fused into one direction (the mean
 * of their unit embeddings); a gallery patient's similarity is that of their closest photo; a label's score
 * is the mean similarity of its `perLabel` closest patients, or of all it has when it has fewer, so a
 * label with a single patient is ranked by that patient.
 */
export function rankByNearestCases(
  index: GalleryIndex,
  queryPhotos: readonly Float32Array[],
  opts: { perLabel?: number; excludePatient?: string } = {},
): LabelScore[] {
  const perLabel = opts.perLabel ?? 3;
  const query = stack([fuse(queryPhotos)], index.search.cols);
  const hits = index.search.search(query, index.search.rows)[0] ?? [];
  const bestByPatient = new Map<string, { label: string; similarity: number; centre: string | null }>();
  for (const hit of hits) {
    const face = index.faces[hit.index] as GalleryFace;
    if (face.patient === opts.excludePatient || bestByPatient.has(face.patient)) continue;
    bestByPatient.set(face.patient, {
      label: face.label,
      similarity: hit.score,
      centre: face.centre ?? null,
    });
  }
  const byLabel = new Map<string, NearestPatient[]>();
  for (const [patient, { label, similarity, centre }] of bestByPatient) {
    const list = byLabel.get(label) ?? [];
    if (list.length < perLabel) list.push({ patient, similarity, centre });
    byLabel.set(label, list);
  }
  const scores = [...byLabel].map(([label, nearest]) => ({
    label,
    score: nearest.reduce((s, n) => s + n.similarity, 0) / nearest.length,
    nearest,
  }));
  return scores.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}
