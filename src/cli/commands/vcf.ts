import { UsageError, UserError } from '../../main/errors.js';
import { storeExists } from '../../main/usecases/existing-store.js';
import { Genomics } from '../../main/usecases/variants.js';
import { withWorkspace, type Workspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage:
  facepheno vcf import --db FILE --patient ID [--sample NAME] [--json] FILE.vcf[.gz]
  facepheno vcf catalogue --db FILE [--json] CATALOGUE

import   stores the proband's variants from a VCF 4.1-4.3 (plain or bgzip) in the patient's case:
         each ALT allele the proband carries, with genotype, depth, quality, VEP CSQ / SnpEff ANN
         annotations, ClinVar, gnomAD AF, CADD and REVEL; the file's sha256, the sample and the
         genome build (read from ##contig lengths or ##reference). In a multi-sample (trio) file
         the proband is --sample, else the first sample column. All or nothing: a malformed line
         stores nothing and names the file and line. The same file and sample again is a no-op.
catalogue replaces the gene-syndrome catalogue with an OMIM genemap2.txt or HPO
         genes_to_disease.txt file (told apart by its header).

--db is the case database file, or a department's postgres://USER@HOST:PORT/DATABASE[?schema=NAME]
URL (its photos in the folder FACEPHENO_PHOTOS_DIR).
--json prints one JSON document: the import record, or the catalogue summary.`;

function parse(args: string[]) {
  return parseCommandArgs(args, {
    db: { type: 'string' },
    patient: { type: 'string' },
    sample: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
}

/**
 * Runs `use` on the case database `db`, which must exist: these commands add to a patient's case or read
 * it. A postgres:// URL is opened as it is: whether the server and database exist, only connecting tells.
 */
export async function withExistingWorkspace<T>(
  ctx: CommandContext,
  db: string,
  use: (ws: Workspace) => Promise<T>,
): Promise<T> {
  const config = ctx.storeConfig(db);
  if (!storeExists(config))
    throw new UserError(
      'no such case database (create the case first: facepheno case create --db FILE --id ID)',
      { file: db },
    );
  return withWorkspace(config, use);
}

function required(v: string | undefined, flag: string): string {
  if (v === undefined || !v.trim()) throw new UsageError(`${flag} is required`);
  return v;
}

async function runImport(
  genomics: Genomics,
  patient: string,
  file: string,
  sample: string | undefined,
  json: boolean,
) {
  const r = await genomics.importVcfFile(patient, file, sample);
  const i = r.import;
  if (json) {
    console.log(JSON.stringify({ ...i, alreadyImported: r.alreadyImported, sampleChosen: r.sampleChosen }));
    return;
  }
  if (r.alreadyImported) {
    console.log(
      printable`${file}: already imported for ${patient} on ${i.importedAt} (sha256 ${i.sha256}); nothing changed`,
    );
    return;
  }
  const how =
    r.sampleChosen === 'first' && i.samples.length > 1
      ? printable` (the first of ${i.samples.length} samples: ${i.samples.join(', ')}; choose another with --sample)`
      : '';
  console.log(
    [
      printable`imported ${file} for ${patient}: ${i.records} records, ${i.variants} alleles carried by the proband, ` +
        printable`${i.notCarried} not carried or not called`,
      printable`sample: ${i.sample}${how}`,
      printable`build: ${i.build ?? 'unknown (no ##contig lengths or ##reference naming it)'}` +
        (i.buildEvidence ? printable` (from ${i.buildEvidence})` : ''),
      printable`annotations: ${i.annotationSources.join(', ') || 'none (no CSQ or ANN in the header)'}`,
      printable`sha256: ${i.sha256}`,
    ].join('\n'),
  );
}

async function runCatalogue(genomics: Genomics, file: string, json: boolean) {
  const c = await genomics.importCatalogueFile(file);
  const genes = new Set(c.entries.map((e) => e.gene)).size;
  if (json)
    console.log(
      JSON.stringify({
        layout: c.layout,
        links: c.entries.length,
        genes,
        skipped: c.skipped,
        sha256: c.sha256,
      }),
    );
  else
    console.log(
      printable`catalogue ${file} (${c.layout}): ${c.entries.length} gene-syndrome links for ${genes} genes` +
        (c.skipped
          ? printable`; ${c.skipped} phenotypes left out (susceptibilities, non-diseases, no id)`
          : ''),
    );
}

export const command: Command = {
  summary: 'import a patient VCF, or the gene-syndrome catalogue',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parse(args);
    const [sub, ...files] = positionals;
    if (sub !== 'import' && sub !== 'catalogue')
      throw new UsageError(
        sub === undefined ? 'give a subcommand: import or catalogue' : `unknown subcommand '${sub}'`,
      );
    const db = required(values.db, '--db');
    if (files.length !== 1) throw new UsageError(`give exactly one file (got ${files.length})`);
    const file = files[0] ?? '';
    if (sub === 'import') {
      const patient = required(values.patient, '--patient');
      await withExistingWorkspace(ctx, db, (ws) =>
        runImport(new Genomics(ws.store), patient, file, values.sample, values.json),
      );
    } else {
      if (values.patient !== undefined || values.sample !== undefined)
        throw new UsageError('catalogue takes no --patient or --sample');
      await withExistingWorkspace(ctx, db, (ws) => runCatalogue(new Genomics(ws.store), file, values.json));
    }
    return 0;
  },
};
