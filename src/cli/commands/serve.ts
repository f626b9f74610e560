import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir } from '../../main/data-dir.js';
import { UsageError, UserError } from '../../main/errors.js';
import { isPostgresUrl, parsePostgresTarget } from '../../main/store/postgres/target.js';
import { startServer } from '../../main/server/http.js';
import { ServiceHost } from '../../main/service/host.js';
import { packageRoot } from '../../main/version.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno serve [--port N] [--data-dir DIR] [--db postgres://... --photos DIR]

Runs FacePheno in a web browser on this computer only (127.0.0.1), for machines without the desktop app.
The first line printed is the address to open; it holds a random token that every request must carry.
Stop with Ctrl+C.

Options:
  --port N          port to listen on (default: a free one)
  --data-dir DIR    data directory (default: FACEPHENO_DATA_DIR, else the app's own)
  --db URL          the case database: a department's postgres://user@host/db[?schema=name], shared by
                    its workstations, or a SQLite file (default: FACEPHENO_DB, else facepheno.db in the
                    data directory)
  --photos DIR      the photo folder every workstation of a postgres:// database shares
                    (default: FACEPHENO_PHOTOS_DIR)`;

export const command: Command = {
  summary: 'run the app in a local web browser (127.0.0.1, token-protected)',
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        db: { type: 'string' },
        photos: { type: 'string' },
      },
      false,
    );
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a whole number from 0 to 65535, not '${values.port}'`);
    }
    const database = chooseDatabase(values.db, values.photos);
    const rendererDir = join(packageRoot(), 'out', 'renderer');
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new UserError(`the app's pages are not built (run npm run build:app)`, { file: rendererDir });
    }
    const { dir } = resolveDataDir({ option: values['data-dir'] });
    const service = await ServiceHost.start({ dataDir: dir, host: 'browser' });
    let server;
    try {
      server = await startServer({ service, rendererDir, port });
    } catch (err) {
      await service.close();
      throw new UserError(`cannot listen on 127.0.0.1:${port} (${(err as Error).message})`);
    }
    console.log(`FacePheno at ${server.url}`);
    console.log(`data directory: ${dir}`);
    if (database) console.log(`case database: ${database}`);

    const running = server;
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running
          .close()
          .then(() => service.close())
          .finally(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

/**
 * Puts --db and --photos where the Service's worker thread (and the workers it starts) read them:
 * FACEPHENO_DB and FACEPHENO_PHOTOS_DIR. Returns the database as messages may show it (no password);
 * undefined for the data directory's own file.
 */
function chooseDatabase(db: string | undefined, photos: string | undefined): string | undefined {
  if (db !== undefined) process.env.FACEPHENO_DB = db;
  if (photos !== undefined) process.env.FACEPHENO_PHOTOS_DIR = resolve(photos);
  const chosen = process.env.FACEPHENO_DB || undefined;
  if (chosen === undefined || !isPostgresUrl(chosen)) {
    if (photos !== undefined)
      throw new UsageError('--photos is the shared photo folder of a postgres:// database (--db URL)');
    return chosen === undefined ? undefined : resolve(chosen);
  }
  const target = parsePostgresTarget(chosen);
  if (!process.env.FACEPHENO_PHOTOS_DIR)
    throw new UsageError(
      `--db ${target.display} needs --photos DIR (or FACEPHENO_PHOTOS_DIR): the photo folder every workstation shares`,
    );
  return target.display;
}
