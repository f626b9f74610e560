/**
 * Patient-level cross-validation of the gallery in its own thread: it runs for seconds to minutes in
 * one synchronous stretch, so it must not hold the Service's thread, and cancelling it ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { calibratedLogistic, crossValidatedPredictions, summarise } from '../match/evaluation.js';
import { reportedLabel } from '../match/matcher.js';
import { mergeClasses, type Predictions } from '../match/metrics.js';
import type { Sample } from '../match/samples.js';
import type { JobWorkerMessage } from './threads.js';

export interface EvaluateInput {
  /** Labelled as the classifier learns them: controls of each source apart, merged for the report. */
  samples: Sample[];
  folds: number;
}

export interface EvaluateResult {
  report: ReturnType<typeof summarise>;
  calibration: ReliabilityBin[];
}

export interface ReliabilityBin {
  predicted: number;
  observed: number;
  count: number;
}

const BINS = 10;

/** Reliability of the top label: mean confidence against accuracy in equal-width confidence bins. */
function reliability(p: Predictions): ReliabilityBin[] {
  const k = p.classes.length;
  const bins = Array.from({ length: BINS }, () => ({ conf: 0, right: 0, count: 0 }));
  for (let r = 0; r < p.y.length; r++) {
    let best = 0;
    for (let c = 1; c < k; c++)
      if ((p.probs[r * k + c] as number) > (p.probs[r * k + best] as number)) best = c;
    const conf = p.probs[r * k + best] as number;
    const bin = bins[Math.min(BINS - 1, Math.floor(conf * BINS))] as (typeof bins)[number];
    bin.conf += conf;
    bin.right += best === p.y[r] ? 1 : 0;
    bin.count++;
  }
  return bins.map((b) => ({
    predicted: b.count ? b.conf / b.count : 0,
    observed: b.count ? b.right / b.count : 0,
    count: b.count,
  }));
}

const port = parentPort;
if (!port) throw new Error('evaluate-worker.js runs as a worker thread');
const { samples, folds } = workerData as EvaluateInput;
try {
  let done = 0;
  const fine = crossValidatedPredictions(samples, {
    folds,
    fitPredict: (train, test, classes) => {
      const probs = calibratedLogistic(train, test, classes);
      done++;
      const stage = done < folds ? 'cross-validating' : 'bootstrapping intervals';
      port.postMessage({
        type: 'progress',
        stage,
        done,
        total: folds,
      } satisfies JobWorkerMessage<EvaluateResult>);
      return probs;
    },
  });
  const predictions = mergeClasses(fine, reportedLabel);
  port.postMessage({
    type: 'result',
    report: summarise(predictions),
    calibration: reliability(predictions),
  } satisfies JobWorkerMessage<EvaluateResult>);
} catch (err) {
  port.postMessage({
    type: 'failed',
    error: (err as Error).message,
  } satisfies JobWorkerMessage<EvaluateResult>);
}
