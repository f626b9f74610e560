import { UsageError, UserError } from '../../main/errors.js';
import { expandPhotoArgs } from '../../main/face/batch.js';
import { openFacePipeline } from '../../main/face/pipeline.js';
import { CALIBRATION } from '../../main/match/evaluate-folder.js';
import { fitMatcher, matchPatient, type MatchResult } from '../../main/match/matcher.js';
import { OPEN_SET_QUANTILE } from '../../main/match/openset.js';
import { storedMatcher } from '../../main/usecases/matching.js';
import { Store } from '../../main/store/store.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno match --db FILE IMAGE... [--patient ID]... [--model ID] [--json]

Matches each photo (or each patient already in the case store FILE, all their photos fused) against
the store's gallery: calibrated probabilities over the gallery's syndromes and 'unaffected' (controls),
best first and summing to 1, each with its nearest gallery patients and their cosine similarity; and
'none of these' when the face is farther from every gallery photo than ${100 * (1 - OPEN_SET_QUANTILE)}% of the gallery's own
patients are from their nearest other patient. Every result names the embedding model, the gallery
version and the calibration it used. The fitted classifier and calibration are kept in FILE for the
model and gallery version: only the first match after the gallery changes fits them. A nearest case
from a gallery pack names its centre (it has no photo here).

Options:
  --patient ID   match a patient in the store by id (repeatable); a gallery patient is matched
                 against everyone else (their photos left out of the fit and the nearest cases)
  --model ID     the embedding model (default: the manifest's first)
  --json         print one JSON document: {model, galleryVersion, calibration, openSet,
                 matcher: {kept, ms}, results: [{file | patient, ranking: [{label, probability,
                 nearest: [{patient, similarity, centre}]}], noneOfThese, bestSimilarity, error}]}`;

type Result = ({ file: string } | { patient: string }) & Partial<MatchResult> & { error: string | null };

const round = (x: number) => Number(x.toFixed(4));

function describe(r: Result): string {
  const what = 'file' in r ? r.file : `patient ${r.patient}`;
  if (r.error !== null || !r.ranking) return `${what}: error: ${r.error ?? 'no result'}`;
  const top = r.ranking
    .slice(0, 5)
    .map(
      (l) =>
        `${l.label} ${(100 * l.probability).toFixed(1)}% (nearest: ${l.nearest
          .map((n) => `${n.patient}${n.centre ? ` (${n.centre})` : ''} ${n.similarity.toFixed(3)}`)
          .join(', ')})`,
    );
  return `${what}:${r.noneOfThese ? ' NONE OF THESE (far from every gallery case);' : ''}\n  ${top.join('\n  ')}`;
}

/** The primary-face embeddings of a stored patient's photos in one model. */
function storedPatientVectors(store: Store, patient: string, modelId: string): Float32Array[] {
  return store.openCase(patient).photos.flatMap((photo) => {
    const face = photo.faces.find((f) => f.isPrimary);
    const e = face && store.faces.embedding(face.id, modelId);
    return e ? [e.vector] : [];
  });
}

export const command: Command = {
  summary: 'match photos or stored patients against the gallery: calibrated probabilities, nearest cases',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      db: { type: 'string' },
      patient: { type: 'string', multiple: true },
      model: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.db) throw new UsageError('--db FILE is required');
    const patients = values.patient ?? [];
    if (positionals.length === 0 && patients.length === 0)
      throw new UsageError('name a photo or a --patient');
    const files = positionals.length ? expandPhotoArgs(positionals) : [];

    const pipeline = await openFacePipeline();
    const store = Store.open(values.db);
    try {
      const model = values.model
        ? pipeline.embeddingModels.find((m) => m.id === values.model)
        : pipeline.embeddingModels[0];
      if (!model)
        throw new UsageError(
          `no embedding model '${values.model ?? ''}' (have: ${pipeline.embeddingModels.map((m) => m.id).join(', ')})`,
        );
      // One read transaction: the rows are the gallery of exactly this version.
      const { rows, galleryVersion } = store.db.transaction(() => ({
        rows: store.galleryEmbeddings(model.id),
        galleryVersion: store.galleryVersion(),
      }))();
      if (new Set(rows.map((r) => (r.isControl ? 'control' : r.label))).size < 2)
        throw new UserError(
          `the gallery has ${rows.length ? 'a single label' : 'no photos'} for model ${model.id}: import a gallery with at least two labels first`,
          { file: values.db },
        );
      const started = performance.now();
      const { matcher, cached } = storedMatcher(store, rows, model, galleryVersion);
      const matcherMs = Math.round(performance.now() - started);
      const results: Result[] = [];
      for (const file of files) {
        try {
          const a = await pipeline.analyze({ file });
          const v = a.primary === null ? undefined : a.faces[a.primary]?.embeddings[model.id];
          results.push(
            v ? { file, ...matchPatient(matcher, [v]), error: null } : { file, error: 'no face found' },
          );
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          results.push({ file, error: err.message });
        }
      }
      for (const patient of patients) {
        try {
          const vectors = storedPatientVectors(store, patient, model.id);
          // A gallery patient is matched by a matcher fitted without them: their own photos would vouch
          // for their label (this fit is not kept: it is of another gallery).
          const own = rows.filter((r) => r.patient.toLowerCase() === patient.toLowerCase());
          const fitted = own.length
            ? fitMatcher(
                rows.filter((r) => !own.includes(r)),
                { modelId: model.id, galleryVersion },
              )
            : matcher;
          results.push(
            vectors.length
              ? {
                  patient,
                  ...matchPatient(fitted, vectors, { excludePatient: own[0]?.patient }),
                  error: null,
                }
              : { patient, error: 'no photo with a measured face' },
          );
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          results.push({ patient, error: err.message });
        }
      }
      const header = {
        model: { id: model.id, sha256: model.sha256 },
        galleryVersion,
        calibration: {
          method: CALIBRATION,
          logLoss: round(matcher.classifier.cvLogLoss),
          lambda: matcher.classifier.model.lambda,
          folds: matcher.classifier.folds,
        },
        openSet: { quantile: matcher.openSet.quantile, threshold: round(matcher.openSet.threshold) },
        matcher: { kept: cached, ms: matcherMs },
      };
      if (values.json) {
        const json = results.map((r) => ({
          ...r,
          ranking: r.ranking?.map((l) => ({
            label: l.label,
            probability: l.probability,
            nearest: l.nearest.map((n) => ({
              patient: n.patient,
              similarity: round(n.similarity),
              centre: n.centre,
            })),
          })),
        }));
        console.log(JSON.stringify({ ...header, results: json }, null, 2));
      } else {
        console.log(
          `model ${model.id}, gallery version ${galleryVersion}, calibration: ${CALIBRATION}; held-out log-loss ${header.calibration.logLoss} ` +
            `(penalty ${header.calibration.lambda}, ${header.calibration.folds}-fold by patient); open set below similarity ${header.openSet.threshold}; ` +
            `${cached ? 'kept matcher restored' : 'matcher fitted and kept'} in ${matcherMs} ms`,
        );
        for (const r of results) console.log(describe(r));
      }
      if (results.some((r) => r.error === null)) return 0;
      console.error('facepheno match: nothing could be matched (see each error above)');
      return 1;
    } finally {
      store.close();
      await pipeline.close();
    }
  },
};
