import { UsageError } from '../../main/errors.js';
import { verifyIdentities } from '../../main/usecases/faces.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { printable } from '../printable.js';

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
    const { failures, ...report } = await verifyIdentities(positionals[0] as string);
    const { models } = report;
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(
        printable`${report.people} people, ${report.photos} photos (${report.failed} failed), ${report.pairs_same} same-person and ${report.pairs_diff} different-person pairs`,
      );
      for (const f of failures) console.log(printable`  failed: ${f}`);
      for (const [id, m] of Object.entries(models))
        console.log(
          printable`${id}: AUC ${m.auc.toFixed(4)}, EER ${(100 * m.eer).toFixed(2)}%, TAR@FAR1% ${(100 * m.tar_at_far_1pct).toFixed(1)}%`,
        );
    }
    return 0;
  },
};
