import * as tf from '@tensorflow/tfjs';
import { readArtifacts } from '../../tools/models/tfjs-graph.js';

/** The source model run by TensorFlow.js itself (pure JS CPU backend), loaded from the package files. */
export async function loadTfjsModel(modelJson: string): Promise<tf.GraphModel> {
  await tf.setBackend('cpu');
  const { artifacts } = readArtifacts(modelJson);
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData: artifacts.weightData,
    }),
  );
}

/** Runs the TensorFlow.js model on an NHWC batch that is already normalised; returns the named nodes. */
export async function runTfjs(
  model: tf.GraphModel,
  input: Float32Array,
  dims: [number, number, number, number],
  nodes: string[],
): Promise<Float32Array[]> {
  const x = tf.tensor4d(input, dims);
  const out = model.execute(x, nodes);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, ...list]);
  return data;
}
