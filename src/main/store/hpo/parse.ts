import { extname } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { inputPath, readInputSync, type InputFile } from '../../input-file.js';

/** One HPO term as read from the ontology file. */
export interface OntologyTerm {
  id: string;
  name: string;
  definition: string | null;
  synonyms: string[];
  parents: string[];
  obsolete: boolean;
  replacedBy: string | null;
  /** For an obsolete term without a replacement: the terms its curators suggest looking at instead. */
  consider: string[];
  /** Ids merged into this term: older records may still use them. */
  altIds: string[];
}

export interface Ontology {
  /** The release, e.g. 'hp/releases/2024-08-13'. */
  version: string;
  terms: OntologyTerm[];
}

export const hpoIdPattern = /^HP:\d{7}$/;

/** Reads hp.json (OBO Graphs JSON) or hp.obo, chosen by extension or, failing that, by content. */
export function readOntology(input: InputFile): Ontology {
  const file = inputPath(input);
  let text: string;
  try {
    text = readInputSync(input).toString('utf8');
  } catch (err) {
    throw new UserError(`cannot read the ontology: ${(err as Error).message}`, { file, cause: err });
  }
  const ext = extname(file).toLowerCase();
  const isJson = ext === '.json' || (ext !== '.obo' && text.trimStart().startsWith('{'));
  const ontology = isJson ? parseObographs(text, file) : parseObo(text, file);
  if (!ontology.terms.some((t) => t.id === 'HP:0000001'))
    throw new UserError('no HPO root term HP:0000001: is this the Human Phenotype Ontology?', { file });
  return ontology;
}

/**
 * An HP parent or replacement that the file does not define would be dropped or point nowhere: a term
 * cut off from its ancestors, or an obsolete id whose replacement cannot be chosen. A partial file.
 */
function checkReferences(terms: (OntologyTerm & { line?: number })[], file: string): void {
  const ids = new Set(terms.map((t) => t.id));
  for (const t of terms) {
    const parent = t.parents.find((p) => hpoIdPattern.test(p) && !ids.has(p));
    if (parent)
      throw new UserError(`term ${t.id} is_a ${parent}, which is not a term of this file`, {
        file,
        line: t.line,
      });
    if (t.replacedBy && !ids.has(t.replacedBy))
      throw new UserError(`term ${t.id} is replaced_by ${t.replacedBy}, which is not a term of this file`, {
        file,
        line: t.line,
      });
  }
}

const purl = 'http://purl.obolibrary.org/obo/';

/** HP_0000001 IRIs and HP:0000001 CURIEs both become the CURIE; anything else undefined. */
function hpCurie(id: string): string | undefined {
  const local = id.startsWith(purl) ? id.slice(purl.length).replace('_', ':') : id;
  return hpoIdPattern.test(local) ? local : undefined;
}

const replacedByPred = `${purl}IAO_0100001`;
const altIdPred = 'http://www.geneontology.org/formats/oboInOwl#hasAlternativeId';
const considerPred = 'http://www.geneontology.org/formats/oboInOwl#consider';

const obographs = z.object({
  graphs: z
    .array(
      z.object({
        meta: z.object({ version: z.string().optional() }).optional(),
        nodes: z
          .array(
            z.object({
              id: z.string(),
              lbl: z.string().optional(),
              type: z.string().optional(),
              meta: z
                .object({
                  definition: z.object({ val: z.string() }).optional(),
                  synonyms: z.array(z.object({ val: z.string() })).optional(),
                  deprecated: z.boolean().optional(),
                  basicPropertyValues: z.array(z.object({ pred: z.string(), val: z.string() })).optional(),
                })
                .optional(),
            }),
          )
          .default([]),
        edges: z.array(z.object({ sub: z.string(), pred: z.string(), obj: z.string() })).default([]),
      }),
    )
    .min(1),
});

