// Case store benchmark: fills a fresh store with synthetic cases (default 10,000 patients, 50,000 photos)
// through the store's own API, then times what the case list and the case screen do.
// Usage: npm run build && npm run bench:store [-- --patients N --photos-per-patient N --keep DIR]
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { PhotoAnalysis } from '../../src/main/face/pipeline.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import type { AnalyzedPhoto } from '../../src/main/store/repos/photos.js';
import { Store } from '../../src/main/store/store.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    'photos-per-patient': { type: 'string', default: '5' },
    keep: { type: 'string' },
  },
});
const patients = Number(values.patients);
const perPatient = Number(values['photos-per-patient']);
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'facepheno-bench-store-'));
const file = join(dir, 'bench.db');

/** Deterministic pseudo-random numbers, so every run builds the same store. */
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const model = { id: 'synthetic-192', sha256: 'b'.repeat(64), dim: 192 };
const analyzer = { provider: 'cpu', embeddingModels: [model] };
const syndromes = Array.from({ length: 200 }, (_, i) => ({
  name: `Synthetic syndrome ${i}`,
  omim: `OMIM:${String(600000 + i)}`,
  genes: [`GENE${i}`],
}));
const terms = ['HP:0000316', 'HP:0000347', 'HP:0000508', 'HP:0000369', 'HP:0000271'];

/** One face as the pipeline stores it: box, 5 points, a 468-point mesh, quality and a unit embedding. */
function analysis(name: string): PhotoAnalysis {
  const v = Float32Array.from({ length: model.dim }, () => rand() - 0.5);
  const norm = Math.hypot(...v);
  return {
    file: name,
    width: 600,
    height: 800,
    primary: 0,
    aligned: null,
    faces: [
      {
        box: { x: 100 + rand() * 50, y: 150, width: 300, height: 360 },
        score: 0.9 + rand() * 0.1,
        points5: [
          [200, 300],
          [320, 300],
          [260, 360],
          [210, 420],
          [310, 420],
        ],
        mesh: Array.from({ length: 468 * 3 }, () => rand() * 600),
        quality: { interocularPx: 120, yaw: 2, pitch: -3, roll: 1, blur: 150, exposure: 0.5, flags: [] },
        embeddings: { [model.id]: v.map((x) => x / norm) },
      },
    ],
  };
}

// The same few photo files shared by every patient: rows are what is measured, not disk writes.
const photoBytes = Array.from({ length: perPatient }, (_, i) =>
  Buffer.from(`synthetic photo ${i} `.repeat(200)),
);
const photoShas = photoBytes.map((b) => sha256Hex(b));

function fill(store: Store): void {
  const ids = store.transaction(() => syndromes.map((s) => store.syndromes.ensure(s).id));
  const batch = 500;
  for (let start = 0; start < patients; start += batch) {
    store.transaction(() => {
      for (let i = start; i < Math.min(patients, start + batch); i++) {
        const pseudonym = `P-${String(i).padStart(6, '0')}`;
        const p = store.patients.create({
          pseudonym,
          sex: i % 2 ? 'female' : 'male',
          birthYear: 1990 + (i % 30),
          isControl: i % 10 === 0,
          notes: i % 7 === 0 ? 'seen in the dysmorphology clinic' : '',
          // Controls and diagnosed cases are the gallery's (as an import makes them); 3 in 10 the clinic's.
          kind: i % 10 < 7 ? 'reference' : 'clinic',
        });
        if (!p.isControl && i % 10 < 7)
          store.diagnoses.set(p, {
            syndromeId: ids[i % ids.length] as number,
            status: i % 3 ? 'confirmed' : 'suspected',
            gene: `GENE${i % ids.length}`,
          });
        for (const [k, termId] of terms.entries())
          if ((i + k) % 3 === 0) store.terms.set(p, { termId, excluded: k === 4 });
        const photos: AnalyzedPhoto[] = photoBytes.map((bytes, k) => ({
          file: `photo-${k}.jpg`,
          bytes,
          sha256: photoShas[k] as string,
          analysis: analysis(`photo-${k}.jpg`),
          ageYears: k,
        }));
        store.addPhotos(pseudonym, photos, analyzer);
      }
    });
  }
}

