import { describe, expect, it } from 'vitest';
import { SearchIndex, searchTopK, TopK } from '../../src/main/match/topk.js';
import { stack } from '../../src/main/match/vectors.js';
import { gaussian, randomUnit, must } from './synthetic.js';

describe('top-k search', () => {
  const g = gaussian(5);
  const dim = 37; // not a multiple of four: exercises the unrolled loop's tail
  const gallery = stack(Array.from({ length: 1000 }, () => randomUnit(dim, g)));
  const queries = stack(Array.from({ length: 3 }, () => randomUnit(dim, g)));

  it('returns exactly the k best rows of a brute-force sort, best first, for each query', () => {
    const hits = searchTopK(gallery, queries, 7);
    for (let q = 0; q < 3; q++) {
      const brute = Array.from({ length: 1000 }, (_, r) => {
        let s = 0;
        for (let i = 0; i < dim; i++) s += must(gallery.data[r * dim + i]) * must(queries.data[q * dim + i]);
        return { index: r, score: s };
      }).sort((a, b) => b.score - a.score);
      expect(must(hits[q]).map((h) => h.index)).toEqual(brute.slice(0, 7).map((h) => h.index));
      must(hits[q]).forEach((h, i) => expect(h.score).toBeCloseTo(must(brute[i]).score, 5));
    }
  });

  it('returns every row when k exceeds the gallery, and refuses mismatched dimensions', () => {
    const small = stack([randomUnit(dim, g), randomUnit(dim, g)]);
    expect(searchTopK(small, queries, 10)[0]).toHaveLength(2);
    expect(() => searchTopK(small, stack([randomUnit(dim + 1, g)]), 1)).toThrow(/dimensions/);
  });

  it('keeps the k largest in its heap whatever the order of arrival', () => {
    const heap = new TopK(3);
    [5, 1, 9, 3, 7, 2, 8].forEach((s, i) => heap.push(i, s));
    expect(heap.result().map((h) => h.score)).toEqual([9, 8, 7]);
    expect(heap.floor).toBe(7);
  });

  it('reads every value once in its baseline pass', () => {
    expect(
      new SearchIndex(stack([Float32Array.of(1, 2, 3, 4, 5), Float32Array.of(6, 7, 8, 9, 10)])).readAll(),
    ).toBe(55);
  });
});
