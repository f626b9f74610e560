import { UsageError } from '../../main/errors.js';
import { backupCases } from '../../main/usecases/backup.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno backup --db FILE OUT [--json]

Backs up the case database FILE and its photos into the new folder OUT: the database by SQLite's
online backup (consistent while FacePheno is in use), the photo files its rows name, and
OUT/manifest.json with the sha256 of every file. OUT must not exist; it appears only when complete.
Restore it with facepheno restore OUT --db NEWFILE. A department's PostgreSQL database (a postgres://
URL) is backed up by its server, with pg_dump, and its shared photo folder copied.

--json prints the manifest.`;

export const command: Command = {
  summary: 'back up a case database and its photos, with a manifest of hashes',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.db) throw new UsageError('--db FILE is required');
    const [out, ...extra] = positionals;
    if (!out || extra.length) throw new UsageError('name one backup folder OUT');
    const m = await backupCases(ctx.storeConfig(values.db), out);
    if (values.json) console.log(JSON.stringify(m, null, 2));
    else
      console.log(
        printable`backed up ${values.db} to ${out}: database ${m.database.bytes} bytes, ${m.photos.length} photo file(s); ` +
          printable`manifest ${out}/manifest.json`,
      );
    return 0;
  },
};
