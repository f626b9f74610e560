import { UsageError } from '../../main/errors.js';
import { comparePhotos } from '../../main/usecases/faces.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage: facepheno compare IMAGE_A IMAGE_B [--json]

Cosine similarity of the primary faces of two photos, for each face-embedding model (1: identical,
around 0: unrelated). Figures of different models are not comparable with each other.

Options:
  --json   print one JSON document: {images: [A, B], models: [{id, sha256, cosine}]}`;

export const command: Command = {
  summary: 'similarity of the faces in two photos, per embedding model',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('name exactly two photos');
    const [fileA, fileB] = positionals as [string, string];
    const { models } = await comparePhotos(fileA, fileB);
    if (values.json) console.log(JSON.stringify({ images: [fileA, fileB], models }, null, 2));
    else for (const m of models) console.log(printable`${m.id}: cosine similarity ${m.cosine.toFixed(4)}`);
    return 0;
  },
};
