/**
 * Detection rate: the share of photos in which a primary face is found, per folder.
 *
 *   npm run eval:detection -- DIR... [--json]
 */
import { parseArgs } from 'node:util';
import { analyzeAll, photosIn } from '../../src/main/face/batch.js';
import { openFacePipeline } from '../../src/main/face/pipeline.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error('usage: npm run eval:detection -- DIR... [--json]');
    return 2;
  }
  const pipeline = await openFacePipeline();
  const folders: { dir: string; photos: number; found: number; rate: number; missed: string[] }[] = [];
  try {
    for (const dir of positionals) {
      const outcomes = await analyzeAll(pipeline, photosIn(dir));
      const missed = outcomes
        .filter((o) => o.analysis?.primary == null)
        .map((o) => `${o.file}${o.error ? `: ${o.error}` : ''}`);
      const found = outcomes.length - missed.length;
      folders.push({ dir, photos: outcomes.length, found, rate: found / outcomes.length, missed });
    }
  } finally {
    await pipeline.close();
  }
  if (values.json) console.log(JSON.stringify({ folders }, null, 2));
  else
    for (const f of folders) {
      console.log(
        `${f.dir}: primary face in ${f.found} of ${f.photos} photos (${(100 * f.rate).toFixed(2)}%)`,
      );
      for (const m of f.missed) console.log(`  missed: ${m}`);
    }
  return 0;
}

process.exitCode = await main();
