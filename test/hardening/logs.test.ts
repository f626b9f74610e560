import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosDirFor } from '../../src/main/store/store.js';
import { runCli, type CliResult } from '../support/cli.js';
import { facedata, repoRoot } from '../support/paths.js';
import { tempDir, testModelsDir } from '../store/support.js';

/**
 * What counts as a log here: everything a command writes to stderr while it succeeds (progress,
 * warnings, diagnostics), and every file in the data directory besides the case database (with its
 * -wal/-shm) and the photo folder, which are the patient record itself. Not logs: stdout, the results
 * the user asked for (a case shown, a list, a ranking), and the one-line reason of a failed command,
 * which names the user's own file or id so that they can fix it.
 */
const pseudonym = 'ZQX-PSEUDO-4417';
const other = 'ZQX-OTHER-5528';
const fileTag = 'zqx-private-name';
const needles = [pseudonym, other, fileTag];

const work = tempDir('facepheno-logs-');
const dataDir = join(work.dir, 'data');
const db = join(dataDir, 'facepheno.db');
let models: { dir: string; cleanup: () => void };
const logs: { what: string; text: string }[] = [];
const userReasons: string[] = [];
const results: string[] = [];

function step(args: string[], expectCode = 0): CliResult {
  const r = runCli(args, { FACEPHENO_MODELS_DIR: models.dir, FACEPHENO_DATA_DIR: dataDir });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expectCode);
  results.push(r.stdout);
  if (r.code === 0) logs.push({ what: `stderr of facepheno ${args.slice(0, 2).join(' ')}`, text: r.stderr });
  else userReasons.push(r.stderr);
  return r;
}

beforeAll(async () => {
  models = await testModelsDir();
  const fixture = (...p: string[]) => join(repoRoot, 'test', 'fixtures', ...p);
  const photo = join(work.dir, `${fileTag}-face.jpg`);
  copyFileSync(facedata('children_controls', '10_0_0_20170110220503946.jpg.chip.jpg'), photo);
  const vcf = join(work.dir, `${fileTag}-exome.vcf.gz`);
  copyFileSync(fixture('genomics', 'trio.vep.vcf.gz'), vcf);
  const packet = join(work.dir, `${fileTag}-packet.json`);
  writeFileSync(
    packet,
    readFileSync(fixture('phenopacket', 'kabuki.json'), 'utf8').replaceAll('KAB-017', other),
  );
  const catalogue = fixture('genomics', 'genes_to_disease.txt');

  step(['case', 'create', '--id', pseudonym, '--sex', 'female', '--birth-year', '2015']);
  step(['case', 'add-photo', '--id', pseudonym, photo, '--json']);
  step(['case', 'import', '--phenopacket', packet]);
  step(['vcf', 'catalogue', '--db', db, catalogue]);
  step(['vcf', 'import', '--db', db, '--patient', pseudonym, vcf]);
  step(['vcf', 'import', '--db', db, '--patient', pseudonym, vcf]); // again: a no-op
  step(['variants', '--db', db, '--patient', pseudonym]);
  step(['case', 'list', '--filter', 'ZQX']);
  step(['case', 'show', '--id', other, '--json']);
  step(['case', 'export', '--id', pseudonym, '--phenopacket', join(work.dir, `${fileTag}-out.json`)]);
  step(['analyze', photo, '--json']);
  step(['backup', '--db', db, join(work.dir, `${fileTag}-backup`)]);
  step(['restore', join(work.dir, `${fileTag}-backup`), '--db', join(work.dir, 'restored', 'facepheno.db')]);
  step(['case', 'add-photo', '--id', pseudonym, photo], 1); // the same photo twice: refused
}, 300_000);

afterAll(() => {
  models?.cleanup();
  work.remove();
});

/** Every file under dir, except the patient record itself (database and photo folder). */
function logFiles(dir: string, skip: Set<string>): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.has(path)) return [];
    return statSync(path).isDirectory() ? logFiles(path, skip) : [path];
  });
}

describe('logs of a full run', () => {
  it('hold no pseudonym and no file name of the patient', () => {
    expect(logs.length).toBeGreaterThan(10);
    // The identifiers are in the results asked for, so a search that finds none in the logs means something.
    for (const n of needles)
      expect(
        results.some((r) => r.includes(n)),
        n,
      ).toBe(true);
    const record = new Set([db, `${db}-wal`, `${db}-shm`, photosDirFor(db)]);
    const files = logFiles(dataDir, record);
    for (const f of files)
      logs.push({ what: relative(dataDir, f), text: readFileSync(f).toString('latin1') });
    for (const { what, text } of logs)
      for (const n of needles) expect(text.includes(n), `${what} holds '${n}':\n${text}`).toBe(false);
    console.log(
      `checked ${logs.length} logs (${files.length} data-directory files besides the database and photos: ` +
        `${files.map((f) => relative(dataDir, f)).join(', ') || 'none'}); ` +
        `failure reasons shown to the user: ${userReasons.length}`,
    );
  });

  it("names the user's own id in a failure reason, which is addressed to them", () => {
    expect(userReasons).toEqual([
      expect.stringContaining(`this photo is already in case '${pseudonym}'`) as unknown as string,
    ]);
  });
});
