import { performance } from 'node:perf_hooks';
import { UsageError } from '../../main/errors.js';
import { analyzeAll, expandPhotoArgs } from '../../main/face/batch.js';
import { type Stage, openFacePipeline } from '../../main/face/pipeline.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

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
    const files = expandPhotoArgs(positionals);
    const pipeline = await openFacePipeline();
    let seconds: number;
    const ms = {} as Record<Stage, number>;
    try {
      await analyzeAll(pipeline, files.slice(0, 1));
      const before = { ...pipeline.stageMs };
      const t0 = performance.now();
      await analyzeAll(pipeline, files);
      seconds = (performance.now() - t0) / 1000;
      for (const stage of Object.keys(before) as Stage[])
        ms[stage] = Number(((pipeline.stageMs[stage] - before[stage]) / files.length).toFixed(2));
    } finally {
      await pipeline.close();
    }
    const report = { photos: files.length, photos_per_s: Number((files.length / seconds).toFixed(2)), ms };
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(
        `${report.photos} photos, ${report.photos_per_s} photos/s end to end (provider ${pipeline.provider})`,
      );
      console.log(
        Object.entries(ms)
          .map(([s, t]) => `${s} ${t} ms`)
          .join(', ') + ' (mean per photo)',
      );
    }
    return 0;
  },
};
