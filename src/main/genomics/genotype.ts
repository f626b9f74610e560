/** The proband's genotype call, read against one ALT allele of a (possibly multi-allelic) record. */

export type Zygosity = 'het' | 'hom' | 'hemi' | 'absent' | 'missing';

export interface Call {
  /** Allele indices of GT ('.' missing) as written, e.g. [0, 1]. */
  alleles: (number | null)[];
  phased: boolean;
}

// VCF 4.4 lets the first allele carry a phasing indicator too ('|0|1').
const GT = /^[/|]?(?:\.|\d+)(?:[/|](?:\.|\d+))*$/;

/** Parses a GT value; a string saying why when it is not a VCF genotype or names an allele the record lacks. */
export function parseGT(gt: string, altCount: number): Call | string {
  if (!GT.test(gt)) return `unknown genotype format GT='${gt.slice(0, 20)}'`;
  const alleles: (number | null)[] = [];
  for (const a of (/^[/|]/.test(gt) ? gt.slice(1) : gt).split(/[/|]/)) {
    if (a === '.') alleles.push(null);
    else {
      const n = Number(a);
      if (n > altCount)
        return `GT='${gt.slice(0, 20)}' names allele ${n}, but the record has ${altCount === 1 ? 'one ALT allele' : `${altCount} ALT alleles`}`;
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

/**
 * Whom the proband has an ALT from, by the parents' calls (undefined: the parent has no column; null: no
 * call): from each parent that carries it; de novo when both parents are called and neither carries it.
 */
export type Segregation = 'de_novo' | 'paternal' | 'maternal' | 'both_parents' | 'unknown';

export function segregationOf(
  altIndex: number,
  father: Call | null | undefined,
  mother: Call | null | undefined,
): Segregation {
  const carries = (c: Call | null | undefined) => !!c && c.alleles.includes(altIndex);
  const called = (c: Call | null | undefined) => !!c && c.alleles.every((a) => a !== null);
  if (carries(father) && carries(mother)) return 'both_parents';
  if (carries(father)) return 'paternal';
  if (carries(mother)) return 'maternal';
  return called(father) && called(mother) ? 'de_novo' : 'unknown';
}
