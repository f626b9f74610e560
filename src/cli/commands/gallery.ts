import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import {
  addGalleryPack,
  defaultControlLabels,
  exportGalleryPack,
  importGallery,
  type GalleryImportReport,
  type PackSummary,
} from '../../main/usecases/gallery.js';
import { withWorkspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno gallery import --db FILE DIR|CSV [--controls LABEL]... [--json]
       facepheno gallery export --db FILE --out PACK --centre NAME [--model ID] [--json]
       facepheno gallery add-pack --db FILE PACK [--json]

import: imports a gallery of confirmed cases into the case store FILE, all or nothing:
DIR/<label>/<photos>, one patient per photo unless DIR/<label>/metadata.csv has 'file,patient'
columns (and optional sex, age); or a gallery CSV with columns patient, photo, syndrome (optional sex,
age, gene, disease_id). --controls marks labels that are unaffected controls (repeatable; default:
${defaultControlLabels.join(', ')}); each control keeps its label as its source, and matching models
each source of controls as a class of its own, reported together as 'unaffected'. A 'mask' column in
metadata.csv or the CSV (top-left, top-right, bottom-left, bottom-right) fills that corner of the photo
before the face pipeline sees it (e.g. a printed patient number); the stored photo is the original.
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

function importLines(db: string, report: GalleryImportReport): string {
  const { noFace } = report;
  return [
    `imported ${report.source} into ${resolve(db)}: ${report.patients} patients (${report.controls} controls), ${report.photos} photos, ${report.faces} faces`,
    `syndromes: ${report.syndromes.join(', ') || 'none'}`,
    `no face found in ${noFace.length} photo(s)${
      noFace.length
        ? `: ${noFace
            .slice(0, 10)
            .map((n) => n.where)
            .join('; ')}${noFace.length > 10 ? '; ...' : ''}`
        : ''
    }`,
    `embedding models: ${report.models.map((m) => `${m.id} (${m.dim})`).join(', ')}`,
    `gallery version: ${report.galleryVersion}`,
  ].join('\n');
}

/** Prints a pack step's summary, with the gallery version after it. */
function printPack(json: boolean, verb: string, s: PackSummary & { galleryVersion: string }): number {
  console.log(json ? JSON.stringify(s, null, 2) : packLines(verb, s, s.galleryVersion));
  return 0;
}

export const command: Command = {
  summary: 'import a gallery of confirmed cases and controls; export or add a gallery pack (no photos)',
  usage,
  async run(args, ctx) {
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
        if (rest.length !== 1)
          throw new UsageError('name one gallery folder or CSV: DIR/<label>/<photos> or gallery.csv');
        const source = rest[0] as string;
        const report = await withWorkspace(ctx.storeConfig(db), (ws) =>
          importGallery(ws, source, {
            controlLabels: values.controls ?? defaultControlLabels,
            onProgress: (p) => {
              if (!json && p.phase === 'analyze' && p.done % 250 === 0)
                process.stderr.write(`analysing ${p.done}/${p.total}\n`);
            },
          }),
        );
        console.log(json ? JSON.stringify(report, null, 2) : importLines(db, report));
        return 0;
      }
      case 'export': {
        const db = only(['out', 'centre', 'model']);
        if (rest.length > 0) throw new UsageError('gallery export takes no folder: name the pack with --out');
        if (!values.out) throw new UsageError('--out PACK is required');
        if (!values.centre?.trim())
          throw new UsageError('--centre NAME is required: packs name their centre');
        const opts = { centre: values.centre, modelId: values.model };
        const out = values.out;
        const pack = await withWorkspace(ctx.storeConfig(db), (ws) => exportGalleryPack(ws, out, opts));
        return printPack(json, 'exported', pack);
      }
      case 'add-pack': {
        const db = only([]);
        if (rest.length !== 1) throw new UsageError('name one gallery pack');
        const file = rest[0] as string;
        const pack = await withWorkspace(ctx.storeConfig(db), (ws) => addGalleryPack(ws, file));
        return printPack(json, 'added', pack);
      }
      default:
        throw new UsageError(
          sub ? `unknown subcommand '${sub}'` : 'say what to do: gallery import, export or add-pack',
        );
    }
  },
};
