import { bySql, type Db } from '../db.js';
import { UserError } from '../../errors.js';
import { write } from './write.js';
import { diseaseIdKind, diseaseIdKinds, type DiseaseIdKind } from '../../../shared/vocabulary.js';

export { diseaseIdKind };

export interface Syndrome {
  id: number;
  name: string;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
  genes: string[];
}

export interface SyndromeInput {
  name: string;
  omim?: string | null;
  orpha?: string | null;
  mondo?: string | null;
  genes?: string[];
}

interface SyndromeRow {
  id: number;
  name: string;
  omim: string | null;
  orpha: string | null;
  mondo: string | null;
  genes: string | null;
}

const selectSyndrome = {
  sqlite: `SELECT s.*, (SELECT group_concat(g.gene) FROM
    (SELECT gene FROM syndrome_genes WHERE syndrome_id = s.id ORDER BY gene) g) AS genes FROM syndromes s`,
  postgres: `SELECT s.*, (SELECT string_agg(g.gene, ',' ORDER BY g.gene) FROM syndrome_genes g
    WHERE g.syndrome_id = s.id) AS genes FROM syndromes s`,
};
// Names are one whatever their case: SQLite's column is COLLATE NOCASE, PostgreSQL's unique on nocase(name).
const byName = { sqlite: 's.name = ?', postgres: 'nocase(s.name) = nocase(?)' };
const nameOrder = { sqlite: 's.name', postgres: 'nocase(s.name)' };

/** The syndrome catalogue: a name, its OMIM / ORPHA / MONDO ids and genes. */
export class Syndromes {
  private readonly byName;
  private readonly byId;
  private readonly byOmim;
  private readonly byOrpha;
  private readonly byMondo;
  private readonly all;
  private readonly insert;
  private readonly setIds;
  private readonly addGene;

  constructor(private readonly db: Db) {
    const select = bySql(db, selectSyndrome);
    this.byName = db.prepare(`${select} WHERE ${bySql(db, byName)}`);
    this.byId = db.prepare(`${select} WHERE s.id = ?`);
    this.byOmim = db.prepare(`${select} WHERE s.omim = ?`);
    this.byOrpha = db.prepare(`${select} WHERE s.orpha = ?`);
    this.byMondo = db.prepare(`${select} WHERE s.mondo = ?`);
    this.all = db.prepare(`${select} ORDER BY ${bySql(db, nameOrder)}`);
    this.insert = db.prepare('INSERT INTO syndromes (name, omim, orpha, mondo) VALUES (?, ?, ?, ?)');
    this.setIds = db.prepare('UPDATE syndromes SET omim = ?, orpha = ?, mondo = ? WHERE id = ?');
    this.addGene = db.prepare(
      'INSERT INTO syndrome_genes (syndrome_id, gene) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
  }

  list(): Syndrome[] {
    return (this.all.all() as SyndromeRow[]).map(toSyndrome);
  }

  get(id: number): Syndrome {
    const r = this.byId.get(id) as SyndromeRow | undefined;
    if (!r) throw new Error(`syndrome row ${id} missing`);
    return toSyndrome(r);
  }

  findByName(name: string): Syndrome | undefined {
    const r = this.byName.get(name.trim()) as SyndromeRow | undefined;
    return r && toSyndrome(r);
  }

  /** The syndrome with this OMIM, ORPHA or MONDO id. */
  findByDiseaseId(curie: string): Syndrome | undefined {
    const kind = diseaseIdKind(curie);
    if (!kind) return undefined;
    const stmt = { omim: this.byOmim, orpha: this.byOrpha, mondo: this.byMondo }[kind];
    const r = stmt.get(curie) as SyndromeRow | undefined;
    return r && toSyndrome(r);
  }

  /**
   * The catalogue entry for this syndrome, found by name or by any of its ids, completed with the ids and
   * genes given; added when new. Ids that contradict the catalogue are refused.
   */
  ensure(input: SyndromeInput): Syndrome {
    return write(this.db, () => {
      const name = input.name.trim();
      if (!name) throw new UserError('a syndrome needs a name');
      for (const k of diseaseIdKinds) {
        const v = input[k];
        if (v && diseaseIdKind(v) !== k)
          throw new UserError(`'${v}' is not a ${k.toUpperCase()} id (expected e.g. ${example[k]})`);
      }
      const matches = new Map<number, Syndrome>();
      for (const s of [
        this.findByName(name),
        ...diseaseIdKinds.map((k) => (input[k] ? this.findByDiseaseId(input[k]) : undefined)),
      ])
        if (s) matches.set(s.id, s);
      if (matches.size > 1)
        throw new UserError(
          `'${name}' and its ids name different syndromes in the catalogue: ${[...matches.values()].map((s) => s.name).join(', ')}`,
        );
      let s = [...matches.values()][0];
      if (!s) {
        const id = Number(
          this.insert.run(name, input.omim ?? null, input.orpha ?? null, input.mondo ?? null).lastInsertRowid,
        );
        s = this.get(id);
      } else {
        for (const k of diseaseIdKinds) {
          const v = input[k];
          if (v && s[k] && s[k] !== v)
            throw new UserError(`syndrome '${s.name}' has ${k.toUpperCase()} id ${s[k]}, not ${v}`);
        }
        if (diseaseIdKinds.some((k) => input[k] && !s?.[k]))
          this.setIds.run(
            s.omim ?? input.omim ?? null,
            s.orpha ?? input.orpha ?? null,
            s.mondo ?? input.mondo ?? null,
            s.id,
          );
      }
      for (const g of input.genes ?? []) if (g.trim()) this.addGene.run(s.id, g.trim());
      return this.get(s.id);
    });
  }
}

const example: Record<DiseaseIdKind, string> = {
  omim: 'OMIM:190685',
  orpha: 'ORPHA:870',
  mondo: 'MONDO:0008608',
};

function toSyndrome(r: SyndromeRow): Syndrome {
  return {
    id: r.id,
    name: r.name,
    omim: r.omim,
    orpha: r.orpha,
    mondo: r.mondo,
    genes: r.genes === null ? [] : r.genes.split(','),
  };
}
