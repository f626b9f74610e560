import { OnnxGraph } from './onnx-graph.js';
import type { AttrValue } from './onnx-graph.js';
import type { TfAttr, TfGraph, TfNode, Weight } from './tfjs-graph.js';

/**
 * How the converted graph holds image tensors.
 * - 'nhwc': the ONNX input stays NHWC like the source; every Conv/Pool is wrapped in a Transpose pair and
 *   onnxruntime's transpose optimiser cancels the pairs between consecutive layers.
 * - 'nchw': the ONNX input is NCHW and image tensors stay NCHW through the graph; constants are transposed
 *   at conversion time and only layout-sensitive ops (Reshape, Softmax, ...) see NHWC again.
 */
export type Layout = 'nhwc' | 'nchw';

export interface ConvertOptions {
  /** Names the model in error messages. */
  model: string;
  layout: Layout;
  /** Graph outputs: the TensorFlow node and the name the ONNX output gets. */
  outputs: { node: string; name: string }[];
  doc: string;
  producerVersion: string;
}

/** A TensorFlow value as the ONNX graph holds it. */
interface Value {
  /** ONNX value name; empty for a constant not yet written as an initializer. */
  name: string;
  rank: number;
  /** A rank-4 image tensor held as NCHW (TensorFlow's own layout is NHWC). */
  nchw: boolean;
  weight?: Weight;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** Where each NHWC axis sits in NCHW. */
const NHWC_AXIS_IN_NCHW = [0, 2, 3, 1];

const BINARY: Record<string, string> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
  RealDiv: 'Div',
  Div: 'Div',
  Maximum: 'Max',
  Minimum: 'Min',
  Pow: 'Pow',
};
const UNARY: Record<string, string> = {
  Relu: 'Relu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Abs: 'Abs',
  Neg: 'Neg',
  Exp: 'Exp',
  Log: 'Log',
  Sqrt: 'Sqrt',
  Elu: 'Elu',
  Reciprocal: 'Reciprocal',
};
const REDUCE: Record<string, string> = {
  Mean: 'ReduceMean',
  Sum: 'ReduceSum',
  Max: 'ReduceMax',
  Min: 'ReduceMin',
  Prod: 'ReduceProd',
};
const CONV = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const POOL: Record<string, string> = { MaxPool: 'MaxPool', AvgPool: 'AveragePool' };
const OTHER = new Set([
  'Placeholder',
  'Const',
  'Identity',
  'Relu6',
  'LeakyRelu',
  'Prelu',
  'Rsqrt',
  'Square',
  'Softmax',
  'Pad',
  'PadV2',
  'Reshape',
  'Squeeze',
  'ConcatV2',
  'MatMul',
  '_FusedMatMul',
]);

export function knownOp(op: string): boolean {
  return op in BINARY || op in UNARY || op in REDUCE || op in POOL || CONV.has(op) || OTHER.has(op);
}

/** `name:0` and `name` are the same value; `^name` is a control dependency and carries none. */
function valueName(input: string): string {
  return input.replace(/:0$/, '');
}

function ints(attr: TfAttr | undefined): number[] {
  return (attr?.list?.i ?? []).map(Number);
}

function str(attr: TfAttr | undefined): string | undefined {
  return attr?.s === undefined ? undefined : Buffer.from(attr.s, 'base64').toString('utf8');
}

function strs(attr: TfAttr | undefined): string[] {
  return (attr?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

/** Transposes a constant; a rank below 4 is first padded with leading 1s (NumPy broadcasting). */
function transposeWeight(w: Weight, perm: number[]): Weight {
  const shape = [...Array<number>(perm.length - w.shape.length).fill(1), ...w.shape];
  const outShape = perm.map((p) => shape[p] as number);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const data = w.dtype === 'int32' ? new Int32Array(w.data.length) : new Float32Array(w.data.length);
  const index = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++)
      src += (index[k] as number) * (strides[perm[k] as number] as number);
    data[o] = w.data[src] as number;
    for (let k = perm.length - 1; k >= 0; k--) {
      index[k] = (index[k] as number) + 1;
      if ((index[k] as number) < (outShape[k] as number)) break;
      index[k] = 0;
    }
  }
  return { dtype: w.dtype, shape: outShape, data };
}

