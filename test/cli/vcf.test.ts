import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixture, scratch, withLine } from '../genomics/support.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');

beforeAll(() => {
  expect(runCli(['case', 'create', '--db', db, '--id', 'P1']).code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('facepheno vcf', () => {
  it('imports a bgzip trio VCF, stating the sample it took and the build', () => {
    const r = runCli(['vcf', 'import', '--db', db, '--patient', 'P1', fixture('trio.vep.vcf.gz')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('11 records, 9 alleles carried by the proband');
    expect(r.stdout).toContain(
      'sample: PROBAND_01 (the first of 3 samples: PROBAND_01, MOTHER_01, FATHER_01; choose another with --sample)',
    );
    expect(r.stdout).toContain('build: GRCh38 (from ##contig 1 length 248956422)');
  });

  it('says so when the same file is imported again, and --json prints one document', () => {
    const r = runCli(['vcf', 'import', '--db', db, '--patient', 'P1', '--json', fixture('trio.vep.vcf.gz')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      alreadyImported: true,
      sample: 'PROBAND_01',
      build: 'GRCh38',
      records: 11,
      variants: 9,
    });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails with exit 1 and one line naming the file and line for a malformed VCF', () => {
    const bad = withLine(tmp.dir, 'trio.vep.vcf', 25, (l) => l.split('\t').slice(0, -1).join('\t'));
    const r = runCli(['vcf', 'import', '--db', db, '--patient', 'P1', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${bad}:25: 11 columns where the header declares 12`);
    expect(r.stdout).toBe('');
  });

  it('imports the gene-syndrome catalogue', () => {
    const r = runCli(['vcf', 'catalogue', '--db', db, '--json', fixture('genes_to_disease.txt')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ layout: 'genes_to_disease', links: 10, genes: 7 });
  });

  it('refuses a case database that does not exist, creating nothing', () => {
    const missing = join(tmp.dir, 'missing.db');
    const r = runCli(['vcf', 'import', '--db', missing, '--patient', 'P1', fixture('trio.vep.vcf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${missing}: no such case database`);
    expect(existsSync(missing)).toBe(false);
  });

  it('opens an encrypted case database with the key of --key-file, as variants does', () => {
    const encrypted = join(tmp.dir, 'encrypted.db');
    const keyFile = join(tmp.dir, 'passphrase');
    writeFileSync(keyFile, 'a genomics passphrase\n', { mode: 0o600 });
    const created = runCli(['case', 'create', '--db', encrypted, '--id', 'P1'], {
      FACEPHENO_DB_KEY: 'a genomics passphrase',
    });
    expect(created.code).toBe(0);
    for (const args of [
      ['vcf', 'catalogue', '--db', encrypted, fixture('genemap2.txt')],
      ['vcf', 'import', '--db', encrypted, '--patient', 'P1', fixture('trio.vep.vcf')],
      ['variants', '--db', encrypted, '--patient', 'P1'],
    ]) {
      const r = runCli(['--key-file', keyFile, ...args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('refuses wrong arguments with exit 2', () => {
    expect(runCli(['vcf', 'import', '--db', db, fixture('trio.vep.vcf')]).stderr).toContain(
      '--patient is required',
    );
    expect(runCli(['vcf', 'import', '--db', db, '--patient', 'P1']).code).toBe(2);
    expect(runCli(['vcf', 'merge', '--db', db, 'x.vcf']).stderr).toContain("unknown subcommand 'merge'");
    expect(runCli(['vcf', 'import', '--db', db, '--patient', 'P1', '--bogus', 'x.vcf']).code).toBe(2);
  });
});
