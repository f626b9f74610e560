import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IAttribute = onnxProto.onnx.IAttributeProto;

/** The opset the converter writes: 18 takes every reduction's axes as an input, like TensorFlow does. */
export const OPSET = 18;

export type AttrValue = number | string | number[] | { float: number };

function attribute(name: string, value: AttrValue): IAttribute {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}

/** Builds one ONNX graph: nodes in order, initializers, typed inputs and outputs. */
export class OnnxGraph {
  private readonly nodes: INode[] = [];
  private readonly initializers: ITensor[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name derived from `base` (TensorFlow names are kept where they are free). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}__${i}`;
    this.used.add(name);
    return name;
  }

  /** Keeps a name (a graph output's) from being handed out by fresh(). */
  reserve(name: string): void {
    this.used.add(name);
  }

  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(`${inputs[0] ?? op}/${op}`);
    this.nodes.push({
      opType: op,
      name: out,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  floats(base: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(base);
    const raw = new Uint8Array(data.byteLength);
    // ONNX raw data is little-endian whatever the host is.
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const raw = new Uint8Array(8 * values.length);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: raw,
    });
    return name;
  }

  input(name: string, dims: (number | string)[]): void {
    this.used.add(name);
    this.inputs.push({ name, type: tensorType(dims) });
  }

  output(name: string): void {
    this.outputs.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  }

  encode(meta: { name: string; doc: string; producerVersion: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'facepheno tools/models',
      producerVersion: meta.producerVersion,
      opsetImport: [{ domain: '', version: OPSET }],
      docString: meta.doc,
      graph: {
        name: meta.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function tensorType(dims: (number | string)[]): onnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}
