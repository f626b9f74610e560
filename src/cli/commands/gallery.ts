import { resolve } from 'node:path';
import { UsageError } from '../../main/errors.js';
import {
  addGalleryPack,
  defaultControlLabels,
  exportGalleryPack,
  importGallery,
  makePackKeys,
  type GalleryImportReport,
  type PackSummary,
} from '../../main/usecases/gallery.js';
import { withWorkspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno gallery import --db FILE DIR|CSV [--controls LABEL]... [--json]
       facepheno gallery keygen --out DIR [--json]
       facepheno gallery export --db FILE --out PACK --centre NAME
                                (--recipient KEY.pub --recipient-name NAME | --unencrypted) [--model ID] [--json]
       facepheno gallery add-pack --db FILE PACK [--key KEY] [--json]

A gallery pack is biometric data: it holds no photo, but its face embeddings re-identify its members (a
new photo of a member finds them). It is written encrypted to the receiving centre's public key, and
only that centre's private key opens it.

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

keygen: writes this centre's pack key pair into DIR: facepheno-pack.key (the private key, mode 0600,
never to leave the centre) and facepheno-pack.pub (the public key, to send to the centres that will
share packs with this one; its base64 form and SHA-256 fingerprint are printed, to compare by phone).
Refuses to overwrite either file.

