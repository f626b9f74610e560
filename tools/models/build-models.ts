import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ort } from '../../src/main/models/onnxruntime.js';
import { MANIFEST_FILE, manifestSchema } from '../../src/main/models/manifest.js';
import type { Manifest, ModelEntry } from '../../src/main/models/manifest.js';
import { appVersion } from '../../src/main/version.js';
import { catalogue, SOURCE_PACKAGE, SOURCE_VERSION } from './catalogue.js';
import type { CatalogueEntry } from './catalogue.js';
import { convertGraph } from './convert.js';
import type { Layout } from './convert.js';
import { loadTfGraph } from './tfjs-graph.js';
import type { TfGraph } from './tfjs-graph.js';

/** The folder holding the pinned package's model.json files. */
export function sourceModelsDir(): string {
  const pkgJson = createRequire(import.meta.url).resolve(`${SOURCE_PACKAGE}/package.json`);
  const version = (createRequire(import.meta.url)(pkgJson) as { version: string }).version;
  if (version !== SOURCE_VERSION)
    throw new Error(
      `${pkgJson}: ${SOURCE_PACKAGE} is ${version}; the models are pinned to ${SOURCE_VERSION}`,
    );
  return join(dirname(pkgJson), 'models');
}

export function sourceModelJson(entry: CatalogueEntry): string {
  return join(sourceModelsDir(), entry.source.file);
}

/** Converts one catalogue model to ONNX bytes (checking the source files' sha256). */
export function convertEntry(entry: CatalogueEntry, layout: Layout): { graph: TfGraph; bytes: Uint8Array } {
  const graph = loadTfGraph(sourceModelJson(entry), entry.source.sha256);
  const bytes = convertGraph(graph, {
    model: entry.id,
    layout,
    outputs: entry.outputs,
    doc: `${entry.id} converted from ${SOURCE_PACKAGE}@${SOURCE_VERSION} models/${entry.source.file}; ${entry.licence}`,
    producerVersion: appVersion,
  });
  return { graph, bytes };
}

/** Runs the model once on a zero image: proves onnxruntime loads it, and reads the output shapes. */
async function probe(
  bytes: Uint8Array,
  inputName: string,
  dims: number[],
): Promise<Map<string, readonly number[]>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const size = dims.reduce((a, b) => a * b, 1);
    const out = await session.run({ [inputName]: new ort.Tensor('float32', new Float32Array(size), dims) });
    return new Map(Object.entries(out).map(([k, t]) => [k, t.dims]));
  } finally {
    await session.release();
  }
}

async function manifestEntry(
  entry: CatalogueEntry,
  layout: Layout,
  graph: TfGraph,
  bytes: Uint8Array,
): Promise<ModelEntry> {
  const placeholder = graph.nodes.find((n) => n.op === 'Placeholder');
  const dims = (placeholder?.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
  const [, height, width] = dims as [number, number, number, number];
  const inputName = placeholder?.name ?? 'input';
  const shapes = await probe(
    bytes,
    inputName,
    layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3],
  );
  const jsonFile = graph.files.find((f) => f.file === entry.source.file);
  return {
    id: entry.id,
    task: entry.task,
    file: `${entry.id}.onnx`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.byteLength,
    input: {
      name: inputName,
      layout: layout === 'nchw' ? 'NCHW' : 'NHWC',
      height,
      width,
      colorOrder: 'RGB',
      scale: [entry.scale, entry.scale, entry.scale],
      offset: [entry.offset, entry.offset, entry.offset],
    },
    outputs: entry.outputs.map((o) => {
      const shape = shapes.get(o.name);
      if (!shape) throw new Error(`${entry.id}: onnxruntime gave no output '${o.name}'`);
      // The batch is dynamic: record it as null.
      return { name: o.name, shape: [null, ...shape.slice(1).map(Number)], meaning: o.meaning };
    }),
    ...(entry.embedding ? { embedding: entry.embedding } : {}),
    source: {
      package: SOURCE_PACKAGE,
      version: SOURCE_VERSION,
      file: `models/${entry.source.file}`,
      sha256: jsonFile?.sha256 ?? '',
    },
    licence: entry.licence,
  };
}

export function selectEntries(ids: string[] | 'all' | undefined): CatalogueEntry[] {
  if (ids === 'all') return catalogue;
  if (ids === undefined) return catalogue.filter((e) => !e.extra);
  const unknown = ids.filter((id) => !catalogue.some((e) => e.id === id));
  if (unknown.length > 0) throw new Error(`unknown model id(s): ${unknown.join(', ')}`);
  return catalogue.filter((e) => ids.includes(e.id));
}

export interface BuildOptions {
  outDir: string;
  layout: Layout;
  /** Only these model ids (default: the catalogue's default models; 'all' for every one). */
  ids?: string[] | 'all';
  log?: (line: string) => void;
}

/**
 * Builds <outDir>/<id>.onnx and manifest.json. Each file is written beside its place and renamed in, the
 * manifest last, so a failed build never leaves a manifest naming files it did not write.
 */
export async function buildModels(opts: BuildOptions): Promise<Manifest> {
  const entries = selectEntries(opts.ids);
  mkdirSync(opts.outDir, { recursive: true });
  const models: ModelEntry[] = [];
  const staged: [string, string][] = [];
  try {
    for (const entry of entries) {
      const started = Date.now();
      const { graph, bytes } = convertEntry(entry, opts.layout);
      const model = await manifestEntry(entry, opts.layout, graph, bytes);
      const tmp = join(opts.outDir, `.${model.file}.${process.pid}.tmp`);
      writeFileSync(tmp, bytes);
      staged.push([tmp, join(opts.outDir, model.file)]);
      models.push(model);
      opts.log?.(`${model.file}  ${(bytes.byteLength / 1e6).toFixed(1)} MB  ${Date.now() - started} ms`);
    }
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw err;
  }
  const manifest = manifestSchema.parse({
    format: 1,
    generatedBy: `facepheno ${appVersion} tools/models (layout ${opts.layout})`,
    models,
  });
  for (const [tmp, file] of staged) renameSync(tmp, file);
  const manifestTmp = join(opts.outDir, `.${MANIFEST_FILE}.${process.pid}.tmp`);
  writeFileSync(manifestTmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(manifestTmp, join(opts.outDir, MANIFEST_FILE));
  return manifest;
}
