import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ort } from '../../src/main/models/onnxruntime.js';
import sharp from 'sharp';
import type { io } from '@tensorflow/tfjs';
import { inputDims, toModelInput } from '../../src/main/models/preprocess.js';
import type { ModelEntry } from '../../src/main/models/manifest.js';
import { packageRoot } from '../../src/main/version.js';
import { convertEntry, selectEntries, sourceModelJson } from './build-models.js';
import type { CatalogueEntry } from './catalogue.js';
import type { Layout } from './convert.js';
import { readArtifacts } from './tfjs-graph.js';

/**
 * `npm run bench:models`: ms per image for each model on the CPU with 2 intra-op threads, for both converter
 * layouts, with TensorFlow.js (pure JS CPU backend, a dev dependency) on the same input beside it.
 */

const THREADS = 2;
type TfWeightSpecs = io.WeightsManifestEntry[];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Median ms of each function, run in turns (a, b, a, b, ...) so that a change in the machine's load
 * while it runs weighs on all of them alike.
 */
async function timeInTurns(runs: number, fs: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const f of fs) await f(); // warm-up: first-run allocations and kernel selection
  const times = fs.map((): number[] => []);
  for (let i = 0; i < runs; i++)
    for (const [k, f] of fs.entries()) {
      const t = performance.now();
      await f();
      times[k]?.push(performance.now() - t);
    }
  return times.map(median);
}

/** A real face photo when the shared evaluation set is there, else a synthetic gradient (the timing is the same). */
async function facePixels(width: number, height: number): Promise<{ pixels: Float32Array; what: string }> {
  const dir = process.env.FACEPHENO_FACEDATA ?? resolve(packageRoot(), '..', 'shared', 'facedata');
  const folder = join(dir, 'children_controls');
  const file = existsSync(folder) ? readdirSync(folder).find((f) => f.endsWith('.jpg')) : undefined;
  if (file) {
    const raw = await sharp(join(folder, file))
      .removeAlpha()
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { pixels: Float32Array.from(raw), what: `children_controls/${file}` };
  }
  const pixels = new Float32Array(width * height * 3).map((_, i) => (i * 7) % 256);
  return { pixels, what: 'a synthetic gradient (facedata not found)' };
}

function entryInput(
  entry: CatalogueEntry,
  layout: Layout,
  height: number,
  width: number,
): ModelEntry['input'] {
  return {
    name: '',
    layout: layout === 'nchw' ? 'NCHW' : 'NHWC',
    height,
    width,
    colorOrder: 'RGB',
    scale: [entry.scale, entry.scale, entry.scale],
    offset: [entry.offset, entry.offset, entry.offset],
  };
}

/** One converted model in an onnxruntime CPU session; `run` includes the manifest pre-processing. */
async function onnxRunner(entry: CatalogueEntry, layout: Layout, pixels: Float32Array) {
  const { graph, bytes } = convertEntry(entry, layout);
  const placeholder = graph.nodes.find((n) => n.op === 'Placeholder');
  const [, height, width] = (placeholder?.attr?.shape?.shape?.dim ?? []).map((d) =>
    Number(d.size),
  ) as number[];
  const input = entryInput(entry, layout, height as number, width as number);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const name = placeholder?.name ?? 'input';
  return {
    run: () =>
      session.run({ [name]: new ort.Tensor('float32', toModelInput(input, pixels, 1), inputDims(input, 1)) }),
    release: () => session.release(),
  };
}

async function tfjsMs(
  entry: CatalogueEntry,
  pixels: Float32Array,
  size: number[],
  runs: number,
): Promise<number> {
  // A dev dependency: loaded only here, never by the app.
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { artifacts } = readArtifacts(sourceModelJson(entry));
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs as TfWeightSpecs,
      weightData: artifacts.weightData,
    }),
  );
  const x = tf.tensor4d(
    pixels.map((v) => v * entry.scale + entry.offset),
    [1, size[0] as number, size[1] as number, 3],
  );
  try {
    const [ms] = await timeInTurns(runs, [
      async () => {
        const out = model.execute(
          x,
          entry.outputs.map((o) => o.node),
        );
        const list = Array.isArray(out) ? out : [out];
        await Promise.all(list.map((t) => t.data()));
        tf.dispose(list);
      },
    ]);
    return ms as number;
  } finally {
    x.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '20' },
      'tfjs-runs': { type: 'string', default: '3' },
      all: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const tfRuns = Number(values['tfjs-runs']);
  const entries = selectEntries(values.all ? 'all' : undefined);
  console.log('ms per image (median), 1 image a run, onnxruntime-node CPU execution provider');
  console.log(
    `${THREADS} intra-op threads, ${runs} runs (tfjs: pure JS CPU backend, ${tfRuns} runs), after one warm-up`,
  );
  let what = '';
  const rows: string[][] = [['model', 'input', 'onnx nchw', 'onnx nhwc', 'tfjs cpu', 'tfjs / onnx']];
  for (const entry of entries) {
    const graph = readArtifacts(sourceModelJson(entry)).artifacts.modelTopology.node;
    const dims = (graph.find((n) => n.op === 'Placeholder')?.attr?.shape?.shape?.dim ?? []).map((d) =>
      Number(d.size),
    );
    const [, h, w] = dims as [number, number, number];
    const face = await facePixels(w, h);
    what = face.what;
    const runners = [
      await onnxRunner(entry, 'nchw', face.pixels),
      await onnxRunner(entry, 'nhwc', face.pixels),
    ];
    const [nchw, nhwc] = (await timeInTurns(
      runs,
      runners.map((r) => r.run),
    )) as [number, number];
    await Promise.all(runners.map((r) => r.release()));
    const tfjs = await tfjsMs(entry, face.pixels, [h, w], tfRuns);
    rows.push([
      entry.id,
      `${w}x${h}`,
      nchw.toFixed(2),
      nhwc.toFixed(2),
      tfjs.toFixed(1),
      `${(tfjs / Math.min(nchw, nhwc)).toFixed(0)}x`,
    ]);
  }
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] as number)).join('  '));
  console.log(`input: ${what}`);
}

main().catch((err: unknown) => {
  console.error(`bench:models: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
