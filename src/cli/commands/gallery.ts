import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import { openFacePipeline } from '../../main/face/pipeline.js';
import { maskingAnalyzer } from '../../main/match/mask.js';
import { defaultControlLabels } from '../../main/store/gallery-import.js';
import { Store } from '../../main/store/store.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno gallery import --db FILE DIR [--controls LABEL]... [--json]

Imports a gallery of confirmed cases into the case store FILE, all or nothing: DIR/<label>/<photos>,
one patient per photo unless DIR/<label>/metadata.csv has 'file,patient' columns. --controls marks
labels that are unaffected controls (repeatable; default: ${defaultControlLabels.join(', ')}).
A 'mask' column in metadata.csv (top-left, top-right, bottom-left, bottom-right) fills that corner of
the photo before the face pipeline sees it (e.g. a printed patient number); the stored photo is the
original.

Prints the patients, controls, photos and faces imported, photos with no face, the embedding models
and the new gallery version.`;

export const command: Command = {
  summary: 'import a gallery of confirmed cases and controls into the case store',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      controls: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    const [sub, dir, ...extra] = positionals;
    if (sub !== 'import')
      throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'say what to do: gallery import');
    if (!dir || extra.length > 0) throw new UsageError('name one gallery folder: DIR/<label>/<photos>');
    if (!values.db) throw new UsageError('--db FILE is required');
    const pipeline = await openFacePipeline();
    let report;
    let version;
    try {
      const store = Store.open(values.db);
      try {
        report = await store.importGallery(dir, maskingAnalyzer(pipeline, dir), {
          controlLabels: values.controls ?? defaultControlLabels,
          onProgress: (p) => {
            if (!values.json && p.phase === 'analyze' && p.done % 250 === 0)
              process.stderr.write(`analysing ${p.done}/${p.total}\n`);
          },
        });
        version = store.galleryVersion();
      } finally {
        store.close();
      }
    } finally {
      await pipeline.close();
    }
    const models = pipeline.embeddingModels.map((m) => ({ id: m.id, sha256: m.sha256, dim: m.dim }));
    if (values.json) console.log(JSON.stringify({ ...report, models, galleryVersion: version }, null, 2));
    else
      console.log(
        [
          `imported ${report.source} into ${resolve(values.db)}: ${report.patients} patients (${report.controls} controls), ${report.photos} photos, ${report.faces} faces`,
          `syndromes: ${report.syndromes.join(', ') || 'none'}`,
          `no face found in ${report.noFace.length} photo(s)${
            report.noFace.length
              ? `: ${report.noFace
                  .slice(0, 10)
                  .map((n) => n.where)
                  .join('; ')}${report.noFace.length > 10 ? '; ...' : ''}`
              : ''
          }`,
          `embedding models: ${models.map((m) => `${m.id} (${m.dim})`).join(', ')}`,
          `gallery version: ${version}`,
        ].join('\n'),
      );
    return 0;
  },
};
