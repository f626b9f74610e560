import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readSealedFile, writeSealedFile, type SealKey } from '../sealed-file.js';
import { UserError } from '../errors.js';
import type { FaceBox, FacePipeline } from '../face/pipeline.js';
import { modelView } from '../gallery/mask.js';
import type { GalleryPhoto } from '../gallery/photo.js';
import { borderFeatures } from '../face/border.js';
import type { FeatureOutcome } from '../match/evaluate-folder.js';

/** The cache file; entries keep the face box as earlier builds wrote them, so either reads the other's. */
interface CacheFile {
  models: string;
  entries: Record<string, { embeddings: Record<string, string>; box: FaceBox; border: string } | null>;
}

const b64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const f32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/**
 * Runs the face pipeline over the photos (two in flight) and measures the border of each face box.
 * Results are cached in `cacheFile` by photo content, mask and embedding models, so a second evaluation
 * of the same photos with the same models analyses nothing; the cache is rewritten atomically as it grows.
 */
export async function photoFeatures(
  pipeline: FacePipeline,
  photos: readonly GalleryPhoto[],
  opts: {
    cacheFile?: string;
    /** The key the cache is sealed with (see sealed-file.ts); none: written unsealed, still 0600. */
    cacheKey?: SealKey;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<FeatureOutcome<GalleryPhoto>[]> {
  // A set of models, whatever order the manifest lists them in.
  const modelSet = (list: string) => list.split(',').sort().join(',');
  const models = modelSet(pipeline.embeddingModels.map((m) => `${m.id}:${m.sha256}`).join(','));
  let cache: CacheFile = { models, entries: {} };
  if (opts.cacheFile && existsSync(opts.cacheFile)) {
    const read = JSON.parse(readSealedFile(opts.cacheFile, opts.cacheKey).toString('utf8')) as CacheFile;
    if (modelSet(read.models) === models) cache = { ...read, models };
  }
  const save = () => {
    if (!opts.cacheFile) return;
    // A temporary file of this process's own, created exclusively: two evaluations may share one cache.
    writeSealedFile(opts.cacheFile, Buffer.from(JSON.stringify(cache)), opts.cacheKey);
  };
  const out: FeatureOutcome<GalleryPhoto>[] = new Array(photos.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < photos.length; i = next++) {
      const photo = photos[i] as GalleryPhoto;
      let bytes: Buffer;
      try {
        bytes = readFileSync(photo.file);
      } catch (err) {
        throw new UserError(`cannot read: ${(err as Error).message}`, { file: photo.file, cause: err });
      }
      const key = createHash('sha256')
        .update(bytes)
        .update(`|mask:${photo.mask ?? 'none'}`)
        .digest('hex');
      if (!(key in cache.entries)) {
        let analysis;
        const view = await modelView(photo, bytes);
        try {
          analysis = await pipeline.analyze({ file: photo.file, bytes: view });
        } catch (err) {
          // A photo the pipeline refuses is reported with the others left out, not a reason to stop.
          if (!(err instanceof UserError)) throw err;
          out[i] = { photo, key, features: null, problem: err.message };
          continue;
        }
        const face = analysis.primary === null ? undefined : analysis.faces[analysis.primary];
        cache.entries[key] = face
          ? {
              embeddings: Object.fromEntries(Object.entries(face.embeddings).map(([id, v]) => [id, b64(v)])),
              box: face.box,
              border: b64(await borderFeatures(view, face.box, photo.file)),
            }
          : null;
        if (++done % 100 === 0) save();
      }
      const entry = cache.entries[key];
      out[i] = entry
        ? {
            photo,
            key,
            features: {
              embeddings: Object.fromEntries(Object.entries(entry.embeddings).map(([id, v]) => [id, f32(v)])),
              border: f32(entry.border),
            },
            problem: null,
          }
        : { photo, key, features: null, problem: 'no face found' };
      opts.onProgress?.(i + 1, photos.length);
    }
  };
  await Promise.all([worker(), worker()]);
  save();
  return out;
}
