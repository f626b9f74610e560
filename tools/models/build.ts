import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../src/main/version.js';
import { buildModels } from './build-models.js';
import type { Layout } from './convert.js';

/** `npm run models [-- --out DIR] [--layout nchw|nhwc] [--only id,id | --all]`: builds resources/models. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      layout: { type: 'string', default: 'nchw' },
      only: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.layout !== 'nchw' && values.layout !== 'nhwc')
    throw new Error(`--layout: nchw or nhwc, not ${values.layout}`);
  const outDir = resolve(
    values.out ?? process.env.FACEPHENO_MODELS_DIR ?? resolve(packageRoot(), 'resources', 'models'),
  );
  const started = Date.now();
  const manifest = await buildModels({
    outDir,
    layout: values.layout as Layout,
    ids: values.all ? 'all' : values.only?.split(',').filter(Boolean),
    log: (line) => console.log(`models: ${line}`),
  });
  console.log(`models: ${manifest.models.length} models in ${outDir} (${Date.now() - started} ms)`);
}

main().catch((err: unknown) => {
  console.error(`models: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
