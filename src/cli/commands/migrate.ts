import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import { Store } from '../../main/store/store.js';
import {
  displayTarget,
  openTransferSource,
  transferCases,
  type TransferReport,
} from '../../main/store/transfer.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno migrate --from FILE.db --to TARGET [--json]

Moves every case of a workstation's case database FILE.db (and its photos, FILE.photos beside it)
into the department database TARGET, a postgres://USER@HOST:PORT/DATABASE URL (or another case
database file), all or nothing:
  - FILE.db is opened read-only and never changed;
  - a TARGET that already holds a case with the same id as one in FILE.db is refused, naming it;
  - photo files are copied (by content) before the rows that name them, and removed again if the
    move fails; the rows are written in one transaction, with new ids;
  - the syndrome catalogue is merged by name and OMIM/ORPHA/MONDO id (contradicting ids refuse the move);
  - the audit log's entries are copied, and each moved case gets a 'patient.migrate' entry, the
    target one 'store.migrate' entry with the counts.
The HPO ontology and the gene-syndrome catalogue are department reference data and stay behind
(listed as not moved): load them into the department database (the app's HPO release, facepheno
vcf catalogue).

Prints the counts read back from TARGET: patients, photos and photo files, faces, embeddings,
diagnoses, syndromes, terms, audit rows, VCF imports, variants and their annotations.
--json prints them as one JSON document.`;

export const command: Command = {
  summary: "move a workstation's cases into the department database, all or nothing",
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
      false,
    );
    if (!values.from?.trim()) throw new UsageError('--from FILE.db is required');
    if (!values.to?.trim()) throw new UsageError('--to TARGET is required');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(values.from))
      throw new UsageError("--from names a workstation's case database file, not a URL");
    if (resolve(values.from) === resolve(values.to))
      throw new UsageError('--from and --to name the same database');
    const source = openTransferSource(values.from);
    try {
      const target = Store.open(values.to);
      try {
        const report = transferCases(source, target);
        console.log(values.json ? JSON.stringify(report, null, 2) : describe(report));
      } finally {
        target.close();
      }
    } finally {
      source.close();
    }
    return 0;
  },
};

function describe(r: TransferReport): string {
  const c = r.counts;
  const lines = [
    `moved ${c.patients} case(s) from ${r.from} to ${displayTarget(r.to)}:`,
    `  ${c.photos} photo(s) in ${c.photoFiles} photo file(s) (${c.photoFilesWritten} new to the target), ` +
      `${c.faces} face(s), ${c.embeddings} embedding(s)`,
    `  ${c.diagnoses} diagnosis(es) of ${c.syndromes} syndrome(s) merged into the catalogue, ${c.terms} term(s)`,
    `  ${c.vcfImports} VCF import(s) with ${c.variants} variant(s) (${c.variantAnnotations} annotation(s))`,
    `  ${c.auditRows} audit row(s), the move's own included`,
  ];
  const left = Object.entries(r.notMoved);
  if (left.length)
    lines.push(`  not moved (department reference data): ${left.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return lines.join('\n');
}
