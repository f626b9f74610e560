import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ort } from '../../src/main/models/onnxruntime.js';
import { afterAll, describe, expect, it } from 'vitest';
import { convertGraph } from '../../tools/models/convert.js';
import type { Layout } from '../../tools/models/convert.js';
import { loadTfGraph } from '../../tools/models/tfjs-graph.js';
import type { TfAttr, TfNode } from '../../tools/models/tfjs-graph.js';
import { loadTfjsModel, runTfjs } from './tfjs-reference.js';

/*
 * A small graph written in TensorFlow.js's own model.json format, with every op family the converter handles
 * and weights stored as float32, float16 and uint8-affine, is run by TensorFlow.js and by onnxruntime after
 * conversion, in both layouts.
 */

const b64 = (s: string) => Buffer.from(s).toString('base64');
const attr = {
  s: (v: string): TfAttr => ({ s: b64(v) }),
  ints: (v: number[]): TfAttr => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): TfAttr => ({ list: { s: v.map(b64) } }),
  b: (v: boolean): TfAttr => ({ b: v }),
  f32: { type: 'DT_FLOAT' } as TfAttr,
};
const conv = (strides: number, padding: string): Record<string, TfAttr> => ({
  T: attr.f32,
  strides: attr.ints([1, strides, strides, 1]),
  padding: attr.s(padding),
  data_format: attr.s('NHWC'),
  dilations: attr.ints([1, 1, 1, 1]),
});

type Storage = 'float32' | 'float16' | 'uint8' | 'int32';
interface TestWeight {
  shape: number[];
  values: number[];
  storage: Storage;
}

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}
const w = (shape: number[], seed: number, storage: Storage = 'float32'): TestWeight => ({
  shape,
  values: values(
    shape.reduce((a, b) => a * b, 1),
    seed,
  ),
  storage,
});
const ints = (v: number[], shape = [v.length]): TestWeight => ({ shape, values: v, storage: 'int32' });
const scalar = (v: number): TestWeight => ({ shape: [], values: [v], storage: 'float32' });

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  return sign | (exp << 10) | ((x >>> 13) & 0x3ff);
}

/** Writes model.json + one shard; returns the model.json path. */
function writeModel(dir: string, nodes: TfNode[], weights: Record<string, TestWeight>): string {
  const specs: object[] = [];
  const chunks: Buffer[] = [];
  for (const [name, t] of Object.entries(weights)) {
    if (t.storage === 'float16') {
      specs.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      chunks.push(Buffer.from(new Uint16Array(t.values.map(toHalf)).buffer));
    } else if (t.storage === 'uint8') {
      const min = Math.min(...t.values);
      const scale = (Math.max(...t.values) - min) / 255;
      specs.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min } });
      chunks.push(Buffer.from(new Uint8Array(t.values.map((v) => Math.round((v - min) / scale))).buffer));
    } else {
      specs.push({ name, shape: t.shape, dtype: t.storage });
      const arr = t.storage === 'int32' ? new Int32Array(t.values) : new Float32Array(t.values);
      chunks.push(Buffer.from(arr.buffer));
    }
  }
  const consts: TfNode[] = Object.keys(weights).map((name) => ({ name, op: 'Const', attr: {} }));
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology: { node: [...consts, ...nodes], versions: {} },
      weightsManifest: [{ paths: ['model.bin'], weights: specs }],
    }),
  );
  writeFileSync(join(dir, 'model.bin'), Buffer.concat(chunks));
  return join(dir, 'model.json');
}

