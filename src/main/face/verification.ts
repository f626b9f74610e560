import { auc } from '../match/metrics.js';
import { dot } from '../match/vectors.js';

export interface VerificationFigures {
  auc: number;
  /** Equal error rate: where false accepts and false rejects are equally frequent. */
  eer: number;
  /** Share of same-person pairs accepted at the threshold that accepts 1% of different-person pairs. */
  tar_at_far_1pct: number;
}

export interface Identified {
  person: string;
  embedding: Float32Array;
}

/** Cosine similarity of every pair (embeddings are unit vectors), split into same- and different-person pairs. */
export function pairScores(faces: readonly Identified[]): { same: number[]; diff: number[] } {
  const same: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < faces.length; i++)
    for (let j = i + 1; j < faces.length; j++) {
      const a = faces[i] as Identified;
      const b = faces[j] as Identified;
      (a.person === b.person ? same : diff).push(dot(a.embedding, b.embedding));
    }
  return { same, diff };
}

export function verificationFigures(same: readonly number[], diff: readonly number[]): VerificationFigures {
  const scores = [...same, ...diff];
  const positive = scores.map((_, i) => i < same.length);
  const sortedSame = [...same].sort((a, b) => a - b);
  const sortedDiff = [...diff].sort((a, b) => a - b);
  // Share of `sorted` at or above t.
  const above = (sorted: number[], t: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return (sorted.length - lo) / sorted.length;
  };
  let eer = 1;
  let bestGap = Infinity;
  for (const t of scores) {
    const far = above(sortedDiff, t);
    const frr = 1 - above(sortedSame, t);
    if (Math.abs(far - frr) < bestGap) {
      bestGap = Math.abs(far - frr);
      eer = (far + frr) / 2;
    }
  }
  // The lowest threshold whose false-accept rate is at most 1%: above the top 1% of impostor scores.
  const allowed = Math.floor(sortedDiff.length * 0.01);
  const threshold =
    sortedDiff.length === 0 ? -Infinity : (sortedDiff[sortedDiff.length - 1 - allowed] as number);
  const tar = sortedSame.filter((s) => s > threshold).length / Math.max(1, sortedSame.length);
  return { auc: auc(scores, positive), eer, tar_at_far_1pct: tar };
}
