import { resolveDataDir } from '../../main/data-dir.js';
import { UsageError, UserError } from '../../main/errors.js';
import {
  calibrationOf,
  OPEN_SET_QUANTILE,
  matchingOf,
  matchPhotoFiles,
  type FacesMatch,
} from '../../main/usecases/matching.js';
import { withWorkspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';
import { JsonArrayOut, writeOut } from '../stream-out.js';

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

type Result = ({ file: string } | { patient: string }) & Partial<FacesMatch> & { error: string | null };

const round = (x: number) => Number(x.toFixed(4));

function describe(r: Result): string {
  const what = 'file' in r ? r.file : printable`patient ${r.patient}`;
  if (r.error !== null || !r.ranking) return printable`${what}: error: ${r.error ?? 'no result'}`;
  const top = r.ranking
    .slice(0, 5)
    .map(
      (l) =>
        printable`${l.label} ${(100 * l.probability).toFixed(1)}% (nearest: ${l.nearest
          .map(
            (n) =>
              printable`${n.patientId}${n.centre ? printable` (${n.centre})` : ''} ${n.similarity.toFixed(3)}`,
          )
          .join(', ')})`,
    );
  return [
    printable`${what}:${r.noneOfThese ? ' NONE OF THESE (far from every gallery case);' : ''}`,
    ...top.map((t) => `  ${t}`),
  ].join('\n');
}

function resultJson(r: Result) {
  return {
    ...r,
    ranking: r.ranking?.map((l) => ({
      label: l.label,
      probability: l.probability,
      nearest: l.nearest.map((n) => ({
        patient: n.patientId,
        similarity: round(n.similarity),
        centre: n.centre,
      })),
    })),
  };
}

export const command: Command = {
  summary: 'match photos or stored patients against the gallery: calibrated probabilities, nearest cases',
  usage,
  async run(args, ctx) {
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
    const files = positionals;

    return withWorkspace(ctx.storeConfig(values.db), async (ws) => {
      const model = ws.embeddingModel(values.model);
      const matching = matchingOf(ws, resolveDataDir({}).dir);
      const { matcher, kept, ms } = matching.galleryMatcher(model);
      const galleryVersion = matcher.provenance.galleryVersion;
      const header = {
        model: { id: model.id, sha256: model.sha256 },
        galleryVersion,
        calibration: {
          ...calibrationOf(matcher.classifier),
          logLoss: round(matcher.classifier.cvLogLoss),
          folds: matcher.classifier.folds,
        },
        openSet: { quantile: matcher.openSet.quantile, threshold: round(matcher.openSet.threshold) },
        matcher: { kept, ms },
      };
      // Each result is written as it comes: a folder of thousands of photos holds none of them.
      const json = values.json ? await JsonArrayOut.open(header, 'results') : null;
      if (!json)
        await writeOut(
          printable`model ${model.id}, gallery version ${galleryVersion}, calibration: ${header.calibration.method}; held-out log-loss ${header.calibration.logLoss} ` +
            printable`(penalty ${header.calibration.lambda}, ${header.calibration.folds}-fold by patient); open set below similarity ${header.openSet.threshold}; ` +
            printable`${kept ? 'kept matcher restored' : 'matcher fitted and kept'} in ${ms} ms\n`,
        );
      let matched = 0;
      const emit = async (r: Result) => {
        if (r.error === null) matched++;
        await (json ? json.item(resultJson(r)) : writeOut(`${describe(r)}\n`));
      };
      await matchPhotoFiles(ws, matching, model, files, (m) =>
        emit('error' in m ? m : { ...m, error: null }),
      );
      for (const patient of patients) {
        let r: Result;
        try {
          r = { patient, ...matching.match(patient, model), error: null };
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          r = { patient, error: err.message };
        }
        await emit(r);
      }
      await json?.close();
      if (matched > 0) return 0;
      console.error('facepheno match: nothing could be matched (see each error above)');
      return 1;
    });
  },
};