function parseObographs(text: string, file: string): Ontology {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const parsed = obographs.safeParse(json);
  if (!parsed.success)
    throw new UserError(`not an OBO Graphs ontology: ${z.prettifyError(parsed.error).split('\n')[0]}`, {
      file,
    });
  const [graph] = parsed.data.graphs;
  if (!graph) throw new UserError('the ontology has no graph', { file });
  const terms = new Map<string, OntologyTerm>();
  for (const n of graph.nodes) {
    const id = hpCurie(n.id);
    if (!id || (n.type !== undefined && n.type !== 'CLASS') || n.lbl === undefined) continue;
    const values = n.meta?.basicPropertyValues ?? [];
    const replaced = values.find((p) => p.pred === replacedByPred)?.val;
    terms.set(id, {
      id,
      name: n.lbl,
      definition: n.meta?.definition?.val ?? null,
      synonyms: [...new Set((n.meta?.synonyms ?? []).map((s) => s.val))],
      parents: [],
      obsolete: n.meta?.deprecated === true,
      replacedBy: (replaced && hpCurie(replaced)) ?? null,
      consider: values.flatMap((p) => (p.pred === considerPred ? (hpCurie(p.val) ?? []) : [])),
      altIds: values.flatMap((p) => (p.pred === altIdPred ? (hpCurie(p.val) ?? []) : [])),
    });
  }
  for (const e of graph.edges) {
    const sub = terms.get(hpCurie(e.sub) ?? '');
    const obj = hpCurie(e.obj);
    if (e.pred === 'is_a' && sub && obj && !sub.parents.includes(obj)) sub.parents.push(obj);
  }
  const version = graph.meta?.version?.replace(purl, '').replace(/\/hp\.json$/, '') ?? 'unknown';
  checkReferences([...terms.values()], file);
  return { version, terms: [...terms.values()] };
}

function parseObo(text: string, file: string): Ontology {
  const lines = text.split(/\r?\n/);
  let version = 'unknown';
  let stanza: string | null = null;
  let term: (OntologyTerm & { line: number }) | null = null;
  const terms: (OntologyTerm & { line: number })[] = [];
  const finish = () => {
    if (term) {
      if (!term.name) throw new UserError(`term ${term.id} has no name`, { file, line: term.line });
      terms.push(term);
    }
    term = null;
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    if (!text || text.startsWith('!')) return;
    const header = /^\[(\w+)\]$/.exec(text);
    if (header) {
      finish();
      stanza = header[1] ?? null;
      return;
    }
    const colon = text.indexOf(':');
    if (colon < 1) throw new UserError(`expected 'tag: value', got '${text.slice(0, 60)}'`, { file, line });
    const tag = text.slice(0, colon);
    const value = stripComment(text.slice(colon + 1).trim());
    if (stanza === null) {
      if (tag === 'data-version') version = value;
      return;
    }
    if (stanza !== 'Term') return;
    if (tag === 'id') {
      if (term) throw new UserError(`a second id in one [Term]`, { file, line });
      const id = hpCurie(value);
      term = {
        id: id ?? value,
        name: '',
        definition: null,
        synonyms: [],
        parents: [],
        obsolete: false,
        replacedBy: null,
        consider: [],
        altIds: [],
        line,
      };
      return;
    }
    if (!term) throw new UserError(`'${tag}' before the term's id`, { file, line });
    const t: OntologyTerm = term;
    if (tag === 'name') t.name = value;
    else if (tag === 'def') t.definition = quoted(value, file, line);
    else if (tag === 'synonym') t.synonyms.push(quoted(value, file, line));
    else if (tag === 'is_a') t.parents.push(value);
    else if (tag === 'is_obsolete') t.obsolete = value === 'true';
    else if (tag === 'replaced_by') t.replacedBy = hpCurie(value) ?? null;
    else if (tag === 'alt_id' && hpCurie(value)) t.altIds.push(value);
    else if (tag === 'consider' && hpCurie(value)) t.consider.push(value);
  });
  finish();
  // Parents outside HP (other ontologies' classes) are left out; missing HP parents are refused.
  const hp = terms
    .filter((t) => hpoIdPattern.test(t.id))
    .map((t) => ({ ...t, parents: t.parents.filter((p) => hpoIdPattern.test(p)) }));
  checkReferences(hp, file);
  return { version, terms: hp.map(({ line: _line, ...t }) => t) };
}

/** Drops an OBO trailing '! comment' (outside quotes). */
function stripComment(v: string): string {
  if (v.startsWith('"')) return v;
  const bang = v.indexOf(' !');
  return bang < 0 ? v : v.slice(0, bang).trim();
}

/** The quoted text at the start of a def or synonym value: "text" [xrefs]. */
function quoted(v: string, file: string, line: number): string {
  const m = /^"((?:[^"\\]|\\.)*)"/.exec(v);
  if (!m) throw new UserError(`expected a quoted text, got '${v.slice(0, 60)}'`, { file, line });
  return (m[1] ?? '').replace(/\\(.)/g, '$1');
}
