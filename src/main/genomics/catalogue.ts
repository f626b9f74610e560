import { UserError } from '../errors.js';
import { forEachLine } from './lines.js';
import { inputPath, type InputFile } from '../input-file.js';

/** One gene-disease link of the department's gene-syndrome catalogue. */
export interface CatalogueEntry {
  gene: string;
  /** 'OMIM:147920', 'ORPHA:2322', 'MONDO:...': the id the case store's syndromes carry. */
  diseaseId: string;
  diseaseName: string | null;
  inheritance: string | null;
  /** OMIM's phenotype mapping key (3: molecular basis known) or HPO's association type. */
  evidence: string | null;
}

export type CatalogueLayout = 'genemap2' | 'genes_to_disease';

export interface Catalogue {
  layout: CatalogueLayout;
  entries: CatalogueEntry[];
  /** Phenotypes left out, e.g. susceptibilities ({...}), non-diseases ([...]), ones without an id. */
  skipped: number;
}

/** genemap2 columns by header name; 'Approved Symbol' is the name before OMIM's 2020 header. */
const GENEMAP2 = {
  symbol: ['Approved Gene Symbol', 'Approved Symbol'],
  others: ['Gene/Locus And Other Related Symbols', 'Gene Symbols'],
  phenotypes: ['Phenotypes'],
};
const HPO = { symbol: ['gene_symbol'], disease: ['disease_id'], association: ['association_type'] };

function column(header: string[], names: string[]): number {
  for (const n of names) {
    const i = header.indexOf(n);
    if (i !== -1) return i;
  }
  return -1;
}

// "Kabuki syndrome 1, 147920 (3), Autosomal dominant"
const PHENOTYPE = /^(.*?),\s*(\d{6})\s*\((\d)\)(?:,\s*(.*))?$/;

/**
 * Parses an OMIM genemap2.txt Phenotypes cell into its diseases. Susceptibilities ({...}) and
 * non-diseases ([...]) are not syndromes and are left out, as is a phenotype OMIM gives no number.
 */
export function genemap2Phenotypes(cell: string): {
  entries: Omit<CatalogueEntry, 'gene'>[];
  skipped: number;
} {
  const entries: Omit<CatalogueEntry, 'gene'>[] = [];
  let skipped = 0;
  for (const raw of cell.split(';')) {
    const text = raw.trim();
    if (!text) continue;
    const m = PHENOTYPE.exec(text);
    if (!m || /^[{[]/.test(text)) {
      skipped += 1;
      continue;
    }
    entries.push({
      diseaseId: `OMIM:${m[2]}`,
      diseaseName: (m[1] ?? '').replace(/^\?/, '').trim(),
      inheritance: m[4]?.trim() || null,
      evidence: `OMIM mapping key ${m[3]}`,
    });
  }
  return { entries, skipped };
}

/**
 * Reads a gene-syndrome catalogue in OMIM genemap2.txt or HPO genes_to_disease.txt layout, told
 * apart by the header. Throws a UserError naming the file and line for anything else.
 */
export async function readCatalogue(input: InputFile): Promise<Catalogue> {
  const file = inputPath(input);
  let layout: CatalogueLayout | undefined;
  let cols: Record<string, number> = {};
  let width = 0;
  const entries: CatalogueEntry[] = [];
  let skipped = 0;

  const onHeader = (line: string, lineNo: number): boolean => {
    const header = line.replace(/^#\s*/, '').split('\t');
    if (column(header, GENEMAP2.phenotypes) !== -1) {
      layout = 'genemap2';
      cols = {
        symbol: column(header, GENEMAP2.symbol),
        others: column(header, GENEMAP2.others),
        phenotypes: column(header, GENEMAP2.phenotypes),
      };
      if (cols.symbol === -1 && cols.others === -1)
        throw new UserError('genemap2 header has no gene symbol column', { file, line: lineNo });
    } else if (column(header, HPO.disease) !== -1 && column(header, HPO.symbol) !== -1) {
      layout = 'genes_to_disease';
      cols = {
        symbol: column(header, HPO.symbol),
        disease: column(header, HPO.disease),
        association: column(header, HPO.association),
      };
    } else return false;
    width = header.length;
    return true;
  };

  await forEachLine(input, (line, lineNo) => {
    if (line.trim() === '') return;
    if (layout === undefined) {
      if (onHeader(line, lineNo) || line.startsWith('#')) return;
      throw new UserError(
        'not a gene-syndrome catalogue: expected an OMIM genemap2.txt header (# Chromosome ... Phenotypes) ' +
          'or an HPO genes_to_disease.txt header (ncbi_gene_id gene_symbol association_type disease_id source)',
        { file, line: lineNo },
      );
    }
    if (line.startsWith('#')) return;
    const f = line.split('\t');
    if (f.length !== width)
      throw new UserError(`${f.length} columns where the header has ${width}`, { file, line: lineNo });
    const at = (k: string) => (cols[k] === undefined || cols[k] === -1 ? '' : (f[cols[k]] ?? '').trim());
    if (layout === 'genemap2') {
      const gene = at('symbol') || (at('others').split(',')[0] ?? '').trim();
      const parsed = genemap2Phenotypes(at('phenotypes'));
      skipped += parsed.skipped;
      if (gene) for (const e of parsed.entries) entries.push({ gene, ...e });
      else skipped += parsed.entries.length;
      return;
    }
    const gene = at('symbol');
    const diseaseId = at('disease');
    if (!gene || !/^[A-Z]+:\S+$/.test(diseaseId))
      throw new UserError(
        `expected a gene symbol and a disease id like OMIM:147920, got '${gene}' '${diseaseId}'`,
        {
          file,
          line: lineNo,
        },
      );
    entries.push({
      gene,
      diseaseId,
      diseaseName: null,
      inheritance: null,
      evidence: at('association') || null,
    });
  });
  if (layout === undefined)
    throw new UserError('not a gene-syndrome catalogue: no genemap2 or genes_to_disease header found', {
      file,
    });
  return { layout, entries, skipped };
}
