import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One node of a TensorFlow.js graph model (the `modelTopology.node` entries of model.json). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface Weight {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  weights: Map<string, Weight>;
  /** sha256 of every file read (model.json and each weight shard), by path relative to the model folder. */
  files: { file: string; sha256: string }[];
}

/** The raw pieces of a graph model, as TensorFlow.js's own loader takes them (tf.io.fromMemory). */
export interface TfArtifacts {
  modelTopology: { node: TfNode[] };
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readJson(file: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (err) {
    throw new Error(`${file}: not a readable TensorFlow.js model.json (${(err as Error).message})`);
  }
  if (!Array.isArray(json.modelTopology?.node) || !Array.isArray(json.weightsManifest))
    throw new Error(`${file}: not a TensorFlow.js graph model (no modelTopology.node or weightsManifest)`);
  return json;
}

/** Reads model.json and its shards, checking the expected sha256 of each file when given. */
export function readArtifacts(
  modelJson: string,
  expected: Record<string, string> = {},
): { artifacts: TfArtifacts; files: { file: string; sha256: string }[] } {
  const dir = dirname(modelJson);
  const files: { file: string; sha256: string }[] = [];
  const check = (file: string, bytes: Uint8Array): void => {
    const digest = sha256(bytes);
    const want = expected[file];
    if (want !== undefined && want !== digest)
      throw new Error(`${join(dir, file)}: sha256 ${digest}, expected ${want} (wrong package version?)`);
    files.push({ file, sha256: digest });
  };
  const jsonBytes = readFileSync(modelJson);
  check(modelJson.slice(dir.length + 1), jsonBytes);
  const json = readJson(modelJson);
  const shards: Uint8Array[] = [];
  const weightSpecs: WeightSpec[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const bytes = readFileSync(join(dir, path));
      check(path, bytes);
      shards.push(bytes);
    }
    weightSpecs.push(...group.weights);
  }
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let at = 0;
  for (const s of shards) {
    weightData.set(s, at);
    at += s.byteLength;
  }
  return {
    artifacts: { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer },
    files,
  };
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const quantBytes: Record<string, number> = { float16: 2, uint8: 1, uint16: 2 };

/** Decodes one weight, dequantising float16 and uint8/uint16 affine (value = q * scale + min) storage. */
function decodeWeight(spec: WeightSpec, bytes: Uint8Array, where: string): Weight {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32')
    throw new Error(
      `${where}: weight '${spec.name}' has dtype ${spec.dtype}, which the converter does not handle`,
    );
  if (q === undefined) {
    const data = spec.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++)
      data[i] = spec.dtype === 'int32' ? view.getInt32(4 * i, true) : view.getFloat32(4 * i, true);
    return { dtype: spec.dtype, shape: spec.shape, data };
  }
  const out = new Float32Array(count);
  if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = float16ToFloat32(view.getUint16(2 * i, true));
  } else if ((q.dtype === 'uint8' || q.dtype === 'uint16') && q.scale !== undefined && q.min !== undefined) {
    for (let i = 0; i < count; i++) {
      const v = q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true);
      out[i] = v * q.scale + q.min;
    }
  } else {
    throw new Error(`${where}: weight '${spec.name}' uses quantisation ${JSON.stringify(q)}, not handled`);
  }
  if (spec.dtype === 'int32')
    return { dtype: 'int32', shape: spec.shape, data: Int32Array.from(out, Math.round) };
  return { dtype: 'float32', shape: spec.shape, data: out };
}

export function weightBytes(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization;
  if (q === undefined) return count * 4;
  const size = quantBytes[q.dtype];
  if (size === undefined) throw new Error(`weight '${spec.name}': unknown quantisation dtype ${q.dtype}`);
  return count * size;
}

/** Loads a graph model: its nodes and every weight decoded to float32 / int32. */
export function loadTfGraph(modelJson: string, expected: Record<string, string> = {}): TfGraph {
  const { artifacts, files } = readArtifacts(modelJson, expected);
  const bytes = new Uint8Array(artifacts.weightData);
  const weights = new Map<string, Weight>();
  let at = 0;
  for (const spec of artifacts.weightSpecs) {
    const size = weightBytes(spec);
    if (at + size > bytes.byteLength)
      throw new Error(`${modelJson}: weight shards end before weight '${spec.name}' (truncated .bin?)`);
    weights.set(spec.name, decodeWeight(spec, bytes.subarray(at, at + size), modelJson));
    at += size;
  }
  if (at !== bytes.byteLength)
    throw new Error(
      `${modelJson}: weight shards hold ${bytes.byteLength} bytes, the manifest describes ${at}`,
    );
  return { nodes: artifacts.modelTopology.node, weights, files };
}
