import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveDataDir, storeFileIn } from '../../main/data-dir.js';
import { UsageError, UserError } from '../../main/errors.js';
import { startServer } from '../../main/server/http.js';
import { ServiceHost } from '../../main/service/host.js';
import { newUploadKey } from '../../main/service/uploads.js';
import { packageRoot } from '../../main/version.js';
import { parseCommandArgs } from '../args.js';
import { displayTarget, isDepartmentDatabase, type StoreConfig } from '../../main/usecases/workspace.js';
import type { Command, CommandContext } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno serve [--port N] [--data-dir DIR] [--db postgres://... --photos DIR]

Runs FacePheno in a web browser on this computer only (127.0.0.1), for machines without the desktop app.
The first line printed is the address to open: its random path opens the page, and its token, which the
page then keeps to itself, every call. No cookie is set (cookies reach every port of 127.0.0.1).
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
  async run(args, ctx) {
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
    const rendererDir = join(packageRoot(), 'out', 'renderer');
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new UserError(`the app's pages are not built (run npm run build:app)`, { file: rendererDir });
    }
    const { dir } = resolveDataDir({ option: values['data-dir'] });
    const { store, database } = chooseDatabase(dir, values.db, values.photos, ctx);
    // Drawn here, held in memory only: the server seals uploads under it, the Service unseals them.
    const uploadKey = newUploadKey();
    const service = await ServiceHost.start({
      dataDir: dir,
      host: 'browser',
      store,
      uploadKey: uploadKey.bytes,
    });
    let server;
    try {
      server = await startServer({ service, rendererDir, port, uploadDir: dir, uploadKey });
    } catch (err) {
      await service.close();
      throw new UserError(`cannot listen on 127.0.0.1:${port} (${(err as Error).message})`);
    }
    console.log(printable`FacePheno at ${server.url}`);
    console.log(printable`data directory: ${dir}`);
    if (database) console.log(printable`case database: ${database}`);

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
 * The store the server opens: --db (else FACEPHENO_DB; else the data directory's own file) with --photos
 * (else FACEPHENO_PHOTOS_DIR) for a postgres:// one. `database` is the database as messages may show it
 * (no password); undefined for the data directory's own file.
 */
function chooseDatabase(
  dataDir: string,
  db: string | undefined,
  photos: string | undefined,
  ctx: CommandContext,
): { store: StoreConfig; database: string | undefined } {
  const chosen = db ?? (process.env.FACEPHENO_DB || undefined);
  const store = ctx.storeConfig(
    chosen ?? storeFileIn(dataDir),
    photos === undefined ? undefined : resolve(photos),
  );
  if (chosen === undefined || !isDepartmentDatabase(chosen)) {
    if (photos !== undefined)
      throw new UsageError('--photos is the shared photo folder of a postgres:// database (--db URL)');
    return { store, database: chosen === undefined ? undefined : resolve(chosen) };
  }
  const shown = displayTarget(chosen);
  if (!store.photosDir)
    throw new UsageError(
      `--db ${shown} needs --photos DIR (or FACEPHENO_PHOTOS_DIR): the photo folder every workstation shares`,
    );
  return { store, database: shown };
}
