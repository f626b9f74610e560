import { UsageError } from '../../main/errors.js';
import { loadHpo } from '../../main/usecases/phenotype.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { withExistingWorkspace } from './vcf.js';

const usage = `Usage: facepheno hpo load --db FILE [--json] hp.obo|hp.json

Loads a Human Phenotype Ontology release (OBO 1.2, or OBO Graphs JSON) into the case database, in place
of the one loaded before, as Settings' loader does: terms, synonyms, parents, alternative ids (kept as
obsolete terms replaced by their primary) and obsolete terms with their replacements. All or nothing: a
file that cannot be read leaves the previous release as it was. Prints the release's data-version, which
every figure computed with it names.

Options:
  --json   print the release as one JSON document: {version, source, loadedAt, terms}`;

export const command: Command = {
  summary: 'load an HPO release (hp.obo or hp.json) into a case database',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      { db: { type: 'string' }, json: { type: 'boolean', default: false } },
      true,
    );
    const [sub, file, ...rest] = positionals;
    if (sub !== 'load')
      throw new UsageError(sub ? `unknown hpo subcommand: ${sub}` : 'say what to do: hpo load');
    if (!values.db) throw new UsageError('--db is required');
    if (!file) throw new UsageError('name the release to load: hp.obo or hp.json');
    if (rest.length > 0) throw new UsageError('hpo load takes one release file');
    const release = await withExistingWorkspace(ctx, values.db, (ws) => Promise.resolve(loadHpo(ws, file)));
    if (values.json) process.stdout.write(`${JSON.stringify(release)}\n`);
    else
      process.stdout.write(
        printable`HPO ${release.version}: ${release.terms} current terms loaded from ${release.source}` +
          '\n',
      );
    return 0;
  },
};
