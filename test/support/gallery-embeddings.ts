import { readManifest } from '../../src/main/models/manifest.js';
import { Store, type GalleryEmbedding } from '../../src/main/store/store.js';
import { keyedSettings } from './command-key.js';

/** Each gallery face's embedding by label and patient, for every embedding model in the manifest. */
export function storedEmbeddings(db: string, modelsDir: string): Map<string, GalleryEmbedding> {
  const ids = readManifest(modelsDir)
    .models.filter((m) => m.task === 'face-embedding')
    .map((m) => m.id);
  // A database the command made is encrypted under the user's key file; one the Service made in a test is not.
  const store = Store.open(db, keyedSettings(db));
  try {
    return new Map(
      ids.flatMap((id) =>
        store.galleryEmbeddings(id).map((e) => [`${e.label}/${e.patient} ${id}`, e] as const),
      ),
    );
  } finally {
    store.close();
  }
}

/** The largest difference between the vectors stored under `key` in the two stores. */
export function maxDifference(
  key: string,
  a: Map<string, GalleryEmbedding>,
  b: Map<string, GalleryEmbedding>,
): number {
  const u = a.get(key)?.vector;
  const v = b.get(key)?.vector;
  if (!u || !v || u.length !== v.length) throw new Error(`${key}: not stored alike in both`);
  return u.reduce((m, x, i) => Math.max(m, Math.abs(x - (v[i] as number))), 0);
}
