import { describe, expect, it } from 'vitest';
import { fromBlob, toBlob, viewBlob } from '../../src/main/store/repos/vectors.js';

describe('vector blobs', () => {
  const v = Float32Array.from([0.5, -1.25, 3, 1e-7]);

  it('round-trip through a blob, copied by fromBlob', () => {
    const blob = Buffer.from(toBlob(v));
    const back = fromBlob(blob);
    expect([...back]).toEqual([...v]);
    blob.writeFloatLE(9, 0);
    expect(back[0]).toBe(0.5);
  });

  it('are viewed in place by viewBlob where aligned, and copied where not', () => {
    const big = Buffer.alloc(64);
    toBlob(v).copy(big, 16);
    const aligned = viewBlob(big.subarray(16, 32));
    expect([...aligned]).toEqual([...v]);
    expect(aligned.buffer).toBe(big.buffer);

    toBlob(v).copy(big, 33);
    const odd = viewBlob(big.subarray(33, 49));
    expect([...odd]).toEqual([...v]);
    expect(odd.buffer).not.toBe(big.buffer);
  });
});
