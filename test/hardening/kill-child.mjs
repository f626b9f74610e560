// Imports a gallery into a case store with the face pipeline's results for its photos replayed from a
// file the test wrote with the real pipeline, so that a run is the store's work alone and a SIGKILL at a
// random moment often lands inside the write transaction. Runs the compiled build.
import { readFileSync } from 'node:fs';

const [dist, db, gallery, analysesFile] = process.argv.slice(2);
const { Store } = await import(`${dist}/src/main/store/store.js`);
const { importGallery } = await import(`${dist}/src/main/usecases/gallery.js`);

const saved = JSON.parse(readFileSync(analysesFile, 'utf8'), (_key, v) => {
  if (v && typeof v === 'object' && typeof v.$f32 === 'string') {
    const b = Buffer.from(v.$f32, 'base64');
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  }
  if (v && typeof v === 'object' && typeof v.$buf === 'string') return Buffer.from(v.$buf, 'base64');
  return v;
});
const analyses = new Map(saved.photos.map((p) => [p.file, p]));
const analyzer = {
  embeddingModels: saved.embeddingModels,
  provider: saved.provider,
  analyze: async ({ file }) => {
    const a = analyses.get(file);
    if (!a) throw new Error(`no saved analysis for ${file}`);
    return a;
  },
};

const store = Store.open(db);
try {
  let started = false;
  const report = await importGallery({ store, facePipeline: async () => analyzer }, gallery, {
    // Tells the test that the import proper begins: its kill times are counted from here.
    onProgress: () => {
      if (!started) process.stdout.write('import started\n');
      started = true;
    },
  });
  process.stdout.write(`${JSON.stringify({ photos: report.photos })}\n`);
} finally {
  store.close();
}