/** TensorFlow HWIO conv filter -> ONNX OIHW. */
function convFilter(w: Weight): Weight {
  return transposeWeight(w, [3, 2, 0, 1]);
}

/** TensorFlow depthwise filter [h, w, in, multiplier] -> ONNX grouped [in * multiplier, 1, h, w]. */
function depthwiseFilter(w: Weight): Weight {
  const [h, wd, c, m] = w.shape as [number, number, number, number];
  const t = transposeWeight(w, [2, 3, 0, 1]);
  return { dtype: t.dtype, shape: [c * m, 1, h, wd], data: t.data };
}

class Converter {
  private readonly g = new OnnxGraph();
  private readonly values = new Map<string, Value>();
  private readonly transposed = new Map<string, string>();
  private readonly byName: Map<string, TfNode>;

  constructor(
    private readonly graph: TfGraph,
    private readonly opts: ConvertOptions,
  ) {
    this.byName = new Map(graph.nodes.map((n) => [n.name, n]));
    const unknown = new Map<string, string>();
    for (const n of graph.nodes) if (!knownOp(n.op) && !unknown.has(n.op)) unknown.set(n.op, n.name);
    if (unknown.size > 0)
      throw new Error(
        `${opts.model}: the converter does not handle ` +
          [...unknown].map(([op, node]) => `op '${op}' (node '${node}')`).join(', '),
      );
  }

  convert(): Uint8Array {
    for (const out of this.opts.outputs) this.g.reserve(out.name);
    for (const out of this.opts.outputs) {
      const v = this.value(out.node, []);
      this.g.node('Identity', [this.nhwc(v, out.node)], {}, out.name);
      this.g.output(out.name);
    }
    return this.g.encode({
      name: this.opts.model,
      doc: this.opts.doc,
      producerVersion: this.opts.producerVersion,
    });
  }

  private fail(node: TfNode, why: string): never {
    throw new Error(`${this.opts.model}: node '${node.name}' (${node.op}): ${why}`);
  }

  /** Converts the node producing `name` (and, first, everything it depends on). */
  private value(name: string, path: string[]): Value {
    const known = this.values.get(name);
    if (known) return known;
    const node = this.byName.get(name);
    if (!node)
      throw new Error(`${this.opts.model}: no node named '${name}' (wanted by ${path.at(-1) ?? 'output'})`);
    if (path.includes(name)) this.fail(node, 'the graph has a cycle');
    const inputs = (node.input ?? [])
      .filter((i) => !i.startsWith('^'))
      .map((i) => this.value(valueName(i), [...path, name]));
    const v = this.translate(node, inputs);
    this.values.set(name, v);
    return v;
  }

  // ---- layout helpers -------------------------------------------------------------------------------

  private constName(v: Value, base: string): string {
    if (v.name !== '' || !v.weight) return v.name;
    const w = v.weight;
    v.name =
      w.dtype === 'int32'
        ? this.g.int64s(base, Array.from(w.data))
        : this.g.floats(base, w.shape, w.data as Float32Array);
    return v.name;
  }

  /** The value in TensorFlow's own layout. */
  private nhwc(v: Value, base: string): string {
    if (!v.nchw) return this.constName(v, base);
    return this.cachedTranspose(v.name, TO_NHWC, 'nhwc');
  }

  /** A rank-4 value as NCHW; constants are transposed here, at conversion time. */
  private nchw(v: Value, base: string): string {
    if (v.nchw) return v.name;
    if (v.weight) {
      const key = `${base}#nchw`;
      const cached = this.transposed.get(key);
      if (cached) return cached;
      const t = transposeWeight(v.weight, TO_NCHW);
      const name = this.g.floats(`${base}/nchw`, t.shape, t.data as Float32Array);
      this.transposed.set(key, name);
      return name;
    }
    return this.cachedTranspose(this.constName(v, base), TO_NCHW, 'nchw');
  }

