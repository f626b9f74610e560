import { UsageError } from '../../main/errors.js';
import { listAudit, verifyAudit, type AuditChainReport } from '../../main/usecases/audit.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { withExistingWorkspace } from './vcf.js';

const usage = `Usage:
  facepheno audit verify --db FILE [--anchor HASH] [--json]
  facepheno audit list --db FILE [--patient ID] [--limit N] [--json]

The audit log records who (the OS user) did what, when, to which patient: every change, and every read
of patient data (a case opened or listed, a photo viewed, faces compared, a match, variants listed, a VCF
imported, a report or export, a backup). Each entry holds the sha256 of the one before it.

verify walks the whole chain and prints OK with the number of entries and the head (the last entry's id
and hash), or names the first entry that was edited, deleted or inserted out of chain, or says that the
log's last entries were deleted, and exits with 1. Entries from before the chain (written by a FacePheno
older than schema migration 0004) are counted and not covered. Whoever can write the database can still
rewrite the whole log consistently: write the head hash down elsewhere (a ticket, a register) and pass
it later as --anchor HASH, which fails unless that entry is still in the chain.

list prints the latest entries, newest first (default --limit 50), of one patient with --patient; the
listing is itself recorded. --db is the case database file, or a postgres:// URL.`;

function need(v: string | undefined, flag: string): string {
  if (v === undefined || !v.trim()) throw new UsageError(`${flag} is required`);
  return v;
}

function describe(r: AuditChainReport): string {
  const before = r.unchained ? ` (${r.unchained} from before the chain, not covered)` : '';
  if (!r.ok) return `audit log BROKEN at entry ${r.brokenAt}: ${r.problem}`;
  if (r.head === null) return `audit log OK: ${r.entries} entries${before}, none chained yet`;
  return (
    `audit log OK: ${r.entries} entries${before}, chain intact\n` +
    `head: entry ${r.head.id} sha256 ${r.head.hash}\n` +
    '(write the head down elsewhere; a later verify --anchor HASH proves the log was not rewritten since)'
  );
}

async function verify(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    { db: { type: 'string' }, anchor: { type: 'string' }, json: { type: 'boolean', default: false } },
    false,
  );
  const db = need(values.db, '--db');
  if (values.anchor !== undefined && !/^[0-9a-fA-F]{64}$/.test(values.anchor))
    throw new UsageError('--anchor must be a head hash as verify prints it (64 hex digits)');
  const report = await withExistingWorkspace(ctx, db, async (ws) =>
    verifyAudit(ws, values.anchor === undefined ? {} : { anchor: values.anchor }),
  );
  console.log(values.json ? JSON.stringify(report) : describe(report));
  return report.ok ? 0 : 1;
}

async function list(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      db: { type: 'string' },
      patient: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    false,
  );
  const db = need(values.db, '--db');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number >= 1');
  const entries = await withExistingWorkspace(ctx, db, async (ws) =>
    listAudit(ws, { limit, ...(values.patient === undefined ? {} : { patient: values.patient }) }),
  );
  if (values.json) console.log(JSON.stringify(entries));
  else
    for (const e of entries)
      console.log(
        `#${e.id} ${e.at} ${e.osUser} ${e.action}${e.patient === null ? '' : ` ${e.patient}`}` +
          (e.details === null ? '' : ` ${JSON.stringify(e.details)}`),
      );
  return 0;
}

const subcommands: Record<string, (args: string[], ctx: CommandContext) => Promise<number>> = {
  verify,
  list,
};

export const command: Command = {
  summary: 'the audit log: verify its hash chain, list who did what to which case',
  usage,
  async run(args, ctx) {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) throw new UsageError(`audit takes a subcommand: ${Object.keys(subcommands).join(' or ')}`);
    return sub(rest, ctx);
  },
};
