import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../../main/data-dir.js';
import { UsageError, UserError } from '../../main/errors.js';
import { startServer } from '../../main/server/http.js';
import { ServiceHost } from '../../main/service/host.js';
import { packageRoot } from '../../main/version.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno serve [--port N] [--data-dir DIR]

Runs FacePheno in a web browser on this computer only (127.0.0.1), for machines without the desktop app.
The first line printed is the address to open; it holds a random token that every request must carry.
Stop with Ctrl+C.

Options:
  --port N          port to listen on (default: a free one)
  --data-dir DIR    data directory (default: FACEPHENO_DATA_DIR, else the app's own)`;

export const command: Command = {
  summary: 'run the app in a local web browser (127.0.0.1, token-protected)',
  usage,
  async run(args) {
    const { values } = parseCommandArgs(
      args,
      { port: { type: 'string' }, 'data-dir': { type: 'string' } },
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
