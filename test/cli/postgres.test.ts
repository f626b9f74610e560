import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, scratch } from '../genomics/support.js';
import { runCli, type CliResult } from '../support/cli.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';

const tmp = scratch();
const file = join(tmp.dir, 'cases.db');
let pg: ReturnType<typeof freshSchema> | undefined;
/** A PostgreSQL store keeps its photos in a shared folder, which every command run is given. */
const env = { FACEPHENO_PHOTOS_DIR: join(tmp.dir, 'shared-photos'), FACEPHENO_DATA_DIR: tmp.dir };

/** Runs the command on the SQLite file and on the PostgreSQL schema: `db` stands for either. */
function onBoth(args: (db: string) => string[]): { sqlite: CliResult; postgres: CliResult } {
  return { sqlite: runCli(args(file), env), postgres: runCli(args(pg?.url ?? ''), env) };
}

function ok(r: CliResult): CliResult {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

/** Exit 1 with one line on stderr: no internal error, no stack, not the missing-file refusal. */
function refusedLine(r: CliResult): string {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |no such case database/);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe.skipIf(postgresSkip !== false)(
  postgresSkip === false ? 'the genomics commands on PostgreSQL' : `PostgreSQL (skipped: ${postgresSkip})`,
  () => {
    beforeAll(() => {
      pg = freshSchema();
      for (const args of [
        (db: string) => ['case', 'create', '--db', db, '--id', 'P1'],
        (db: string) => ['vcf', 'catalogue', '--db', db, fixture('genemap2.txt')],
      ]) {
        const r = onBoth(args);
        ok(r.sqlite);
        expect(ok(r.postgres).stdout).toBe(r.sqlite.stdout);
      }
    });
    afterAll(() => pg?.drop());

    it('vcf import and variants take a postgres:// URL and give what they give on a file', () => {
      const imported = onBoth((db) => [
        'vcf',
        'import',
        '--db',
        db,
        '--patient',
        'P1',
        '--json',
        fixture('trio.vep.vcf'),
      ]);
      const doc = (r: CliResult) => {
        const { importedAt, ...rest } = JSON.parse(ok(r).stdout) as { importedAt: string };
        expect(Date.parse(importedAt)).not.toBeNaN();
        return rest;
      };
      expect(doc(imported.postgres)).toEqual(doc(imported.sqlite));
      expect(doc(imported.postgres)).toMatchObject({ records: 11, alreadyImported: false });

      const ranked = onBoth((db) => ['variants', '--db', db, '--patient', 'P1', '--json']);
      const variants = (r: CliResult) => {
        const d = JSON.parse(ok(r).stdout) as { import: { importedAt?: string }; variants: unknown[] };
        delete d.import.importedAt;
        return d;
      };
      const got = variants(ranked.postgres);
      expect(got).toEqual(variants(ranked.sqlite));
      expect(got).toMatchObject({ stored: 9, candidates: 7 });
      expect(got.variants).toHaveLength(7);
    });

    it('analyze-space reads the PostgreSQL gallery (too small for a map), naming the URL as it names a file', () => {
      const r = onBoth((db) => ['analyze-space', '--db', db, '--model', 'none', '--no-averages']);
      const line = refusedLine(r.postgres);
      expect(line).toBe(
        `facepheno analyze-space: ${pg?.url}: the gallery has 0 faces embedded with model 'none'; ` +
          'a map needs at least 5',
      );
      expect(refusedLine(r.sqlite)).toBe(line.replace(pg?.url ?? '', file));
    });

    it('backup and restore refuse a URL in one line: pg_dump / pg_restore, the password hidden', () => {
      const url = new URL(pg?.url ?? '');
      url.password = 'secret-word';
      const out = join(tmp.dir, 'backup');
      const backup = refusedLine(runCli(['backup', '--db', url.toString(), out], env));
      expect(backup).toMatch(/pg_dump/);
      expect(backup).toContain('***@');
      expect(backup).not.toContain('secret-word');
      expect(existsSync(out)).toBe(false);

      ok(runCli(['backup', '--db', file, out], env));
      const restore = refusedLine(runCli(['restore', out, '--db', url.toString()], env));
      expect(restore).toMatch(/pg_restore/);
      expect(restore).toMatch(/facepheno migrate/);
      expect(restore).not.toContain('secret-word');
    });
  },
);

afterAll(() => tmp.cleanup());
