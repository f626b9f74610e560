/**
 * Matcher fit benchmark on a synthetic long-tailed gallery: N faces over L labels whose patient counts
 * fall off as 1/rank (a few large syndromes, a long tail of one- and two-patient ones; the largest label
 * is controls), 1-3 photos a patient, unit vectors of D values around a direction per label. A fifth of
 * the patients of every label with at least 3 patients is held out (split by patient); the matcher is
 * fitted on the rest exactly as the first match of a gallery fits it, then scores the held-out photos.
 * Prints the fit time, peak memory (resident set, and the JavaScript heap) and the held-out log-loss,
 * ECE and top-1 beside the fit's own cross-validated log-loss.
 *   npm run bench:matcher [-- --faces N --labels L --dim D --seed S --scheme logistic|discriminant --json]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { calibrationOf, classifyGallery } from '../../src/main/match/gallery-classifier.js';
import { fitMatcher, reportedLabel, type GalleryRow } from '../../src/main/match/matcher.js';
import { ece, mergeClasses, topKPerImage, type Predictions } from '../../src/main/match/metrics.js';
import { seededRandom, shuffled } from '../../src/main/match/random.js';
import { l2Normalize } from '../../src/main/match/vectors.js';

interface Synthetic {
  train: GalleryRow[];
  test: GalleryRow[];
  patients: number;
  singletons: number;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomDirection(dim: number, rand: () => number): Float32Array {
  return l2Normalize(Float32Array.from({ length: dim }, () => gaussian(rand)));
}

/** `a`·u + `b`·v, unit length. */
function mix(u: Float32Array, a: number, v: Float32Array, b: number): Float32Array {
  return l2Normalize(Float32Array.from(u, (x, i) => a * x + b * (v[i] as number)));
}

/** The gallery: faces split over labels as 1/rank, patients of 1-3 photos, a fifth held out by patient. */
function syntheticGallery(faces: number, labels: number, dim: number, seed: number): Synthetic {
  const rand = seededRandom(seed);
  const weights = Array.from({ length: labels }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((s, w) => s + w, 0);
  const train: GalleryRow[] = [];
  const test: GalleryRow[] = [];
  let patients = 0;
  let singletons = 0;
  weights.forEach((w, l) => {
    const label = l === 0 ? 'controls' : `syndrome-${String(l).padStart(4, '0')}`;
    const centre = randomDirection(dim, rand);
    const group: GalleryRow[][] = [];
    for (let n = Math.max(1, Math.round((faces * w) / total)); n > 0;) {
      const photos = Math.min(n, 1 + Math.floor(rand() * 3));
      n -= photos;
      const patient = `${label}/P${group.length}`;
      // Patients of a label share its direction weakly; a patient's photos share theirs strongly.
      const own = mix(centre, 0.5, randomDirection(dim, rand), 0.85);
      group.push(
        Array.from({ length: photos }, () => ({
          patient,
          label,
          isControl: l === 0,
          source: l === 0 ? label : null,
          vector: mix(own, 1, randomDirection(dim, rand), 0.6),
        })),
      );
    }
    patients += group.length;
    if (group.length === 1) singletons++;
    const held = group.length >= 3 ? Math.max(1, Math.floor(group.length / 5)) : 0;
    shuffled(group, rand).forEach((rows, i) => (i < held ? test : train).push(...rows));
  });
  return { train, test, patients, singletons };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      faces: { type: 'string', default: '2000' },
      labels: { type: 'string', default: '100' },
      dim: { type: 'string', default: '1024' },
      seed: { type: 'string', default: '1' },
      scheme: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const faces = Number(values.faces);
  const labels = Number(values.labels);
  const dim = Number(values.dim);
  if (![faces, labels, dim].every((v) => Number.isInteger(v) && v > 0) || labels < 2)
    throw new Error('--faces, --labels (at least 2) and --dim take positive whole numbers');
  const scheme = values.scheme;
  if (scheme !== undefined && scheme !== 'logistic' && scheme !== 'discriminant')
    throw new Error(
      '--scheme is logistic or discriminant (default: chosen by the gallery size, as matching does)',
    );
  const g = syntheticGallery(faces, labels, dim, Number(values.seed));
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const started = performance.now();
  // The fit is synchronous: the sampler cannot run during it, so the resident peak is also read from
  // the kernel's own high-water mark below.
  const matcher = fitMatcher(g.train, { modelId: 'synthetic', galleryVersion: 'bench' }, scheme);
  const fitS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

  const clf = matcher.classifier;
  const x = new Float32Array(g.test.length * dim);
  g.test.forEach((r, i) => x.set(r.vector, i * dim));
  const fine: Predictions = {
    classes: clf.classes,
    probs: classifyGallery(clf, x, g.test.length),
    y: Int32Array.from(g.test, (r) => clf.classes.indexOf(r.isControl ? `unaffected:${r.label}` : r.label)),
    patient: g.test.map((r) => r.patient),
  };
  const p = mergeClasses(fine, reportedLabel);
  const rows = Int32Array.from(p.y, (_, i) => i);
  const k = p.classes.length;
  let logLoss = 0;
  for (let r = 0; r < p.y.length; r++)
    logLoss -= Math.log(Math.max(p.probs[r * k + (p.y[r] as number)] as number, 1e-300));
  const report = {
    gallery: {
      faces: g.train.length + g.test.length,
      labels,
      patients: g.patients,
      singletonLabels: g.singletons,
      dim,
      trainFaces: g.train.length,
      heldOutFaces: g.test.length,
    },
    fitSeconds: Number(fitS.toFixed(2)),
    peakRssMb: Math.round(peakRss / 2 ** 20),
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
    cvLogLoss: Number(clf.cvLogLoss.toFixed(4)),
    heldOut: {
      logLoss: Number((logLoss / p.y.length).toFixed(4)),
      ece: Number(ece(p, rows).toFixed(4)),
      top1: Number(topKPerImage(1)(p, rows).toFixed(4)),
    },
    scheme: 'scheme' in clf ? clf.scheme : 'logistic',
    penalty: calibrationOf(clf).lambda,
    folds: clf.folds,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else
    console.log(
      `${report.gallery.faces} faces / ${labels} labels (${g.patients} patients, ${g.singletons} labels of one patient, ${dim} values): ` +
        `fit ${report.fitSeconds} s, peak memory ${report.peakRssMb} MB resident (${report.peakHeapMb} MB heap); ` +
        `held-out (${g.test.length} photos) log-loss ${report.heldOut.logLoss}, ECE ${report.heldOut.ece}, top-1 ${report.heldOut.top1}; ` +
        `cross-validated log-loss ${report.cvLogLoss} (${report.scheme}, penalty ${report.penalty}, ${report.folds}-fold)`,
    );
}

main();
