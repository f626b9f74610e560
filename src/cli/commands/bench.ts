import { UsageError } from '../../main/errors.js';
import { benchPipeline } from '../../main/usecases/faces.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno bench DIR [--json]

Times the whole face pipeline on every photo in DIR (decode, detect, mesh, align and quality, embeddings
with flip averaging for every embedding model), after one warm-up photo that loads the models.
photos_per_s is end to end; ms gives the mean time per photo in each stage.

Options:
  --json   print one JSON document: {photos, photos_per_s, ms: {decode, detect, mesh, align, embed}}`;

export const command: Command = {
  summary: 'photos per second through the face pipeline, end to end and per stage',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('name exactly one folder');
    const { provider, ...report } = await benchPipeline(positionals[0] as string);
    const { ms } = report;
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(
        printable`${report.photos} photos, ${report.photos_per_s} photos/s end to end (provider ${provider})`,
      );
      console.log(
        Object.entries(ms)
          .map(([s, t]) => printable`${s} ${t} ms`)
          .join(', ') + ' (mean per photo)',
      );
    }
    return 0;
  },
};
