import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import { encryptCases, userKeyFileFor } from '../../main/usecases/backup.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno encrypt --db FILE [--photos DIR] [--json]

Converts the unencrypted case database FILE and its photo folder (DIR; default FILE's name with .photos,
beside it) to encrypted ones, all or nothing: encrypted copies are written beside them, checked (every
table's rows, every photo against its sha256), then swapped in; on any failure nothing is changed. The
key is the one given (--key-file FILE, else FACEPHENO_DB_KEY), else a new random key kept in the user's
own config directory ($XDG_CONFIG_HOME or ~/.config, facepheno/keys/), where every command then finds it.
Close the app and any facepheno serve on FILE first.

--json prints {db, photosDir, tables, rows, photoFiles, keyFile}.`;

export const command: Command = {
  summary: 'encrypt an unencrypted case database and its photo folder, all or nothing',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      photos: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.db) throw new UsageError('--db FILE is required');
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (ctx.noEncryption) throw new UsageError('--no-encryption makes no sense here');
    const db = resolve(values.db);
    const r = encryptCases(db, {
      ...(values.photos !== undefined ? { photosDir: resolve(values.photos) } : {}),
      ...(ctx.givenKey !== undefined ? { key: ctx.givenKey } : {}),
      keyFile: userKeyFileFor(db, process.env),
    });
    if (values.json) console.log(JSON.stringify(r));
    else
      console.log(
        `encrypted ${r.db}: ${r.rows} row(s) in ${r.tables} table(s), ${r.photoFiles} photo file(s) sealed in ` +
          `${r.photosDir}; ${r.keyFile ? `its key is in ${r.keyFile}` : 'with the key given'}`,
      );
    return 0;
  },
};