const H = 7;
const nodes: TfNode[] = [
  {
    name: 'x',
    op: 'Placeholder',
    attr: { shape: { shape: { dim: [{ size: -1 }, { size: H }, { size: H }, { size: 2 }] } } },
  },
  // SAME with stride 2 on an odd size: TensorFlow pads more at the end.
  {
    name: 'c1',
    op: '_FusedConv2D',
    input: ['x', 'w1', 'b1'],
    attr: { ...conv(2, 'SAME'), fused_ops: attr.strs(['BiasAdd', 'Relu']), num_args: { i: 1 } },
  },
  { name: 'dw', op: 'DepthwiseConv2dNative', input: ['c1', 'w2'], attr: conv(2, 'SAME') },
  { name: 'pr', op: 'Prelu', input: ['dw', 'alpha'] },
  { name: 'mp', op: 'MaxPool', input: ['pr'], attr: { ...conv(2, 'SAME'), ksize: attr.ints([1, 2, 2, 1]) } },
  {
    name: 'c2',
    op: '_FusedConv2D',
    input: ['c1', 'w3', 'b3', 'alpha3'],
    attr: { ...conv(1, 'VALID'), fused_ops: attr.strs(['BiasAdd', 'Prelu']), num_args: { i: 2 } },
  },
  // ReLU6 as TensorFlow writes it, against scalars.
  { name: 'min6', op: 'Minimum', input: ['c2', 'six'] },
  { name: 'relu6', op: 'Maximum', input: ['min6', 'zero'] },
  // PReLU as MobileFaceNet writes it: relu(x) + alpha * (x - |x|).
  { name: 'abs', op: 'Abs', input: ['relu6'] },
  { name: 'sub', op: 'Sub', input: ['c2', 'abs'] },
  { name: 'mulc', op: 'Mul', input: ['sub', 'chan'] },
  { name: 'addc', op: 'AddV2', input: ['mulc', 'relu6'] },
  { name: 'padded', op: 'Pad', input: ['addc', 'paddings'] },
  { name: 'cat', op: 'ConcatV2', input: ['padded', 'padded', 'axis'], attr: { N: { i: 2 } } },
  { name: 'soft', op: 'Softmax', input: ['cat'] },
  { name: 'mean', op: 'Mean', input: ['soft', 'hw'], attr: { keep_dims: attr.b(false) } },
  { name: 'meank', op: 'Mean', input: ['addc', 'hw'], attr: { keep_dims: attr.b(true) } },
  { name: 'sq', op: 'Squeeze', input: ['meank'], attr: { squeeze_dims: attr.ints([1, 2]) } },
  {
    name: 'fc',
    op: '_FusedMatMul',
    input: ['sq', 'wfc', 'bfc'],
    attr: {
      fused_ops: attr.strs(['BiasAdd', 'Relu']),
      num_args: { i: 1 },
      transpose_a: attr.b(false),
      transpose_b: attr.b(false),
    },
  },
  { name: 'sq2', op: 'Square', input: ['fc'] },
  { name: 'sum', op: 'Sum', input: ['sq2', 'one'], attr: { keep_dims: attr.b(true) } },
  { name: 'maxe', op: 'Maximum', input: ['sum', 'eps'] },
  { name: 'rs', op: 'Rsqrt', input: ['maxe'] },
  { name: 'l2', op: 'Mul', input: ['fc', 'rs'] },
  { name: 'sig', op: 'Sigmoid', input: ['l2'] },
  { name: 'flat', op: 'Reshape', input: ['mp', 'shape'] },
  { name: 'out_flat', op: 'Identity', input: ['flat'] },
];
const weights: Record<string, TestWeight> = {
  w1: w([3, 3, 2, 4], 1, 'float16'),
  b1: w([4], 2),
  w2: w([3, 3, 4, 2], 3, 'uint8'),
  alpha: w([1, 1, 8], 4),
  w3: w([1, 1, 4, 6], 5),
  b3: w([6], 6),
  alpha3: w([6], 7),
  six: scalar(0.6),
  zero: scalar(0),
  chan: w([6], 8),
  paddings: ints([0, 0, 1, 0, 0, 2, 0, 0], [4, 2]),
  axis: ints([-1], []),
  hw: ints([1, 2]),
  wfc: w([6, 5], 9),
  bfc: w([5], 10),
  one: ints([1], []),
  eps: scalar(1e-10),
  shape: ints([1, -1]),
};
const outputs = ['mp', 'mean', 'sig', 'out_flat', 'cat'];

