import { UsageError, UserError } from '../../main/errors.js';
import { storeExists } from '../../main/usecases/existing-store.js';
import { Genomics, type VcfFileOptions } from '../../main/usecases/variants.js';
import { withWorkspace, type Workspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage:
  facepheno vcf import --db FILE --patient ID [--sample NAME] [--ped FILE.ped] [--af-field NAME[,NAME]]
                       [--json] FILE.vcf[.gz]
  facepheno vcf catalogue --db FILE [--json] CATALOGUE

import   stores the proband's variants from a VCF 4.0-4.5 (plain or bgzip) in the patient's case:
         each ALT allele the proband carries, with genotype, depth, quality, VEP CSQ / SnpEff ANN /
         bcftools csq BCSQ annotations, ClinVar, gnomAD AF, CADD and REVEL; the file's sha256, the
         sample and the genome build (read from ##contig lengths or ##reference). In a multi-sample
         (trio) file the proband is --sample, else the child whose parents the pedigree names (--ped,
         a PED file, else the VCF's ##PEDIGREE lines), else the first sample column; with parents,
         each allele keeps their genotypes and whom it is from (de novo, paternal, maternal).
         gnomAD frequencies are read from the common INFO and CSQ/ANN names (gnomADe_AF, gnomADg_AF,
         MAX_AF, AF_popmax, AF_grpmax, faf95, gnomad_popmax_af, any gnomAD..._AF...) and from the
         fields --af-field names; the largest counts. A file with no frequency at all is imported
         with a warning, since every allele then counts as rare. All or nothing: a malformed line
         stores nothing and names the file and line. The same file and proband again is a no-op.
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
    ped: { type: 'string' },
    'af-field': { type: 'string' },
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

function afFields(list: string): string[] {
  const names = list.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[A-Za-z0-9_.-]+$/.test(n)))
    throw new UsageError('--af-field takes INFO or CSQ field names separated by commas');
  return names;
}

function required(v: string | undefined, flag: string): string {
  if (v === undefined || !v.trim()) throw new UsageError(`${flag} is required`);
  return v;
}

async function runImport(
  genomics: Genomics,
  patient: string,
  file: string,
  opts: VcfFileOptions,
  json: boolean,
) {
  const r = await genomics.importVcfFile(patient, file, opts);
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
      : r.sampleChosen === 'pedigree'
        ? ' (the child of the pedigree)'
        : '';
  const parents = [
    i.father === null ? null : printable`father ${i.father}`,
    i.mother === null ? null : printable`mother ${i.mother}`,
  ].filter((p) => p !== null);
  console.log(
    [
      printable`imported ${file} for ${patient}: ${i.records} records, ${i.variants} alleles carried by the proband, ` +
        printable`${i.notCarried} not carried or not called`,
      printable`sample: ${i.sample}${how}`,
      ...(parents.length > 0 ? [`parents: ${parents.join(', ')}`] : []),
      printable`build: ${i.build ?? 'unknown (no ##contig lengths or ##reference naming it)'}` +
        (i.buildEvidence ? printable` (from ${i.buildEvidence})` : ''),
      printable`annotations: ${i.annotationSources.join(', ') || 'none (no CSQ, ANN or BCSQ in the header)'}`,
      printable`gnomAD frequencies from: ${i.frequencyFields.join(', ') || 'none'}`,
      printable`sha256: ${i.sha256}`,
    ].join('\n'),
  );
  for (const w of i.warnings) console.error(printable`${file}: warning: ${w}`);
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
      const opts: VcfFileOptions = {
        ...(values.sample === undefined ? {} : { sample: values.sample }),
        ...(values.ped === undefined ? {} : { ped: values.ped }),
        ...(values['af-field'] === undefined ? {} : { frequencyFields: afFields(values['af-field']) }),
      };
      await withExistingWorkspace(ctx, db, (ws) =>
        runImport(new Genomics(ws.store), patient, file, opts, values.json),
      );
    } else {
      if ([values.patient, values.sample, values.ped, values['af-field']].some((v) => v !== undefined))
        throw new UsageError('catalogue takes no --patient, --sample, --ped or --af-field');
      await withExistingWorkspace(ctx, db, (ws) => runCatalogue(new Genomics(ws.store), file, values.json));
    }
    return 0;
  },
};
