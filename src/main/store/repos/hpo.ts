import { bySql, insertMany, type Db } from '../db.js';
import { UserError } from '../../errors.js';
import { inputPath, type InputFile } from '../../input-file.js';
import { hpoIdPattern, readOntology } from '../hpo/parse.js';
import { write } from './write.js';

export interface HpoTerm {
  id: string;
  name: string;
  definition: string | null;
  obsolete: boolean;
  replacedBy: string | null;
  synonyms: string[];
  parents: string[];
}

export interface HpoHit {
  id: string;
  name: string;
  /** The synonym that matched, when the match was not on the id or name. */
  synonym: string | null;
}

export interface HpoRelease {
  version: string;
  source: string;
  loadedAt: string;
  /** Current (not obsolete) terms. */
  terms: number;
}

interface TermRow {
  id: string;
  name: string;
  definition: string | null;
  obsolete: number;
  replaced_by: string | null;
}

/** The Human Phenotype Ontology as loaded from the department's hp.json or hp.obo: term look-up and search. */
export class Hpo {
  private readonly clear;
  private readonly setRelease;
  private readonly releaseRow;
  private readonly termRow;
  private readonly synonymsOf;
  private readonly parentsOf;
  private readonly searchRows;

  constructor(private readonly db: Db) {
    // Children first: deleting a term would otherwise look for references in every remaining edge.
    // PostgreSQL empties the three at once (TRUNCATE, transactional there), without checking each
    // deleted term against the emptied edges, which takes seconds for the whole HPO.
    this.clear = bySql(db, {
      sqlite: 'DELETE FROM hpo_parents; DELETE FROM hpo_synonyms; DELETE FROM hpo_terms;',
      postgres: 'TRUNCATE hpo_parents, hpo_synonyms, hpo_terms',
    });
    this.setRelease = db.prepare(`INSERT INTO hpo_release (id, version, source, loaded_at) VALUES (1, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET version = excluded.version, source = excluded.source, loaded_at = excluded.loaded_at`);
    this.releaseRow = db.prepare(
      'SELECT version, source, loaded_at, (SELECT count(*) FROM hpo_terms WHERE obsolete = 0) AS terms FROM hpo_release WHERE id = 1',
    );
    this.termRow = db.prepare('SELECT * FROM hpo_terms WHERE id = ?');
    this.synonymsOf = db
      .prepare('SELECT synonym FROM hpo_synonyms WHERE term_id = ? ORDER BY synonym')
      .pluck();
    this.parentsOf = db
      .prepare('SELECT parent_id FROM hpo_parents WHERE term_id = ? ORDER BY parent_id')
      .pluck();
    // Ranked: names that start with the text, names that contain it, then synonyms likewise. SQLite's
    // LIKE ignores ASCII case, as ILIKE does; a term's best hit (and its synonym) is SQLite's min() row,
    // PostgreSQL's DISTINCT ON.
    const like = bySql(db, { sqlite: 'LIKE', postgres: 'ILIKE' });
    const hits = `WITH hits (id, rank, synonym) AS (
        SELECT id, CASE WHEN name ${like} :prefix ESCAPE '\\' THEN 1 ELSE 2 END, NULL
          FROM hpo_terms WHERE name ${like} :like ESCAPE '\\'
        UNION ALL SELECT term_id, CASE WHEN synonym ${like} :prefix ESCAPE '\\' THEN 3 ELSE 4 END, synonym
          FROM hpo_synonyms WHERE synonym ${like} :like ESCAPE '\\')`;
    this.searchRows = db.prepare(
      bySql(db, {
        sqlite: `${hits} SELECT t.id, t.name, min(h.rank) AS rank, h.synonym FROM hits h
          JOIN hpo_terms t ON t.id = h.id
          WHERE t.obsolete = 0 GROUP BY t.id ORDER BY rank, length(t.name), t.name LIMIT :limit`,
        postgres: `${hits} SELECT * FROM (SELECT DISTINCT ON (t.id) t.id, t.name, h.rank, h.synonym
          FROM hits h JOIN hpo_terms t ON t.id = h.id
          WHERE t.obsolete = 0 ORDER BY t.id, h.rank, h.synonym) best
          ORDER BY rank, length(name), name LIMIT :limit`,
      }),
    );
  }

