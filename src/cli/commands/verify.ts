import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, UserError } from '../../main/errors.js';
import { analyzeAll, photosIn } from '../../main/face/batch.js';
import { openFacePipeline } from '../../main/face/pipeline.js';
import { type Identified, pairScores, verificationFigures } from '../../main/face/verification.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const usage = `Usage: facepheno verify DIR [--json]

Face verification on a folder of people, DIR/<person>/<photos>: embeds the primary face of every photo,
scores every same-person and every different-person pair by cosine similarity, and reports per
embedding model the ROC AUC, the equal error rate and the true-accept rate at a 1% false-accept rate.
Photos without a readable face are counted as failed and left out of the pairs.

Options:
  --json   print one JSON document:
           {people, photos, failed, pairs_same, pairs_diff, models: {<id>: {auc, eer, tar_at_far_1pct}}}`;

export const command: Command = {
  summary: 'identity verification figures (AUC, EER, TAR@FAR 1%) on DIR/<person>/<photos>',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('name exactly one folder');
    const dir = positionals[0] as string;
    let people: string[];
    try {
      people = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      throw new UserError(`cannot list the folder (${(err as NodeJS.ErrnoException).code ?? err})`, {
        file: dir,
      });
    }
    const photos = people.flatMap((person) => photosIn(join(dir, person)).map((file) => ({ person, file })));
    if (people.length < 2 || photos.length === 0)
      throw new UserError('needs a subfolder of photos for each of at least two people', { file: dir });

    const pipeline = await openFacePipeline();
    let outcomes;
    try {
      outcomes = await analyzeAll(
        pipeline,
        photos.map((p) => p.file),
      );
    } finally {
      await pipeline.close();
    }
    const failures: string[] = [];
    const faces = new Map<string, Identified[]>(pipeline.embeddingModels.map((m) => [m.id, []]));
    outcomes.forEach((o, i) => {
      const face = o.analysis?.primary == null ? undefined : o.analysis.faces[o.analysis.primary];
      if (!face) {
        failures.push(`${o.file}: ${o.error ?? 'no face found'}`);
        return;
      }
      const person = (photos[i] as { person: string }).person;
      for (const [id, list] of faces) list.push({ person, embedding: face.embeddings[id] as Float32Array });
    });
    const models: Record<string, ReturnType<typeof verificationFigures>> = {};
    let pairs = { same: 0, diff: 0 };
    for (const [id, list] of faces) {
      const { same, diff } = pairScores(list);
      pairs = { same: same.length, diff: diff.length };
      const f = verificationFigures(same, diff);
      models[id] = {
        auc: Number(f.auc.toFixed(4)),
        eer: Number(f.eer.toFixed(4)),
        tar_at_far_1pct: Number(f.tar_at_far_1pct.toFixed(4)),
      };
    }
    const report = {
      people: people.length,
      photos: photos.length,
      failed: failures.length,
      pairs_same: pairs.same,
      pairs_diff: pairs.diff,
      models,
    };
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(
        `${report.people} people, ${report.photos} photos (${report.failed} failed), ${report.pairs_same} same-person and ${report.pairs_diff} different-person pairs`,
      );
      for (const f of failures) console.log(`  failed: ${f}`);
      for (const [id, m] of Object.entries(models))
        console.log(
          `${id}: AUC ${m.auc.toFixed(4)}, EER ${(100 * m.eer).toFixed(2)}%, TAR@FAR1% ${(100 * m.tar_at_far_1pct).toFixed(1)}%`,
        );
    }
    return 0;
  },
};
