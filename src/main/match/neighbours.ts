import { SearchIndex } from './topk.js';
import { l2Normalize, stack } from './vectors.js';

/**
 * Nearest-case evidence for the classifier: each class's similarity-weighted share among the K training
 * photos closest to the query (cosine), as a log score. K and the sharpness are fixed, not fitted.
 */
export const NEIGHBOURS = 10;
export const SHARPNESS = 20;

export interface NeighbourVotes {
  index: SearchIndex;
  y: Int32Array;
  classes: number;
}

export function neighbourVotes(
  vectors: readonly Float32Array[],
  y: Int32Array,
  classes: number,
): NeighbourVotes {
  return { index: new SearchIndex(stack(vectors.map(l2Normalize))), y, classes };
}

/** n x classes log scores: log((Σ_c w + ε) / (Σ w + kε)) over the K nearest, w = exp(SHARPNESS · cos). */
export function neighbourScores(v: NeighbourVotes, x: Float32Array, n: number): Float64Array {
  const dim = x.length / n;
  const queries = stack(Array.from({ length: n }, (_, r) => l2Normalize(x.subarray(r * dim, (r + 1) * dim))));
  const hits = v.index.search(queries, NEIGHBOURS);
  const out = new Float64Array(n * v.classes);
  const eps = 1e-3;
  hits.forEach((h, r) => {
    const votes = new Float64Array(v.classes);
    let total = 0;
    for (const { index, score } of h) {
      const w = Math.exp(SHARPNESS * (score - 1));
      votes[v.y[index] as number] = (votes[v.y[index] as number] as number) + w;
      total += w;
    }
    for (let c = 0; c < v.classes; c++)
      out[r * v.classes + c] = Math.log(
        ((votes[c] as number) + eps * total) / (total * (1 + v.classes * eps)),
      );
  });
  return out;
}
