/**
 * Learns a face space for the gallery in its own thread: patient-level cross-validation of the plain
 * embedding and of a projection head trained inside each fold; the head (trained on all the gallery) is
 * returned only when its held-out Brier score beats the plain space's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  calibratedLogistic,
  crossValidatedPredictions,
  summarise,
  type FitPredict,
} from '../match/evaluation.js';
import { projectSamples, trainHead, type ProjectionHead } from '../match/head.js';
import type { Sample } from '../match/samples.js';
import type { JobWorkerMessage } from './threads.js';

export interface TrainInput {
  samples: Sample[];
  folds: number;
}

export interface SpaceFigures {
  top1PerLabel: number;
  brier: number;
}

export interface TrainResult {
  raw: SpaceFigures;
  learnt: SpaceFigures;
  head: ProjectionHead | null;
}
type Message = JobWorkerMessage<TrainResult>;

const port = parentPort;
if (!port) throw new Error('train-worker.js runs as a worker thread');
const { samples, folds } = workerData as TrainInput;
const total = 2 * folds + 1;
let done = 0;
const step = (stage: string) =>
  port.postMessage({ type: 'progress', stage, done: ++done, total } satisfies Message);

function figures(fitPredict: FitPredict, stage: string): SpaceFigures {
  const p = crossValidatedPredictions(samples, {
    folds,
    fitPredict: (train, test, classes) => {
      const probs = fitPredict(train, test, classes);
      step(stage);
      return probs;
    },
  });
  // Point figures decide; their intervals are the evaluation's business.
  const r = summarise(p, 1);
  return { top1PerLabel: r.topKPerLabel.top1?.value ?? NaN, brier: r.brier.value };
}

try {
  const raw = figures(calibratedLogistic, 'evaluating the plain embedding');
  const learnt = figures((train, test, classes) => {
    const head = trainHead(train);
    return calibratedLogistic(projectSamples(head, train), projectSamples(head, test), classes);
  }, 'training and evaluating the learnt space');
  const head = learnt.brier < raw.brier ? trainHead(samples) : null;
  step('training on the whole gallery');
  port.postMessage({ type: 'result', raw, learnt, head } satisfies Message);
} catch (err) {
  port.postMessage({ type: 'failed', error: (err as Error).message } satisfies Message);
}