  private cachedTranspose(name: string, perm: number[], tag: string): string {
    const key = `${name}#${tag}`;
    const cached = this.transposed.get(key);
    if (cached) return cached;
    const out = this.g.node('Transpose', [name], { perm }, this.g.fresh(`${name}/${tag}`));
    this.transposed.set(key, out);
    return out;
  }

  /** A freshly computed NCHW image tensor; in 'nhwc' layout it goes straight back to NHWC. */
  private image(nchwName: string): Value {
    if (this.opts.layout === 'nchw') return { name: nchwName, rank: 4, nchw: true };
    const back = this.g.node('Transpose', [nchwName], { perm: TO_NHWC });
    return { name: back, rank: 4, nchw: false };
  }

  private constOf(v: Value | undefined, node: TfNode, what: string): Weight {
    if (!v?.weight) this.fail(node, `${what} must be a constant`);
    return v.weight;
  }

  /**
   * Plans a reduction or squeeze given in NHWC axes: on the NCHW tensor itself when the result comes out
   * the same, else on an NHWC copy.
   */
  private axesPlan(
    v: Value,
    axes: number[],
    keep: boolean,
    base: string,
  ): { input: string; axes: number[]; nchw: boolean } {
    const norm = axes.map((a) => (a < 0 ? a + v.rank : a));
    if (v.nchw) {
      const mapped = norm.map((a) => NHWC_AXIS_IN_NCHW[a] as number);
      if (keep) return { input: v.name, axes: mapped, nchw: true };
      // Dropping axes from NCHW gives the NHWC result only if the kept axes keep their order.
      const kept = [0, 1, 2, 3].filter((a) => !norm.includes(a)).map((a) => NHWC_AXIS_IN_NCHW[a] as number);
      if (kept.every((p, i) => i === 0 || p > (kept[i - 1] as number)))
        return { input: v.name, axes: mapped, nchw: false };
    }
    return { input: this.nhwc(v, base), axes: norm, nchw: false };
  }

  // ---- op translation ------------------------------------------------------------------------------

