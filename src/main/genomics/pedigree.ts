/**
 * Who is whose child in a trio (or larger family) VCF: from a PED file (PLINK's six columns) or the VCF's
 * own ##PEDIGREE lines. Only the parent links are used: they tell which sample columns are the proband's
 * parents, whose genotypes then say whether an allele is inherited or de novo.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';

export interface Parents {
  father: string | null;
  mother: string | null;
}

/** Each individual's parents, by sample name; `source` names where they were read. */
export interface Pedigree {
  source: string;
  parents: Map<string, Parents>;
}

const UNKNOWN = new Set(['0', '.', '-9', '']);

/** A PED file: family, individual, father, mother, sex, phenotype; '0' for an unknown parent; '#' comments. */
export async function readPed(file: string): Promise<Pedigree> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  }
  const parents = new Map<string, Parents>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const bad = (message: string) => new UserError(message, { file, line: i + 1 });
    const cols = line.split(/\s+/);
    if (cols.length < 6)
      throw bad(
        `${cols.length} columns where a PED line has 6 (family, individual, father, mother, sex, phenotype)`,
      );
    const [, id = '', father = '', mother = ''] = cols;
    if (parents.has(id)) throw bad(`individual '${id}' is listed twice`);
    if (id === father || id === mother) throw bad(`individual '${id}' is given as their own parent`);
    parents.set(id, {
      father: UNKNOWN.has(father) ? null : father,
      mother: UNKNOWN.has(mother) ? null : mother,
    });
  });
  if (parents.size === 0) throw new UserError('no individuals: not a PED file', { file });
  return { source: file, parents };
}

/**
 * The ##PEDIGREE lines of a VCF header: 4.3's `<ID=child,Father=f,Mother=m>` and 4.1's
 * `<Child=child,Father=f,Mother=m>`; null when there are none with a parent.
 */
export function headerPedigree(meta: readonly string[]): Pedigree | null {
  const parents = new Map<string, Parents>();
  for (const line of meta) {
    if (!line.startsWith('##PEDIGREE=<')) continue;
    const attr = (name: string) => new RegExp(`[<,]${name}=([^,>]+)`).exec(line)?.[1] ?? null;
    const child = attr('ID') ?? attr('Child');
    const family = { father: attr('Father'), mother: attr('Mother') };
    if (child !== null && (family.father !== null || family.mother !== null)) parents.set(child, family);
  }
  return parents.size === 0 ? null : { source: '##PEDIGREE', parents };
}
