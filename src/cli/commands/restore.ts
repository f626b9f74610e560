import { UsageError } from '../../main/errors.js';
import { restoreCases } from '../../main/usecases/backup.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno restore BACKUP --db FILE [--json]

Restores a folder written by facepheno backup as the case database FILE and its photo folder (FILE's
name with .photos, beside it). Refuses when FILE or that folder exists: a restore never overwrites.
Every file is checked against the sha256 in BACKUP/manifest.json, and every photo the database names
must be in the backup, before anything is written under FILE's name. FILE is a file, not a postgres:// URL: move the restored
cases into a PostgreSQL database with facepheno migrate (a pg_dump of one is restored with pg_restore).

--json prints {db, photosDir, photos}.`;

export const command: Command = {
  summary: 'restore a backup into a new case database, checking every hash',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.db) throw new UsageError('--db FILE is required');
    const [backup, ...extra] = positionals;
    if (!backup || extra.length) throw new UsageError('name one backup folder');
    const r = restoreCases(backup, ctx.storeConfig(values.db));
    if (values.json) console.log(JSON.stringify({ db: r.db, photosDir: r.photosDir, photos: r.photos }));
    else
      console.log(
        printable`restored ${backup} (backed up ${r.manifest.createdAt} by FacePheno ${r.manifest.appVersion}) ` +
          printable`to ${r.db}: ${r.photos} photo file(s) in ${r.photosDir}`,
      );
    return 0;
  },
};