  private translate(node: TfNode, inputs: Value[]): Value {
    const op = node.op;
    const a = node.attr ?? {};
    const [x, y] = inputs;
    const out = (base: string): string => this.g.fresh(base);
    switch (op) {
      case 'Placeholder': {
        const dims = (a.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4) this.fail(node, `input of rank ${dims.length}; image inputs are NHWC`);
        // The batch is dynamic whatever batch the source was traced at.
        const [, h, w, c] = dims as [number, number, number, number];
        const nchwInput = this.opts.layout === 'nchw';
        this.g.input(node.name, nchwInput ? ['N', c, h, w] : ['N', h, w, c]);
        return { name: node.name, rank: 4, nchw: nchwInput };
      }
      case 'Const': {
        const w = this.graph.weights.get(node.name);
        if (!w) this.fail(node, 'no weight of that name in the weights manifest');
        return { name: '', rank: w.shape.length, nchw: false, weight: w };
      }
      case 'Identity':
        if (!x) this.fail(node, 'no input');
        return x;
    }
    if (!x) this.fail(node, 'no input');
    if (CONV.has(op)) return this.conv(node, inputs);
    if (op in POOL) return this.pool(node, x);
    if (op in BINARY) {
      if (!y) this.fail(node, 'needs two inputs');
      return this.binary(BINARY[op] as string, x, y, node.name);
    }
    if (op in UNARY) return this.unary(UNARY[op] as string, x, node.name);
    if (op in REDUCE) return this.reduce(node, REDUCE[op] as string, x, y);
    switch (op) {
      case 'Relu6':
        return this.activation('Relu6', x, node);
      case 'LeakyRelu':
        return this.activation('LeakyRelu', x, node);
      case 'Prelu':
        if (!y) this.fail(node, 'needs an alpha input');
        return this.prelu(x, y, node.name);
      case 'Rsqrt': {
        const s = this.unary('Sqrt', x, `${node.name}/sqrt`);
        return this.unary('Reciprocal', s, node.name);
      }
      case 'Square':
        return this.binary('Mul', x, x, node.name);
      case 'Softmax': {
        // TensorFlow's softmax runs over the last axis: channels, in NHWC.
        const name = this.g.node('Softmax', [this.nhwc(x, node.name)], { axis: -1 }, out(node.name));
        return { name, rank: x.rank, nchw: false };
      }
      case 'Pad':
      case 'PadV2':
        return this.pad(node, x, inputs);
      case 'Reshape': {
        const shape = Array.from(this.constOf(y, node, 'the target shape').data);
        // Graphs traced at batch 1 bake that 1 in; 0 copies the real batch instead.
        if (shape[0] === 1) shape[0] = 0;
        const name = this.g.node(
          'Reshape',
          [this.nhwc(x, node.name), this.g.int64s(`${node.name}/shape`, shape)],
          {},
          out(node.name),
        );
        return { name, rank: shape.length, nchw: false };
      }
      case 'Squeeze': {
        const axes = ints(a.squeeze_dims ?? a.axis);
        if (axes.length === 0)
          this.fail(node, 'Squeeze without explicit axes needs shapes the converter does not infer');
        const plan = this.axesPlan(x, axes, false, node.name);
        const name = this.g.node(
          'Squeeze',
          [plan.input, this.g.int64s(`${node.name}/axes`, plan.axes)],
          {},
          out(node.name),
        );
        return { name, rank: x.rank - axes.length, nchw: false };
      }
      case 'ConcatV2':
        return this.concat(node, inputs);
      case 'MatMul':
      case '_FusedMatMul':
        return this.matmul(node, inputs);
    }
    return this.fail(node, 'op not handled');
  }

  private binary(onnxOp: string, x: Value, y: Value, tfName: string): Value {
    const rank = Math.max(x.rank, y.rank);
    const anyNchw = x.nchw || y.nchw;
    // A non-constant operand of lower rank broadcasts against NHWC axes: fall back to NHWC for both.
    const canNchw = [x, y].every((v) => v.nchw || v.weight !== undefined || v.rank === 4);
    const useNchw = anyNchw && canNchw && rank === 4;
    const side = (v: Value, tag: string): string => {
      if (!useNchw) return this.nhwc(v, `${tfName}/${tag}`);
      if (v.weight && v.weight.shape.reduce((p, q) => p * q, 1) === 1)
        return this.constName(v, `${tfName}/${tag}`);
      return this.nchw(v, `${tfName}/${tag}`);
    };
    const name = this.g.node(onnxOp, [side(x, 'a'), side(y, 'b')], {}, this.g.fresh(tfName));
    return { name, rank, nchw: useNchw };
  }

  private unary(onnxOp: string, x: Value, tfName: string): Value {
    const name = this.g.node(onnxOp, [this.constName(x, `${tfName}/in`)], {}, this.g.fresh(tfName));
    return { name, rank: x.rank, nchw: x.nchw };
  }

  private prelu(x: Value, alpha: Value, tfName: string): Value {
    const slope = x.nchw ? this.nchw(alpha, `${tfName}/alpha`) : this.constName(alpha, `${tfName}/alpha`);
    const name = this.g.node('PRelu', [x.name, slope], {}, this.g.fresh(tfName));
    return { name, rank: x.rank, nchw: x.nchw };
  }

