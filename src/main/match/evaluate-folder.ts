import { createHash } from 'node:crypto';
import {
  crossValidatedPredictions,
  learntBeatsRaw,
  learntSpace,
  summarise,
  type EvaluationReport,
} from './evaluation.js';
import { groupQuestion, sampleControls, type GroupResult } from './group.js';
import { mergeClasses, oneVsRestAuc, withInterval, type Interval } from './metrics.js';
import { UNAFFECTED } from './matcher.js';
import type { Sample } from './samples.js';
import { jointEmbedding } from './vectors.js';

import { CALIBRATION } from './classifier.js';

export { CALIBRATION };

/** What evaluation needs of one photo: which patient and label it is of (and its file, for messages). */
export interface EvaluatedPhoto {
  file: string;
  label: string;
  patient: string;
}

/** What evaluation needs of one analysed photo: its primary face's embeddings, and the border features. */
export interface PhotoFeatures {
  embeddings: Record<string, Float32Array>;
  border: Float32Array;
}

/** `key`: the SHA-256 of the photo's bytes and mask, which names what was analysed. */
export type FeatureOutcome<P extends EvaluatedPhoto = EvaluatedPhoto> =
  | { photo: P; key: string; features: PhotoFeatures; problem: null }
  | { photo: P; key: string; features: null; problem: string };

export interface PairResult {
  labels: [string, string];
  patients: number;
  /** AUC of the first label against the second, from a classifier trained on these two labels' patients only. */
  auc: Interval;
}

export interface FolderEvaluation {
  /** The embedding model, or models joined by '+' for their joint space. */
  modelId: string;
  /** Names the evaluated photos: a hash of every photo's content, mask, label and patient. */
  galleryVersion: string;
  folds: number;
  seed: number;
  calibration: string;
  photos: number;
  used: number;
  left: { file: string; problem: string }[];
  /** Folder labels merged into the 'unaffected' class. */
  controls: string[];
  raw: EvaluationReport;
  learnt: EvaluationReport | null;
  /** Which space a matcher should use: the learnt one only where it beat the raw one here. */
  chosen: 'raw' | 'learnt';
  /** The same evaluation on border-of-photo features that hold no face. */
  confound: EvaluationReport;
  pairs: PairResult[];
  groups: ({ label: string } & GroupResult)[];
}

export interface FolderEvaluationOptions {
  modelId: string;
  folds: number;
  /** Seeds the assignment of patients to folds (default 1): another seed checks a figure against the split. */
  seed?: number;
  controls: string[];
  learnt: boolean;
  /** Permutations for the group question (syndrome vs as many controls); 0 skips it. */
  permutations: number;
  bootstrap?: number;
  onStage?: (stage: string) => void;
}

/** The patient-level evaluation of one embedding model over analysed folder photos, with its confound check. */
export function evaluateFolder(
  outcomes: readonly FeatureOutcome[],
  o: FolderEvaluationOptions,
): FolderEvaluation {
  const controls = new Set(o.controls.map((c) => c.toLowerCase()));
  const classOf = (label: string) => (controls.has(label.toLowerCase()) ? UNAFFECTED : label);
  const vectorOf = (x: FeatureOutcome) => x.features && jointEmbedding(x.features.embeddings, o.modelId);
  const usable = outcomes.filter((x) => vectorOf(x));
  // Each controls folder is modelled as its own class (sources of controls differ, and one linear class
  // cannot hold two clusters); their probabilities are summed into 'unaffected' for every figure.
  const fine: Sample[] = usable.map((x) => ({
    patient: x.photo.patient,
    label: x.photo.label,
    vector: vectorOf(x) as Float32Array,
  }));
  const face: Sample[] = fine.map((s) => ({ ...s, label: classOf(s.label) }));
  const border: Sample[] = usable.map((x, i) => ({
    ...(fine[i] as Sample),
    vector: x.features?.border as Float32Array,
  }));
  const bootstrap = o.bootstrap ?? 1000;
  const run = (
    samples: Sample[],
    stage: string,
    fitPredict?: Parameters<typeof crossValidatedPredictions>[1]['fitPredict'],
  ) => {
    o.onStage?.(stage);
    const preds = crossValidatedPredictions(samples, { folds: o.folds, seed: o.seed, fitPredict });
    return summarise(mergeClasses(preds, classOf), bootstrap);
  };
  const raw = run(fine, 'raw space');
  const learnt = o.learnt ? run(fine, 'learnt space', learntSpace()) : null;
  const confound = run(border, 'confound check (border features)');

  const syndromes = [...new Set(face.map((s) => s.label))].filter((l) => l !== UNAFFECTED).sort();
  const pairs: PairResult[] = [];
  for (let i = 0; i < syndromes.length; i++)
    for (let j = i + 1; j < syndromes.length; j++) {
      const a = syndromes[i] as string;
      const b = syndromes[j] as string;
      o.onStage?.(`${a} vs ${b}`);
      const pair = face.filter((s) => s.label === a || s.label === b);
      const preds = crossValidatedPredictions(pair, { folds: o.folds, seed: o.seed });
      pairs.push({
        labels: [a, b],
        patients: new Set(pair.map((s) => s.patient)).size,
        auc: withInterval(preds, oneVsRestAuc(preds.classes.indexOf(a)), bootstrap),
      });
    }
  const controlSamples = face.filter((s) => s.label === UNAFFECTED);
  const groups =
    o.permutations > 0 && controlSamples.length > 0
      ? syndromes.map((label) => {
          o.onStage?.(`group question: ${label}`);
          const cases = face.filter((s) => s.label === label);
          const matched = sampleControls(controlSamples, new Set(cases.map((s) => s.patient)).size);
          return {
            label,
            ...groupQuestion(cases, matched, { folds: o.folds, permutations: o.permutations, seed: o.seed }),
          };
        })
      : [];
  return {
    modelId: o.modelId,
    galleryVersion: folderVersion(outcomes),
    folds: o.folds,
    seed: o.seed ?? 1,
    calibration: CALIBRATION,
    photos: outcomes.length,
    used: usable.length,
    left: outcomes.flatMap((x) => (x.problem ? [{ file: x.photo.file, problem: x.problem }] : [])),
    controls: [
      ...new Set(usable.map((x) => x.photo.label).filter((l) => controls.has(l.toLowerCase()))),
    ].sort(),
    raw,
    learnt,
    chosen: learnt && learntBeatsRaw(raw, learnt) ? 'learnt' : 'raw',
    confound,
    pairs,
    groups,
  };
}

export function folderVersion(outcomes: readonly FeatureOutcome[]): string {
  const h = createHash('sha256');
  for (const x of [...outcomes].sort((a, b) => a.key.localeCompare(b.key)))
    h.update(`${x.key}\t${x.photo.label}\t${x.photo.patient}\n`);
  return h.digest('hex').slice(0, 16);
}
