import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VcfVariant } from '../../src/main/genomics/vcf.js';
import { readVcf } from '../../src/main/genomics/vcf.js';
import { makeVcf } from '../../tools/genomics/make-vcf.js';
import { scratch } from './support.js';

const tmp = scratch();
afterAll(() => tmp.cleanup());

describe('the synthetic VCF generator (the benchmark input)', () => {
  it('writes a gzip VCF that the importer reads completely: GRCh38, VEP CSQ, trio genotypes', async () => {
    const file = join(tmp.dir, 'synthetic.vcf.gz');
    await makeVcf(file, 2000, { gzip: true, seed: 7 });
    const variants: VcfVariant[] = [];
    const s = await readVcf(file, {}, (v) => variants.push(v));
    expect(s.records).toBe(2000);
    expect(s.header).toMatchObject({ build: 'GRCh38', samples: ['PROBAND', 'MOTHER', 'FATHER'] });
    expect(s.variants).toBeGreaterThan(2000); // multi-allelic records split
    expect(variants.every((v) => v.annotations.length > 0 && v.annotations[0]?.gene)).toBe(true);
    expect(variants.some((v) => v.ref.length > 1 && v.annotations[0]?.hgvsC)).toBe(true);
    expect(variants.some((v) => v.gnomadAf !== null && v.gnomadAf < 0.001)).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const a = join(tmp.dir, 'a.vcf');
    const b = join(tmp.dir, 'b.vcf');
    await makeVcf(a, 300, { seed: 3 });
    await makeVcf(b, 300, { seed: 3 });
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
  });
});