  private activation(kind: string, x: Value, node: TfNode, alpha?: Value): Value {
    switch (kind) {
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
        return this.unary(kind, x, node.name);
      case 'Relu6': {
        const lo = this.g.floats(`${node.name}/min`, [], new Float32Array([0]));
        const hi = this.g.floats(`${node.name}/max`, [], new Float32Array([6]));
        const name = this.g.node('Clip', [x.name, lo, hi], {}, this.g.fresh(node.name));
        return { name, rank: x.rank, nchw: x.nchw };
      }
      case 'LeakyRelu': {
        const f = node.attr?.leakyrelu_alpha?.f ?? node.attr?.alpha?.f ?? 0.2;
        const name = this.g.node('LeakyRelu', [x.name], { alpha: { float: f } }, this.g.fresh(node.name));
        return { name, rank: x.rank, nchw: x.nchw };
      }
      case 'Prelu':
        if (!alpha) this.fail(node, 'fused Prelu without its alpha input');
        return this.prelu(x, alpha, node.name);
    }
    return this.fail(node, `fused activation '${kind}' not handled`);
  }

  /** Spatial attributes shared by Conv and Pool: strides, dilations, padding (TF 'SAME' pads more at the end). */
  private spatial(node: TfNode): Record<string, AttrValue> {
    const a = node.attr ?? {};
    const format = str(a.data_format) ?? 'NHWC';
    if (format !== 'NHWC') this.fail(node, `data_format ${format}; only NHWC graphs are handled`);
    const strides = ints(a.strides);
    const attrs: Record<string, AttrValue> = { strides: strides.length === 4 ? strides.slice(1, 3) : [1, 1] };
    const dil = ints(a.dilations);
    if (dil.length === 4 && (dil[1] !== 1 || dil[2] !== 1)) attrs.dilations = dil.slice(1, 3);
    const padding = str(a.padding);
    if (padding === 'SAME') attrs.auto_pad = 'SAME_UPPER';
    else if (padding === 'VALID') attrs.auto_pad = 'VALID';
    else if (padding === 'EXPLICIT') {
      const p = ints(a.explicit_paddings); // [n0, n1, top, bottom, left, right, c0, c1]
      attrs.pads = [p[2] ?? 0, p[4] ?? 0, p[3] ?? 0, p[5] ?? 0];
    } else this.fail(node, `padding '${padding}' not handled`);
    return attrs;
  }

  private conv(node: TfNode, inputs: Value[]): Value {
    const [x, f, ...args] = inputs as [Value, Value | undefined, ...Value[]];
    const filter = this.constOf(f, node, 'the filter');
    const depthwise = node.op.includes('Depthwise');
    const fused = strs(node.attr?.fused_ops);
    const attrs = this.spatial(node);
    const w = depthwise ? depthwiseFilter(filter) : convFilter(filter);
    if (depthwise) attrs.group = filter.shape[2] as number;
    const convInputs = [
      this.nchw(x, `${node.name}/x`),
      this.g.floats(`${node.name}/filter`, w.shape, w.data as Float32Array),
    ];
    let rest = fused;
    if (rest[0] === 'BiasAdd') {
      const bias = this.constOf(args[0], node, 'the fused bias');
      convInputs.push(this.g.floats(`${node.name}/bias`, bias.shape, bias.data as Float32Array));
      rest = rest.slice(1);
    }
    const y = this.image(this.g.node('Conv', convInputs, attrs, this.g.fresh(`${node.name}/conv`)));
    return this.fusedActivation(node, y, rest, args[1]);
  }

  private fusedActivation(node: TfNode, y: Value, rest: string[], alpha: Value | undefined): Value {
    if (rest.length === 0) return y;
    if (rest.length > 1) this.fail(node, `fused ops ${rest.join('+')} not handled`);
    return this.activation(rest[0] as string, y, node, alpha);
  }

  private pool(node: TfNode, x: Value): Value {
    const k = ints(node.attr?.ksize);
    if (k.length !== 4 || k[0] !== 1 || k[3] !== 1) this.fail(node, `pooling window ${JSON.stringify(k)}`);
    const attrs = { ...this.spatial(node), kernel_shape: k.slice(1, 3) };
    return this.image(
      this.g.node(POOL[node.op] as string, [this.nchw(x, node.name)], attrs, this.g.fresh(node.name)),
    );
  }

