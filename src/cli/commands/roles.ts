import { UsageError } from '../../main/errors.js';
import { grantRole, setUpRoles } from '../../main/usecases/roles.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno roles setup --db postgres://OWNER@HOST/DB[?schema=S] [--json]
       facepheno roles grant --db postgres://OWNER@HOST/DB[?schema=S] --login NAME --role clinician|researcher

Makes the roles of a department database real, enforced by the PostgreSQL server. Run as the login that
owns schema S (it needs CREATEROLE); S is migrated first.

setup   creates (or refreshes) two NOLOGIN groups: facepheno_S_clinician, with what the app needs on
        S's tables (read and write, no DDL), and facepheno_S_researcher, with USAGE only on the schema
        S_research: views of S's tables, owned by the owner, that show patients under a keyed pseudonym
        (R-...), without notes, birth date or year (an age band instead), photo or VCF file names, VCF
        sample names or photo files (landmarks and embeddings only), and refuse every write except the
        audit entries of the researcher's own reads. Run it again after a FacePheno update that adds tables.
grant   makes the existing login NAME a member of one group and not of the other.

A login's role then comes from the server: FACEPHENO_ROLE that disagrees is refused. On a SQLite file
the role is only a display mode (nothing stops whoever can open the file), so there is nothing to set up.`;

export const command: Command = {
  summary: "set up a department database's clinician and researcher roles, enforced by PostgreSQL",
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      login: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [action, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (!values.db) throw new UsageError('--db postgres://OWNER@HOST/DB is required');
    const config = ctx.storeConfig(values.db);
    if (action === 'setup') {
      const r = setUpRoles(config);
      if (values.json) console.log(JSON.stringify(r, null, 2));
      else
        console.log(
          `set up the roles of schema ${r.schema} (${r.database}): groups ${r.groups.clinician} and ` +
            `${r.groups.researcher}; ${r.views.length} pseudonymised view(s) in ${r.groups.research}`,
        );
      return 0;
    }
    if (action === 'grant') {
      if (!values.login) throw new UsageError('--login NAME is required');
      if (!values.role) throw new UsageError('--role clinician|researcher is required');
      const r = grantRole(config, values.login, values.role);
      if (values.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`login ${r.login} is now a ${r.role} of schema ${r.schema} (${r.group})`);
      return 0;
    }
    throw new UsageError(
      action === undefined ? 'name an action: setup or grant' : `unknown action '${action}'`,
    );
  },
};
