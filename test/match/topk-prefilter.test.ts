import { describe, expect, it } from 'vitest';
import { approximate, bound, QuantisedRows, quantiseQuery } from '../../src/main/match/quantised.js';
import { seededRandom } from '../../src/main/match/random.js';
import { kernels } from '../../src/main/match/simd.js';
import { SearchIndex, TopK } from '../../src/main/match/topk.js';
import { stack, type Matrix } from '../../src/main/match/vectors.js';
import { gaussian, must, randomUnit } from './synthetic.js';

/** Both searches over one gallery: the float32 scan and the int8 prefilter with float32 re-ranking. */
function both(gallery: Matrix) {
  const plain = new SearchIndex(gallery, { prefilter: false });
  const filtered = new SearchIndex(gallery, { prefilter: true });
  expect(plain.prefiltered).toBe(false);
  expect(filtered.prefiltered).toBe(true);
  return {
    filtered,
    /** The prefiltered hits, after checking they equal the float32 scan's, index and score. */
    search(queries: Matrix, k: number) {
      const hits = filtered.search(queries, k);
      expect(hits).toEqual(plain.search(queries, k));
      return hits;
    },
  };
}

/** A seeded permutation of 0..n-1. */
function shuffled(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [must(out[j]), must(out[i])];
  }
  return out;
}