/** An hp.obo the size of the real HPO (about 19,000 terms, 2 synonyms each), for load and search. */
function syntheticObo(path: string, terms = 19_000): void {
  const id = (i: number) => `HP:${String(i).padStart(7, '0')}`;
  const stanzas = Array.from({ length: terms }, (_, i) => {
    const lines = [
      '[Term]',
      `id: ${id(i + 1)}`,
      `name: ${i === 0 ? 'All' : `Abnormality of structure ${i}`}`,
    ];
    if (i > 0)
      lines.push(`synonym: "Alias ${i} of a structure" EXACT []`, `synonym: "Lay term ${i}" RELATED []`);
    if (i > 0) lines.push(`is_a: ${id(Math.floor(i / 2) + 1)}`);
    return lines.join('\n');
  });
  writeFileSync(
    path,
    ['format-version: 1.2', 'data-version: hp/releases/synthetic', '', ...stanzas].join('\n\n'),
  );
}

/** Median and 95th percentile of `runs` timings of fn, in milliseconds. */
function time(runs: number, fn: (i: number) => unknown, warmup = 5): { median: number; p95: number } {
  for (let i = 0; i < warmup; i++) fn(i); // warm the statement and page caches
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN).toFixed(2));
  return { median: at(0.5), p95: at(0.95) };
}

const t0 = performance.now();
let store = Store.open(file);
if (store.patients.count() === 0) fill(store);
const built = performance.now() - t0;
store.close();
store = Store.open(file); // measured as the app sees it: a fresh open
const opened = performance.now() - t0 - built;

const stats = { patients: store.patients.count() };
const pick = (i: number) => `P-${String((i * 7919) % patients).padStart(6, '0')}`;
const results = {
  'list page, no filter (50 of all)': time(50, (i) =>
    store.patients.list({ limit: 50, offset: (i * 50) % patients }),
  ),
  "list page, filter 'syndrome 17' (syndrome name)": time(50, () =>
    store.patients.list({ filter: 'syndrome 17', limit: 50 }),
  ),
  "list page, filter 'GENE42' (gene)": time(50, () => store.patients.list({ filter: 'GENE42', limit: 50 })),
  "list page, filter 'P-0012' (id)": time(50, () => store.patients.list({ filter: 'P-0012', limit: 50 })),
  "list page, filter 'clinic' (notes), 3rd page": time(50, () =>
    store.patients.list({ filter: 'clinic', limit: 50, offset: 100 }),
  ),
  'list page, clinic cases newest first': time(50, (i) =>
    store.patients.list({ kind: 'clinic', limit: 50, offset: (i * 50) % (patients * 0.3) }),
  ),
  "list page, clinic cases, filter 'P-0012'": time(50, () =>
    store.patients.list({ kind: 'clinic', filter: 'P-0012', limit: 50 }),
  ),
  'open one case (patient, photos, faces, diagnoses, terms)': time(200, (i) => store.openCase(pick(i))),
  [`gallery embeddings of ${model.id}`]: time(5, () => store.galleryEmbeddings(model.id)),
};
const obo = join(dir, 'hp.obo');
syntheticObo(obo);
const hpoLoad = time(1, () => store.hpo.load(obo), 0);
const hpoResults = {
  [`HPO load, ${store.hpo.release()?.terms} terms (synthetic hp.obo)`]: hpoLoad,
  'HPO load again (replacing the loaded one)': time(1, () => store.hpo.load(obo), 0),
  "HPO search 'HP:0012345' (id)": time(50, () => store.hpo.search('HP:0012345')),
  "HPO search 'structure 1234' (name)": time(50, () => store.hpo.search('structure 1234')),
  "HPO search 'lay term 77' (synonym)": time(50, () => store.hpo.search('lay term 77')),
  "HPO search 'abnormality' (broad, first 20)": time(50, () => store.hpo.search('abnormality')),
};
const gallerySize = store.galleryEmbeddings(model.id).length;
store.close();

console.log(
  `case store: ${stats.patients} patients, ${stats.patients * perPatient} photos (${perPatient} per patient), ` +
    `${(statSync(file).size / 2 ** 20).toFixed(0)} MiB; built in ${(built / 1000).toFixed(1)} s, ` +
    `opened (with photo sweep) in ${opened.toFixed(0)} ms; gallery ${gallerySize} faces`,
);
for (const [what, r] of Object.entries({ ...results, ...hpoResults }))
  console.log(
    `  ${what.padEnd(62)} median ${String(r.median).padStart(7)} ms   p95 ${String(r.p95).padStart(7)} ms`,
  );
console.log('  targets: a list page with a text filter and counts < 20 ms; opening one case < 10 ms');
if (!values.keep) rmSync(dir, { recursive: true, force: true });
