import { UsageError, UserError } from '../../main/errors.js';
import { type PhotoAnalysis, openFacePipeline } from '../../main/face/pipeline.js';
import { dot } from '../../main/match/vectors.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno compare IMAGE_A IMAGE_B [--json]

Cosine similarity of the primary faces of two photos, for each face-embedding model (1: identical,
around 0: unrelated). Figures of different models are not comparable with each other.

Options:
  --json   print one JSON document: {images: [A, B], models: [{id, sha256, cosine}]}`;

function primaryEmbeddings(a: PhotoAnalysis): Record<string, Float32Array> {
  const face = a.primary === null ? undefined : a.faces[a.primary];
  if (!face) throw new UserError('no face found in this photo', { file: a.file });
  return face.embeddings;
}

export const command: Command = {
  summary: 'similarity of the faces in two photos, per embedding model',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('name exactly two photos');
    const [fileA, fileB] = positionals as [string, string];
    const pipeline = await openFacePipeline();
    let a: Record<string, Float32Array>;
    let b: Record<string, Float32Array>;
    try {
      a = primaryEmbeddings(await pipeline.analyze({ file: fileA }));
      b = primaryEmbeddings(await pipeline.analyze({ file: fileB }));
    } finally {
      await pipeline.close();
    }
    const models = pipeline.embeddingModels.map((m) => {
      const va = a[m.id];
      const vb = b[m.id];
      if (!va || !vb) throw new Error(`no ${m.id} embedding`);
      return { id: m.id, sha256: m.sha256, cosine: Number(dot(va, vb).toFixed(4)) };
    });
    if (values.json) console.log(JSON.stringify({ images: [fileA, fileB], models }, null, 2));
    else for (const m of models) console.log(`${m.id}: cosine similarity ${m.cosine.toFixed(4)}`);
    return 0;
  },
};