export: writes the store's own gallery as a gallery pack PACK, to share without photos: the embedding
model's id and file hash, and per member a fresh random pseudonym, the label and its OMIM/ORPHA/MONDO
ids, sex, and each face's embedding with the photo's age band; the centre NAME; a content hash. Never a
photo, file name, the store's pseudonym, a date of birth or notes. --recipient: the receiving centre's
public key (a PEM file from gallery keygen, or its base64 on one line), --recipient-name its name: the
pack is encrypted to that key (X25519, HKDF-SHA256, AES-256-GCM) and names its recipient and the key's
SHA-256 in clear, authenticated with the rest. Without --recipient, export refuses unless --unencrypted
says to write the pack in clear (readable by anyone who gets the file). --model: the embedding model
(default: the manifest's first).

add-pack: merges a pack into the store's gallery, all or nothing; --key: this centre's private key
(facepheno-pack.key), which an encrypted pack needs. Refuses a pack encrypted to another key, a pack of
another embedding model (id or model file), a corrupt or altered pack (any byte changed), and one
already added; prints whom the pack was encrypted to. Its members join matching (a match shows their
centre; they have no photo here) and the gallery version changes.`;

function packLines(verb: string, s: PackSummary, version: string): string {
  return [
    printable`${verb} ${s.file}: centre ${s.centre}, ${s.members} members, ${s.faces} faces, model ${s.model.id} (${s.model.sha256.slice(0, 12)}...)`,
    s.encryptedTo
      ? printable`encrypted to: ${s.encryptedTo.name} (key sha256 ${s.encryptedTo.keySha256})`
      : 'encrypted to: nobody: the pack is in clear, and its embeddings re-identify its members',
    printable`labels: ${s.labels.join(', ')}`,
    printable`content sha256: ${s.contentSha256}`,
    printable`gallery version: ${version}`,
  ].join('\n');
}

function importLines(db: string, report: GalleryImportReport): string {
  const { noFace } = report;
  return [
    printable`imported ${report.source} into ${resolve(db)}: ${report.patients} patients (${report.controls} controls), ${report.photos} photos, ${report.faces} faces`,
    printable`syndromes: ${report.syndromes.join(', ') || 'none'}`,
    printable`no face found in ${noFace.length} photo(s)${
      noFace.length
        ? printable`: ${noFace
            .slice(0, 10)
            .map((n) => n.where)
            .join('; ')}${noFace.length > 10 ? '; ...' : ''}`
        : ''
    }`,
    printable`embedding models: ${report.models.map((m) => printable`${m.id} (${m.dim})`).join(', ')}`,
    printable`gallery version: ${report.galleryVersion}`,
  ].join('\n');
}

/** Prints a pack step's summary, with the gallery version after it. */
function printPack(json: boolean, verb: string, s: PackSummary & { galleryVersion: string }): number {
  console.log(json ? JSON.stringify(s, null, 2) : packLines(verb, s, s.galleryVersion));
  return 0;
}

export const command: Command = {
  summary:
    'import a gallery of confirmed cases and controls; export or add an encrypted gallery pack (no photos)',
  usage,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      controls: { type: 'string', multiple: true },
      out: { type: 'string' },
      centre: { type: 'string' },
      model: { type: 'string' },
      recipient: { type: 'string' },
      'recipient-name': { type: 'string' },
      unencrypted: { type: 'boolean' },
      key: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [sub, ...rest] = positionals;
    const json = values.json ?? false;
    const options = [
      'db',
      'controls',
      'out',
      'centre',
      'model',
      'recipient',
      'recipient-name',
      'unencrypted',
      'key',
    ] as const;
    const only = (allowed: string[]) => {
      const extra = options.filter((o) => values[o] !== undefined && o !== 'db' && !allowed.includes(o));
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
                process.stderr.write(printable`analysing ${p.done}/${p.total}\n`);
            },
          }),
        );
        console.log(json ? JSON.stringify(report, null, 2) : importLines(db, report));
        return 0;
      }
      case 'keygen': {
        const extra = options.filter((o) => values[o] !== undefined && o !== 'out');
        if (extra.length) throw new UsageError(`gallery keygen: --${extra[0]} does not apply`);
        if (rest.length > 0 || !values.out)
          throw new UsageError('name the folder for the keys with --out DIR');
        const keys = makePackKeys(values.out);
        console.log(
          json
            ? JSON.stringify(keys, null, 2)
            : [
                printable`private key: ${keys.privateKey} (keep it here, mode 0600: it opens every pack sent to this centre)`,
                printable`public key: ${keys.publicKey} (send it to the centres that will share packs with this one)`,
                printable`public key (base64): ${keys.publicKeyBase64}`,
                printable`key sha256: ${keys.keySha256} (compare it with the sender by another channel)`,
              ].join('\n'),
        );
        return 0;
      }
      case 'export': {
        const db = only(['out', 'centre', 'model', 'recipient', 'recipient-name', 'unencrypted']);
        if (rest.length > 0) throw new UsageError('gallery export takes no folder: name the pack with --out');
        if (!values.out) throw new UsageError('--out PACK is required');
        if (!values.centre?.trim())
          throw new UsageError('--centre NAME is required: packs name their centre');
        if (values.recipient !== undefined && values.unencrypted)
          throw new UsageError('--recipient and --unencrypted exclude each other');
        if (values.recipient === undefined && !values.unencrypted)
          throw new UsageError(
            'a pack is biometric data (its embeddings re-identify its members): encrypt it to the receiving ' +
              "centre's public key with --recipient KEY.pub --recipient-name NAME (they make it with " +
              'facepheno gallery keygen), or say --unencrypted to write it in clear',
          );
        if (values.recipient !== undefined && !values['recipient-name']?.trim())
          throw new UsageError(
            '--recipient-name NAME is required with --recipient: the pack names whom it is for',
          );
        const recipient =
          values.recipient === undefined
            ? ('none' as const)
            : { keyFile: values.recipient, name: values['recipient-name'] as string };
        const opts = { centre: values.centre, modelId: values.model, recipient };
        const out = values.out;
        const pack = await withWorkspace(ctx.storeConfig(db), (ws) => exportGalleryPack(ws, out, opts));
        if (!pack.encryptedTo)
          process.stderr.write(
            printable`facepheno gallery export: warning: ${pack.file} is not encrypted: anyone who gets it can ` +
              're-identify its members from their embeddings\n',
          );
        return printPack(json, 'exported', pack);
      }
      case 'add-pack': {
        const db = only(['key']);
        if (rest.length !== 1) throw new UsageError('name one gallery pack');
        const file = rest[0] as string;
        const opts = values.key === undefined ? {} : { keyFile: values.key };
        const pack = await withWorkspace(ctx.storeConfig(db), (ws) => addGalleryPack(ws, file, opts));
        return printPack(json, 'added', pack);
      }
      default:
        throw new UsageError(
          sub ? `unknown subcommand '${sub}'` : 'say what to do: gallery import, keygen, export or add-pack',
        );
    }
  },
};
