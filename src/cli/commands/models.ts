import { checkModels } from '../../main/usecases/faces.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

export const command: Command = {
  summary: 'list the face models: sha256, source and the execution provider in use',
  usage: [
    'Usage: facepheno models [--json]',
    '',
    'Checks every model file against its sha256 in manifest.json, opens one onnxruntime session per model',
    'and lists them with the execution provider in use (and why a faster one was passed over).',
    'Models come from FACEPHENO_MODELS_DIR or <package>/resources/models (built by `npm run models`).',
    'FACEPHENO_PROVIDER=cpu (or cuda, dml, coreml) forces the execution provider.',
    '',
    '  --json   one JSON document: { modelsDir, provider, providerNotes, models: [manifest entries] }',
  ].join('\n'),
  async run(args) {
    const { json } = parseCommandArgs(args, { json: { type: 'boolean', default: false } }, false).values;
    const { modelsDir, provider, providerNotes, models } = await checkModels();
    if (json) {
      console.log(JSON.stringify({ modelsDir, provider, providerNotes, models }, null, 2));
      return 0;
    }
    console.log(printable`models in ${modelsDir}, execution provider: ${provider}`);
    for (const note of providerNotes) console.log(printable`  (${note})`);
    for (const m of models) {
      const { width, height, layout } = m.input;
      console.log(
        printable`${m.id.padEnd(14)} ${m.task.padEnd(15)} ${printable`${width}x${height} ${layout}`.padEnd(13)} sha256 ${m.sha256}`,
      );
      console.log(printable`${''.padEnd(14)} from ${m.source.package}@${m.source.version} ${m.source.file}`);
    }
    return 0;
  },
};