  private pad(node: TfNode, x: Value, inputs: Value[]): Value {
    const p = this.constOf(inputs[1], node, 'the paddings');
    const rows: [number, number][] = [];
    for (let i = 0; i < p.data.length / 2; i++)
      rows.push([p.data[2 * i] as number, p.data[2 * i + 1] as number]);
    const held = x.nchw ? TO_NCHW.map((r) => rows[r] as [number, number]) : rows;
    const pads = [...held.map((r) => r[0]), ...held.map((r) => r[1])];
    const padInputs = [x.nchw ? x.name : this.nhwc(x, node.name), this.g.int64s(`${node.name}/pads`, pads)];
    if (inputs[2]) padInputs.push(this.constName(inputs[2], `${node.name}/value`));
    const name = this.g.node('Pad', padInputs, { mode: 'constant' }, this.g.fresh(node.name));
    return { name, rank: x.rank, nchw: x.nchw };
  }

  private reduce(node: TfNode, onnxOp: string, x: Value, axesValue: Value | undefined): Value {
    const axes = Array.from(this.constOf(axesValue, node, 'the reduction axes').data);
    const keep = Boolean(node.attr?.keep_dims?.b);
    const plan = this.axesPlan(x, axes, keep, node.name);
    const name = this.g.node(
      onnxOp,
      [plan.input, this.g.int64s(`${node.name}/axes`, plan.axes)],
      { keepdims: keep ? 1 : 0 },
      this.g.fresh(node.name),
    );
    return { name, rank: keep ? x.rank : x.rank - axes.length, nchw: plan.nchw };
  }

  private concat(node: TfNode, inputs: Value[]): Value {
    const axisValue = inputs.at(-1);
    const parts = inputs.slice(0, -1);
    const axisWeight = this.constOf(axisValue, node, 'the concat axis');
    const rank = parts[0]?.rank ?? 0;
    let axis = Number(axisWeight.data[0]);
    if (axis < 0) axis += rank;
    const useNchw = rank === 4 && parts.some((v) => v.nchw);
    const names = parts.map((v, i) =>
      useNchw ? this.nchw(v, `${node.name}/${i}`) : this.nhwc(v, `${node.name}/${i}`),
    );
    const onnxAxis = useNchw ? (NHWC_AXIS_IN_NCHW[axis] as number) : axis;
    const name = this.g.node('Concat', names, { axis: onnxAxis }, this.g.fresh(node.name));
    return { name, rank, nchw: useNchw };
  }

  private matmul(node: TfNode, inputs: Value[]): Value {
    const [a, b, ...args] = inputs as [Value, Value | undefined, ...Value[]];
    if (!b) this.fail(node, 'needs two inputs');
    if (a.rank !== 2 || b.rank !== 2)
      this.fail(node, `MatMul of ranks ${a.rank} and ${b.rank}; only 2-D is handled`);
    const attr = node.attr ?? {};
    const gemmInputs = [this.nhwc(a, `${node.name}/a`), this.nhwc(b, `${node.name}/b`)];
    let rest = strs(attr.fused_ops);
    if (rest[0] === 'BiasAdd') {
      if (!args[0]) this.fail(node, 'fused BiasAdd without its bias');
      gemmInputs.push(this.constName(args[0], `${node.name}/bias`));
      rest = rest.slice(1);
    }
    const gemm = this.g.node(
      'Gemm',
      gemmInputs,
      { transA: attr.transpose_a?.b ? 1 : 0, transB: attr.transpose_b?.b ? 1 : 0 },
      this.g.fresh(`${node.name}/gemm`),
    );
    return this.fusedActivation(node, { name: gemm, rank: 2, nchw: false }, rest, args[1]);
  }
}

/** Converts a TensorFlow.js graph to an ONNX model (bytes). Throws naming the op and node it cannot convert. */
export function convertGraph(graph: TfGraph, opts: ConvertOptions): Uint8Array {
  return new Converter(graph, opts).convert();
}