describe('top-k through the int8 prefilter', () => {
  it('returns exactly the float32 hits on random unit rows, scoring few rows in float32', () => {
    const g = gaussian(11);
    for (const dim of [37, 512]) {
      const rows = Array.from({ length: 6000 }, () => randomUnit(dim, g));
      const queries = [randomUnit(dim, g), randomUnit(dim, g), must(rows[4321])];
      const s = both(stack(rows));
      for (const k of [1, 10, 50]) {
        const hits = s.search(stack(queries), k);
        expect(must(hits[2])[0]?.index).toBe(4321);
        expect(hits.every((h) => h.length === k)).toBe(true);
        // The prefilter did the work: every query re-ranked a small share of the rows.
        for (const n of s.filtered.lastCandidates) expect(n).toBeGreaterThanOrEqual(k);
        for (const n of s.filtered.lastCandidates) expect(n).toBeLessThan(6000 / 10);
      }
    }
  });

  it('returns exactly the float32 hits on clustered rows of uneven norms, the query near a cluster', () => {
    const g = gaussian(12);
    const dim = 128;
    const centres = Array.from({ length: 8 }, () => randomUnit(dim, g));
    const rows = Array.from({ length: 5000 }, (_, i) => {
      const c = must(centres[i % 8]);
      const scale = 0.5 + (i % 7) / 3; // norms from 0.5 to 2.5: per-row scales differ
      return Float32Array.from(c, (v) => scale * (v + (0.02 * g()) / Math.sqrt(dim)));
    });
    const near = Float32Array.from(must(centres[3]), (v) => v + (0.01 * g()) / Math.sqrt(dim));
    const s = both(stack(rows));
    for (const k of [1, 5, 30, 60])
      s.search(stack([near, must(rows[17]), Float32Array.from(near, (v) => -v)]), k);
  });

  it('breaks ties as the float32 scan does: equal scores go to the lower index', () => {
    const g = gaussian(13);
    const dim = 48;
    // 300 distinct rows, each stored three times at scattered positions; values on a coarse grid
    // (eighths), so many distinct rows also score exactly alike.
    const distinct = Array.from({ length: 300 }, () =>
      Float32Array.from({ length: dim }, () => Math.round(g() * 2) / 8),
    );
    const order = shuffled(900, 3);
    const rows = order.map((i) => must(distinct[i % 300]));
    const s = both(stack(rows));
    for (const k of [1, 2, 4, 5, 13, 64]) {
      const hits = s.search(stack([must(distinct[7]), must(distinct[123])]), k);
      for (const h of hits)
        for (let i = 1; i < h.length; i++)
          if (must(h[i]).score === must(h[i - 1]).score)
            expect(must(h[i]).index).toBeGreaterThan(must(h[i - 1]).index);
    }
    // The three copies of the query's row come first, in index order.
    const [top] = s.search(stack([must(distinct[7])]), 3);
    expect(must(top).map((h) => h.index)).toEqual(
      order.flatMap((d, i) => (d % 300 === 7 ? [i] : [])).sort((a, b) => a - b),
    );
  });

  it('returns every row, ranked, when k exceeds the gallery', () => {
    const g = gaussian(14);
    const rows = Array.from({ length: 20 }, () => randomUnit(64, g));
    const [hits] = both(stack(rows)).search(stack([randomUnit(64, g)]), 50);
    expect(hits).toHaveLength(20);
  });

  it('falls back to the float32 scan when too many rows stay within reach, with the same hits', () => {
    const g = gaussian(15);
    const row = randomUnit(64, g);
    const s = both(stack(Array.from({ length: 1500 }, () => row)));
    const [hits] = s.search(stack([randomUnit(64, g), new Float32Array(64)]), 5);
    expect(must(hits).map((h) => h.index)).toEqual([0, 1, 2, 3, 4]);
    expect(s.filtered.lastCandidates).toEqual([-1, -1]);
  });

  it('answers a zero query and a query with a NaN as the float32 scan does, beside ordinary ones', () => {
    const g = gaussian(16);
    const rows = Array.from({ length: 2000 }, () => randomUnit(32, g));
    const nan = randomUnit(32, g);
    nan[3] = NaN;
    const s = both(stack(rows));
    s.search(stack([randomUnit(32, g), new Float32Array(32), nan, randomUnit(32, g)]), 7);
    expect(s.filtered.lastCandidates[0]).toBeGreaterThan(0);
    expect(s.filtered.lastCandidates[1]).toBe(-1);
    expect(s.filtered.lastCandidates[2]).toBe(-1);
  });

  it('stays on the float32 scan for a gallery with a non-finite value', () => {
    const g = gaussian(17);
    const rows = Array.from({ length: 100 }, () => randomUnit(16, g));
    must(rows[40])[2] = Infinity;
    expect(new SearchIndex(stack(rows), { prefilter: true }).prefiltered).toBe(false);
  });

  it('chooses the prefilter by gallery size unless told', () => {
    const g = gaussian(18);
    const row = randomUnit(16, g);
    expect(new SearchIndex(stack([row, row])).prefiltered).toBe(false);
    expect(new SearchIndex(stack(Array.from({ length: 50_000 }, () => row))).prefiltered).toBe(true);
  });

  it('bounds every approximate score by its float32 score, tightly where the residues line up with the query', () => {
    const g = gaussian(20);
    const dim = 64;
    // Row 0 quantises with every residue +0.49 steps, and the query points along the residues: the
    // Cauchy-Schwarz step of the bound is then an equality.
    const step = 1 / 127;
    const aligned = Float32Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : ((i % 5) + 0.49) * step));
    const rows = [aligned, ...Array.from({ length: 2000 }, () => randomUnit(dim, g))];
    const gallery = stack(rows);
    const int8At = gallery.data.byteLength;
    const k = kernels(int8At + rows.length * dim);
    new Float32Array(k.memory.buffer).set(gallery.data);
    const quantised = new QuantisedRows(gallery, k, { stride: dim, int8At, bytes: dim });
    const int8 = new Int8Array(k.memory.buffer, int8At, rows.length * dim);
    // The kernel rounds to nearest: each row spans [-127, 127] and no residue passes half a step.
    let narrowest = 127;
    let worst = 0;
    rows.forEach((row, r) => {
      const x = int8.subarray(r * dim, (r + 1) * dim);
      const s = must(quantised.scale[r]);
      narrowest = Math.min(narrowest, Math.max(...x.map(Math.abs)));
      row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - s * must(x[i])) / s)));
    });
    expect(narrowest).toBe(127);
    expect(worst).toBeLessThanOrEqual(0.5001);
    const float32 = new SearchIndex(gallery, { prefilter: false });
    const queries = [Float32Array.from({ length: dim }, (_, i) => (i === 0 ? 0 : 1)), randomUnit(dim, g)];
    for (const query of queries) {
      const y = new Int16Array(dim);
      const b = quantiseQuery(query, y, dim);
      const [hits = []] = float32.search(stack([query]), rows.length);
      const distance = new Float64Array(rows.length);
      for (const { index, score } of hits) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += must(int8[index * dim + i]) * must(y[i]);
        const d = bound(must(quantised.error[index]), must(quantised.norm[index]), b);
        distance[index] = Math.abs(score - approximate(dot, must(quantised.scale[index]), b)) / d;
      }
      expect(Math.max(...distance)).toBeLessThanOrEqual(1);
      if (query === queries[0]) expect(distance[0]).toBeGreaterThan(0.9);
    }
  });

  it('computes int8 dot products exactly, up to the largest sums the query quantisation allows', () => {
    const rand = seededRandom(19);
    for (const bytes of [64, 128, 512, 576]) {
      const levels = Math.min(32767, Math.floor((2 ** 31 - 1) / (127 * bytes)));
      const rows = 9;
      const k = kernels(rows * bytes + bytes * 2 + rows * 4);
      const g = new Int8Array(k.memory.buffer, 0, rows * bytes);
      const q = new Int16Array(k.memory.buffer, rows * bytes, bytes);
      const outAt = rows * bytes + bytes * 2;
      g.fill(127, 0, bytes).fill(-127, bytes, 2 * bytes);
      for (let i = 2 * bytes; i < g.length; i++) g[i] = Math.floor(rand() * 255) - 127;
      for (const query of [() => levels, () => Math.floor(rand() * (2 * levels + 1)) - levels]) {
        for (let i = 0; i < bytes; i++) q[i] = query();
        k.dots8(0, rows * bytes, bytes, rows, outAt);
        const out = new Int32Array(k.memory.buffer, outAt, rows);
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let i = 0; i < bytes; i++) s += must(g[r * bytes + i]) * must(q[i]);
          expect(out[r]).toBe(s);
        }
      }
    }
  });

  it('keeps the same k of tied hits whatever the order they arrive in', () => {
    const scores = [3, 1, 3, 2, 3, 3, 0, 2];
    const best = (order: number[]) => {
      const heap = new TopK(3);
      for (const i of order) heap.push(i, must(scores[i]));
      return heap.result();
    };
    const expected = best([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(expected.map((h) => h.index)).toEqual([0, 2, 4]);
    for (let seed = 1; seed <= 20; seed++) expect(best(shuffled(8, seed))).toEqual(expected);
  });
});
