// Imports a gallery into a case store in this process, holding still inside the write transaction after
// `pauseAfter` photos are stored (0: never) so that the test can SIGKILL it there. Runs the compiled build.
import { writeFileSync } from 'node:fs';

const [dist, db, gallery, modelsDir, marker, pauseAfter] = process.argv.slice(2);
const { Store } = await import(`${dist}/src/main/store/store.js`);
const { openFacePipeline } = await import(`${dist}/src/main/face/pipeline.js`);
const { importGallery } = await import(`${dist}/src/main/usecases/gallery.js`);

const store = Store.open(db);
const pipeline = await openFacePipeline({ modelsDir, threads: 1 });
try {
  const report = await importGallery({ store, facePipeline: async () => pipeline }, gallery, {
    onProgress: (p) => {
      if (p.phase !== 'store' || p.done !== Number(pauseAfter)) return;
      writeFileSync(marker, String(p.done));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
    },
  });
  console.log(JSON.stringify({ photos: report.photos }));
} finally {
  await pipeline.close();
  store.close();
}
