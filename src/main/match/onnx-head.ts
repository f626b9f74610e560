import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { ProjectionHead } from './head.js';

const { onnx } = onnxProto;

export const HEAD_INPUT = 'backbone_embedding';
export const HEAD_OUTPUT = 'embedding';

/**
 * The head as an ONNX model: MatMul by the projection (stored as d x p) then LpNormalization (p = 2)
 * over the last axis. Batch-major: [n, d] in, [n, p] unit rows out.
 */
export function headToOnnx(head: ProjectionHead, description: string): Uint8Array {
  const { inputDim: d, outputDim: p } = head;
  // MatMul(x, Wᵀ): store the transpose, little-endian as ONNX raw data requires.
  const raw = new Uint8Array(d * p * 4);
  const view = new DataView(raw.buffer);
  for (let o = 0; o < p; o++)
    for (let i = 0; i < d; i++) view.setFloat32(4 * (i * p + o), head.weights[o * d + i] as number, true);
  const F = onnx.TensorProto.DataType.FLOAT;
  const tensorType = (dims: (number | string)[]) => ({
    tensorType: {
      elemType: F,
      shape: { dim: dims.map((v) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v })) },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'facepheno',
    docString: description,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'projection_head',
      initializer: [{ name: 'projection', dims: [d, p], dataType: F, rawData: raw }],
      node: [
        { opType: 'MatMul', name: 'project', input: [HEAD_INPUT, 'projection'], output: ['projected'] },
        {
          opType: 'LpNormalization',
          name: 'normalise',
          input: ['projected'],
          output: [HEAD_OUTPUT],
          attribute: [
            { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
            { name: 'p', type: onnx.AttributeProto.AttributeType.INT, i: 2 },
          ],
        },
      ],
      input: [{ name: HEAD_INPUT, type: tensorType(['n', d]) }],
      output: [{ name: HEAD_OUTPUT, type: tensorType(['n', p]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The manifest entry of an exported head. The model manifest's tasks are image models; a head takes a
 * backbone embedding, so its entry names the backbone it extends (`base`) instead of an image input.
 */
export interface HeadManifestEntry {
  id: string;
  task: 'embedding-head';
  file: string;
  sha256: string;
  bytes: number;
  base: { modelId: string; dim: number };
  input: { name: string; dim: number };
  embedding: { output: string; dim: number };
  training: { galleryVersion: string; epochs: number; scale: number; margin: number; classes: string[] };
  licence: string;
}

export function headManifestEntry(
  bytes: Uint8Array,
  head: ProjectionHead,
  info: { baseModelId: string; galleryVersion: string; classes: string[] },
): HeadManifestEntry {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const id = `${info.baseModelId}-head-${sha256.slice(0, 12)}`;
  return {
    id,
    task: 'embedding-head',
    file: `${id}.onnx`,
    sha256,
    bytes: bytes.length,
    base: { modelId: info.baseModelId, dim: head.inputDim },
    input: { name: HEAD_INPUT, dim: head.inputDim },
    embedding: { output: HEAD_OUTPUT, dim: head.outputDim },
    training: {
      galleryVersion: info.galleryVersion,
      epochs: head.epochs,
      scale: head.scale,
      margin: head.margin,
      classes: info.classes,
    },
    licence: 'trained locally on the department gallery',
  };
}
