import { seededRandom } from './random.js';

/** Held-out predictions: one row per photo, probabilities over `classes`. */
export interface Predictions {
  classes: string[];
  /** n x classes, rows summing to 1. */
  probs: Float64Array;
  /** True class index per row. */
  y: Int32Array;
  patient: string[];
}

/** A figure with its 95% bootstrap interval (resampling patients, not photos). */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

type Metric = (p: Predictions, rows: Int32Array) => number;

/** 1-based rank of the true class (ties count against it). */
function trueRank(p: Predictions, r: number): number {
  const k = p.classes.length;
  const truth = p.probs[r * k + (p.y[r] as number)] as number;
  let rank = 1;
  for (let c = 0; c < k; c++) if (c !== p.y[r] && (p.probs[r * k + c] as number) >= truth) rank++;
  return rank;
}

export function topKPerImage(k: number): Metric {
  return (p, rows) => {
    let hits = 0;
    for (const r of rows) if (trueRank(p, r) <= k) hits++;
    return hits / rows.length;
  };
}

/** Top-k accuracy of each label, averaged over the labels present (each label counts the same). */
export function topKPerLabel(k: number): Metric {
  return (p, rows) => {
    const hits = new Float64Array(p.classes.length);
    const counts = new Float64Array(p.classes.length);
    for (const r of rows) {
      const c = p.y[r] as number;
      counts[c] = (counts[c] as number) + 1;
      if (trueRank(p, r) <= k) hits[c] = (hits[c] as number) + 1;
    }
    let sum = 0;
    let present = 0;
    counts.forEach((n, c) => {
      if (n > 0) {
        sum += (hits[c] as number) / n;
        present++;
      }
    });
    return sum / present;
  };
}

/** Area under the ROC curve of score vs positive (Mann-Whitney, ties counted half). NaN without both kinds. */
export function auc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++)
      if (positive[order[t] as number]) {
        nPos++;
        rankSumPos += midRank;
      }
    i = j + 1;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** One-vs-rest AUC of class c: its probability as the score. */
export function oneVsRestAuc(c: number): Metric {
  return (p, rows) => {
    const k = p.classes.length;
    const s = Float64Array.from(rows, (r) => p.probs[r * k + c] as number);
    const pos = Array.from(rows, (r) => p.y[r] === c);
    return auc(s, pos);
  };
}

/** Multi-class Brier score: mean over photos of the squared distance between probabilities and the truth. */
export const brier: Metric = (p, rows) => {
  const k = p.classes.length;
  let sum = 0;
  for (const r of rows)
    for (let c = 0; c < k; c++) sum += ((p.probs[r * k + c] as number) - (p.y[r] === c ? 1 : 0)) ** 2;
  return sum / rows.length;
};

/** One-vs-rest Brier score of class c (the usual binary Brier score when there are two classes). */
export function oneVsRestBrier(c: number): Metric {
  return (p, rows) => {
    const k = p.classes.length;
    let sum = 0;
    for (const r of rows) sum += ((p.probs[r * k + c] as number) - (p.y[r] === c ? 1 : 0)) ** 2;
    return sum / rows.length;
  };
}

/** Expected calibration error of the top label: 15 equal-width confidence bins, weighted by their size. */
export const ece: Metric = (p, rows) => {
  const bins = 15;
  const k = p.classes.length;
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (const r of rows) {
    let best = 0;
    for (let c = 1; c < k; c++)
      if ((p.probs[r * k + c] as number) > (p.probs[r * k + best] as number)) best = c;
    const pc = p.probs[r * k + best] as number;
    const b = Math.min(bins - 1, Math.floor(pc * bins));
    conf[b] = (conf[b] as number) + pc;
    acc[b] = (acc[b] as number) + (best === p.y[r] ? 1 : 0);
    count[b] = (count[b] as number) + 1;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) e += Math.abs((acc[b] as number) - (conf[b] as number));
  return e / rows.length;
};

/**
 * The metric on all rows with a 95% percentile interval from `reps` bootstrap resamples of patients
 * (a resampled patient brings all their photos). Resamples where the metric is undefined are skipped.
 */
export function withInterval(p: Predictions, metric: Metric, reps = 1000, seed = 7): Interval {
  const rowsOf = new Map<string, number[]>();
  p.patient.forEach((id, r) => rowsOf.set(id, [...(rowsOf.get(id) ?? []), r]));
  const groups = [...rowsOf.values()];
  const all = Int32Array.from({ length: p.y.length }, (_, i) => i);
  const value = metric(p, all);
  const rand = seededRandom(seed);
  const stats: number[] = [];
  for (let b = 0; b < reps; b++) {
    const rows: number[] = [];
    for (let i = 0; i < groups.length; i++)
      rows.push(...(groups[Math.floor(rand() * groups.length)] as number[]));
    const v = metric(p, Int32Array.from(rows));
    if (Number.isFinite(v)) stats.push(v);
  }
  stats.sort((a, b) => a - b);
  const q = (f: number) =>
    stats[Math.min(stats.length - 1, Math.max(0, Math.round(f * (stats.length - 1))))] ?? NaN;
  return { value, low: q(0.025), high: q(0.975) };
}

/**
 * Predictions over coarser classes: each class's probability is the sum over the fine classes that map
 * to it (e.g. several sources of controls, modelled apart, reported as one 'unaffected').
 */
export function mergeClasses(p: Predictions, coarse: (fine: string) => string): Predictions {
  const classes = [...new Set(p.classes.map(coarse))].sort();
  const to = p.classes.map((c) => classes.indexOf(coarse(c)));
  const k = p.classes.length;
  const m = classes.length;
  const probs = new Float64Array(p.y.length * m);
  for (let r = 0; r < p.y.length; r++)
    for (let c = 0; c < k; c++)
      probs[r * m + (to[c] as number)] =
        (probs[r * m + (to[c] as number)] as number) + (p.probs[r * k + c] as number);
  return { classes, probs, y: Int32Array.from(p.y, (c) => to[c] as number), patient: p.patient };
}
