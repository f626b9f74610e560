import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import { moveCases, type TransferReport } from '../../main/usecases/backup.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno migrate --from FILE.db --to TARGET [--to-photos DIR] [--json]

Moves every case of a workstation's case database FILE.db (and its photos, FILE.photos beside it)
into the department database TARGET, a postgres://USER@HOST:PORT/DATABASE[?schema=NAME] URL (or
another case database file), all or nothing. A PostgreSQL database keeps its photos in a folder every
workstation shares: --to-photos DIR, else FACEPHENO_PHOTOS_DIR.
  - FILE.db is opened read-only and never changed (an encrypted one with the key of --key-file or
    FACEPHENO_DB_KEY, which a SQLite TARGET then gets too);
  - a TARGET that already holds a case with the same id as one in FILE.db is refused, naming it;
  - photo files are copied (by content) before the rows that name them, and removed again if the
    move fails; the rows are written in one transaction, with new ids;
  - the syndrome catalogue is merged by name and OMIM/ORPHA/MONDO id (contradicting ids refuse the move);
  - the audit log's entries are copied, and each moved case gets a 'patient.migrate' entry, the
    target one 'store.migrate' entry with the counts;
  - gallery packs from other centres are copied unless the target has them (by content); a fitted
    matcher is not (the target refits it).
The HPO ontology and the gene-syndrome catalogue are department reference data and stay behind
(listed as not moved): load them into the department database (the app's HPO release, facepheno
vcf catalogue).

Prints the counts read back from TARGET before the move commits: patients, photos and photo files,
faces, embeddings, diagnoses, syndromes, terms, audit rows, VCF imports, variants and their
annotations, controls' sources, gallery packs with their members and embeddings.
--json prints them as one JSON document.`;

export const command: Command = {
  summary: "move a workstation's cases into the department database, all or nothing",
  usage,
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      args,
      {
        from: { type: 'string' },
        to: { type: 'string' },
        'to-photos': { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    if (!values.from?.trim()) throw new UsageError('--from FILE.db is required');
    if (!values.to?.trim()) throw new UsageError('--to TARGET is required');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(values.from))
      throw new UsageError("--from names a workstation's case database file, not a URL");
    if (resolve(values.from) === resolve(values.to))
      throw new UsageError('--from and --to name the same database');
    const report = moveCases(ctx.storeConfig(values.from), ctx.storeConfig(values.to, values['to-photos']));
    console.log(values.json ? JSON.stringify(report, null, 2) : describe(report));
    return 0;
  },
};

function describe(r: TransferReport): string {
  const c = r.counts;
  const lines = [
    printable`moved ${c.patients} case(s) from ${r.from} to ${r.to}:`,
    printable`  ${c.photos} photo(s) in ${c.photoFiles} photo file(s) (${c.photoFilesWritten} new to the target), ` +
      printable`${c.faces} face(s), ${c.embeddings} embedding(s)`,
    printable`  ${c.diagnoses} diagnosis(es) of ${c.syndromes} syndrome(s) merged into the catalogue, ${c.terms} term(s)`,
    printable`  ${c.vcfImports} VCF import(s) with ${c.variants} variant(s) (${c.variantAnnotations} annotation(s))`,
    printable`  ${c.controlSources} control source(s); ${c.galleryPacks} gallery pack(s) with ${c.packMembers} member(s) ` +
      printable`and ${c.packEmbeddings} embedding(s)` +
      (r.packsAlreadyThere ? printable` (${r.packsAlreadyThere} pack(s) the target had already)` : ''),
    printable`  ${c.auditRows} audit row(s), the move's own included`,
  ];
  const left = Object.entries(r.notMoved);
  if (left.length)
    lines.push(
      printable`  not moved (department reference data): ${left.map(([t, n]) => printable`${t} ${n}`).join(', ')}`,
    );
  return lines.join('\n');
}