  /** Replaces the loaded ontology with the one in `file` (hp.json or hp.obo), in one transaction. */
  load(file: InputFile): HpoRelease {
    const ontology = readOntology(file);
    write(this.db, () => {
      this.db.exec(this.clear);
      const ids = new Set(ontology.terms.map((t) => t.id));
      const terms = ontology.terms.map((t) => [t.id, t.name, t.definition, t.obsolete ? 1 : 0, t.replacedBy]);
      // An alternative id is kept as an obsolete term replaced by its primary, so it is refused by name.
      // Old releases give one alternative id to two terms: the first keeps it.
      for (const t of ontology.terms)
        for (const alt of t.altIds)
          if (!ids.has(alt)) {
            ids.add(alt);
            terms.push([alt, t.name, null, 1, t.id]);
          }
      insertMany(this.db, 'hpo_terms', ['id', 'name', 'definition', 'obsolete', 'replaced_by'], terms);
      const synonyms = ontology.terms.flatMap((t) => t.synonyms.map((s) => [t.id, s]));
      insertMany(this.db, 'hpo_synonyms', ['term_id', 'synonym'], synonyms, { ignoreDuplicates: true });
      const parents = ontology.terms.flatMap((t) => t.parents.map((p) => [t.id, p]));
      insertMany(this.db, 'hpo_parents', ['term_id', 'parent_id'], parents, { ignoreDuplicates: true });
      this.setRelease.run(ontology.version, inputPath(file), new Date().toISOString());
    });
    const release = this.release();
    if (!release) throw new Error('the HPO release row was not written');
    return release;
  }

  release(): HpoRelease | undefined {
    const r = this.releaseRow.get() as
      { version: string; source: string; loaded_at: string; terms: number } | undefined;
    return r && { version: r.version, source: r.source, loadedAt: r.loaded_at, terms: r.terms };
  }

  term(id: string): HpoTerm | undefined {
    const r = this.termRow.get(id) as TermRow | undefined;
    return (
      r && {
        id: r.id,
        name: r.name,
        definition: r.definition,
        obsolete: r.obsolete === 1,
        replacedBy: r.replaced_by,
        synonyms: this.synonymsOf.all(r.id) as string[],
        parents: this.parentsOf.all(r.id) as string[],
      }
    );
  }

  /** A current (not obsolete) term, or a UserError saying why the id cannot be used and what replaces it. */
  current(id: string): HpoTerm {
    if (!hpoIdPattern.test(id)) throw new UserError(`'${id}' is not an HPO id (expected HP: and 7 digits)`);
    const release = this.release();
    const t = this.term(id);
    if (!t)
      throw new UserError(`${id} is not a term of the loaded HPO (${release?.version ?? 'none loaded'})`);
    if (t.obsolete)
      throw new UserError(
        `${id} (${t.name}) is obsolete in HPO ${release?.version}` +
          (t.replacedBy ? `; use ${t.replacedBy} instead` : ''),
      );
    return t;
  }

  /** Current terms matching an id (HP:0000001 or 0000001: that term alone), a name or a synonym, best first. */
  search(text: string, limit = 20): HpoHit[] {
    const q = text.trim();
    if (!q) return [];
    const digits = /^(HP:)?(\d{7})$/i.exec(q);
    if (digits) {
      const t = this.term(`HP:${digits[2]}`);
      return t && !t.obsolete ? [{ id: t.id, name: t.name, synonym: null }] : [];
    }
    const escaped = q.replace(/[\\%_]/g, (c) => '\\' + c);
    const rows = this.searchRows.all({ prefix: `${escaped}%`, like: `%${escaped}%`, limit }) as {
      id: string;
      name: string;
      synonym: string | null;
      rank: number;
    }[];
    return rows.map((r) => ({ id: r.id, name: r.name, synonym: r.rank >= 3 ? r.synonym : null }));
  }
}
