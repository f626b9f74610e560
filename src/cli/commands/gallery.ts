import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import { openFacePipeline } from '../../main/face/pipeline.js';
import { maskingAnalyzer } from '../../main/match/mask.js';
import { defaultModelsDir } from '../../main/models/inference.js';
import { defaultEmbeddingModel, readManifest } from '../../main/models/manifest.js';
import { addPack, exportPack, type PackSummary } from '../../main/store/gallery-pack.js';
import { defaultControlLabels } from '../../main/store/gallery-import.js';
import { Store } from '../../main/store/store.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno gallery import --db FILE DIR [--controls LABEL]... [--json]
       facepheno gallery export --db FILE --out PACK --centre NAME [--model ID] [--json]
       facepheno gallery add-pack --db FILE PACK [--json]

import: imports a gallery of confirmed cases into the case store FILE, all or nothing:
DIR/<label>/<photos>, one patient per photo unless DIR/<label>/metadata.csv has 'file,patient'
columns. --controls marks labels that are unaffected controls (repeatable; default:
${defaultControlLabels.join(', ')}); each control keeps its label as its source, and matching models
each source of controls as a class of its own, reported together as 'unaffected'. A 'mask' column in
metadata.csv (top-left, top-right, bottom-left, bottom-right) fills that corner of the photo before
the face pipeline sees it (e.g. a printed patient number); the stored photo is the original.
Prints the patients, controls, photos and faces imported, photos with no face, the embedding models
and the new gallery version.

export: writes the store's own gallery as a gallery pack PACK, to share without photos: the embedding
model's id and file hash, and per member a fresh random pseudonym, the label and its OMIM/ORPHA/MONDO
ids, sex, and each face's embedding with the photo's age band; the centre NAME; a content hash. Never a
photo, file name, the store's pseudonym, a date of birth or notes. --model: the embedding model
(default: the manifest's first).

add-pack: merges a pack into the store's gallery, all or nothing; refuses a pack of another embedding
model (id or model file), a corrupt or altered pack, and one already added. Its members join matching
(a match shows their centre; they have no photo here) and the gallery version changes.`;

function packLines(verb: string, s: PackSummary, version: string): string {
  return [
    `${verb} ${s.file}: centre ${s.centre}, ${s.members} members, ${s.faces} faces, model ${s.model.id} (${s.model.sha256.slice(0, 12)}...)`,
    `labels: ${s.labels.join(', ')}`,
    `content sha256: ${s.contentSha256}`,
    `gallery version: ${version}`,
  ].join('\n');
}

/** The embedding models this FacePheno has, from the manifest (no model is loaded). */
function manifestModels() {
  const dir = defaultModelsDir();
  const manifest = readManifest(dir);
  return {
    all: manifest.models.filter((m) => m.task === 'face-embedding'),
    first: () => defaultEmbeddingModel(manifest, dir),
  };
}

async function importFolder(db: string, dir: string, controls: string[], json: boolean): Promise<number> {
  const pipeline = await openFacePipeline();
  let report;
  let version;
  try {
    const store = Store.open(db);
    try {
      report = await store.importGallery(dir, maskingAnalyzer(pipeline, dir), {
        controlLabels: controls,
        onProgress: (p) => {
          if (!json && p.phase === 'analyze' && p.done % 250 === 0)
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
  if (json) console.log(JSON.stringify({ ...report, models, galleryVersion: version }, null, 2));
  else
    console.log(
      [
        `imported ${report.source} into ${resolve(db)}: ${report.patients} patients (${report.controls} controls), ${report.photos} photos, ${report.faces} faces`,
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
}

/** Runs one pack step on the open store and prints its summary with the gallery version after it. */
function withStore(db: string, json: boolean, verb: string, step: (store: Store) => PackSummary): number {
  const store = Store.open(db);
  try {
    const s = step(store);
    const galleryVersion = store.galleryVersion();
    console.log(
      json ? JSON.stringify({ ...s, galleryVersion }, null, 2) : packLines(verb, s, galleryVersion),
    );
  } finally {
    store.close();
  }
  return 0;
}

export const command: Command = {
  summary: 'import a gallery of confirmed cases and controls; export or add a gallery pack (no photos)',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      controls: { type: 'string', multiple: true },
      out: { type: 'string' },
      centre: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    const json = values.json ?? false;
    const only = (allowed: string[]) => {
      const extra = (['controls', 'out', 'centre', 'model'] as const).filter(
        (o) => values[o] !== undefined && !allowed.includes(o),
      );
      if (extra.length) throw new UsageError(`gallery ${sub}: --${extra[0]} does not apply`);
      if (!values.db) throw new UsageError('--db FILE is required');
      return values.db;
    };
    switch (sub) {
      case 'import': {
        const db = only(['controls']);
        if (rest.length !== 1) throw new UsageError('name one gallery folder: DIR/<label>/<photos>');
        return importFolder(db, rest[0] as string, values.controls ?? defaultControlLabels, json);
      }
      case 'export': {
        const db = only(['out', 'centre', 'model']);
        if (rest.length > 0) throw new UsageError('gallery export takes no folder: name the pack with --out');
        if (!values.out) throw new UsageError('--out PACK is required');
        if (!values.centre?.trim())
          throw new UsageError('--centre NAME is required: packs name their centre');
        const models = manifestModels();
        const model = values.model ? models.all.find((m) => m.id === values.model) : models.first();
        if (!model)
          throw new UsageError(
            `no embedding model '${values.model ?? ''}' (have: ${models.all.map((m) => m.id).join(', ')})`,
          );
        const out = values.out;
        const centre = values.centre;
        return withStore(db, json, 'exported', (store) => exportPack(store, out, { centre, model }));
      }
      case 'add-pack': {
        const db = only([]);
        if (rest.length !== 1) throw new UsageError('name one gallery pack');
        const models = manifestModels().all;
        return withStore(db, json, 'added', (store) => addPack(store, rest[0] as string, models));
      }
      default:
        throw new UsageError(
          sub ? `unknown subcommand '${sub}'` : 'say what to do: gallery import, export or add-pack',
        );
    }
  },
};