const dir = mkdtempSync(join(tmpdir(), 'facepheno-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modelJson = writeModel(dir, nodes, weights);

async function runOnnx(bytes: Uint8Array, input: Float32Array, layout: Layout) {
  const session = await ort.InferenceSession.create(bytes);
  const nchw = new Float32Array(input.length);
  for (let c = 0; c < 2; c++)
    for (let p = 0; p < H * H; p++) nchw[c * H * H + p] = input[p * 2 + c] as number;
  const feed =
    layout === 'nchw'
      ? new ort.Tensor('float32', nchw, [1, 2, H, H])
      : new ort.Tensor('float32', input, [1, H, H, 2]);
  const out = await session.run({ x: feed });
  await session.release();
  return out;
}

describe('converter', () => {
  for (const layout of ['nchw', 'nhwc'] as const) {
    it(`matches TensorFlow.js on every op family, quantised weights included (${layout})`, async () => {
      const graph = loadTfGraph(modelJson);
      const bytes = convertGraph(graph, {
        model: 'test',
        layout,
        outputs: outputs.map((n) => ({ node: n, name: `o_${n}` })),
        doc: '',
        producerVersion: 'test',
      });
      const input = Float32Array.from(values(H * H * 2, 99));
      const onnx = await runOnnx(bytes, input, layout);
      const tfModel = await loadTfjsModel(modelJson);
      const want = await runTfjs(tfModel, input, [1, H, H, 2], outputs);
      tfModel.dispose();
      outputs.forEach((n, i) => {
        const got = onnx[`o_${n}`]?.data as Float32Array;
        const ref = want[i] as Float32Array;
        expect(got.length, n).toBe(ref.length);
        const scale = Math.max(...ref.map(Math.abs), 1e-6);
        const err = Math.max(...ref.map((v, k) => Math.abs(v - (got[k] as number))));
        expect(err / scale, n).toBeLessThan(1e-5);
      });
    });
  }

  it('dequantises float16 and uint8-affine weights', () => {
    const graph = loadTfGraph(modelJson);
    const half = graph.weights.get('w1')?.data as Float32Array;
    const q = graph.weights.get('w2')?.data as Float32Array;
    const w1 = weights.w1?.values as number[];
    const w2 = weights.w2?.values as number[];
    w1.forEach((v, i) => expect(Math.abs((half[i] as number) - v)).toBeLessThan(1e-3));
    const step = (Math.max(...w2) - Math.min(...w2)) / 255;
    w2.forEach((v, i) => expect(Math.abs((q[i] as number) - v)).toBeLessThanOrEqual(step / 2 + 1e-6));
  });

  it('names the op and the node it cannot convert', () => {
    const graph = loadTfGraph(modelJson);
    graph.nodes.push({ name: 'odd/node', op: 'Erf', input: ['x'] });
    expect(() =>
      convertGraph(graph, { model: 'test', layout: 'nchw', outputs: [], doc: '', producerVersion: 'x' }),
    ).toThrow("test: the converter does not handle op 'Erf' (node 'odd/node')");
  });

  it('refuses a source file whose sha256 is not the pinned one', () => {
    expect(() => loadTfGraph(modelJson, { 'model.bin': '0'.repeat(64) })).toThrow(
      /model\.bin: sha256 [0-9a-f]{64}, expected 0{64}/,
    );
  });

  it('refuses weight shards shorter than the manifest says', () => {
    const short = mkdtempSync(join(dir, 'short-'));
    const file = writeModel(short, nodes, weights);
    writeFileSync(join(short, 'model.bin'), Buffer.alloc(10));
    expect(() => loadTfGraph(file)).toThrow(/truncated \.bin/);
  });
});
