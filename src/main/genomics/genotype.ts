/** The proband's genotype call, read against one ALT allele of a (possibly multi-allelic) record. */

export type Zygosity = 'het' | 'hom' | 'hemi' | 'absent' | 'missing';

export interface Call {
  /** Allele indices of GT ('.' missing) as written, e.g. [0, 1]. */
  alleles: (number | null)[];
  phased: boolean;
}

const GT = /^(?:\.|\d+)(?:[/|](?:\.|\d+))*$/;

/** Parses a GT value; null when it is not a VCF genotype or names an allele the record lacks. */
export function parseGT(gt: string, altCount: number): Call | null {
  if (!GT.test(gt)) return null;
  const alleles: (number | null)[] = [];
  for (const a of gt.split(/[/|]/)) {
    if (a === '.') alleles.push(null);
    else {
      const n = Number(a);
      if (n > altCount) return null;
      alleles.push(n);
    }
  }
  return { alleles, phased: gt.includes('|') };
}

/**
 * How many copies of ALT number altIndex (1-based) the call carries: one of two -> het, all of two or
 * more -> hom, the single allele of a haploid call (chrX/Y in males, MT) -> hemi.
 */
export function zygosityOf(call: Call | null, altIndex: number): Zygosity {
  if (call === null || call.alleles.every((a) => a === null)) return 'missing';
  const copies = call.alleles.filter((a) => a === altIndex).length;
  if (copies === 0) return 'absent';
  if (call.alleles.length === 1) return 'hemi';
  return copies === call.alleles.length ? 'hom' : 'het';
}
