import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { scratch } from '../genomics/support.js';

const tmp = scratch();
const db = join(tmp.dir, 'cases.db');
const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'hpo', name);

beforeAll(() => {
  expect(runCli(['case', 'create', '--db', db, '--id', 'P1']).code).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('facepheno hpo load', () => {
  it.each(['hp.obo', 'hp.json'])('loads %s and prints its data-version', (name) => {
    const r = runCli(['hpo', 'load', '--db', db, fixture(name)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^HPO hp\/releases\/2024-08-13: \d+ current terms loaded from .*hp\.(obo|json)\n$/,
    );
  });

  it('loads an old release in which two terms share an alternative id (the 2015 release does)', () => {
    const obo = join(tmp.dir, 'shared-alt.obo');
    writeFileSync(
      obo,
      [
        'format-version: 1.2',
        'data-version: releases/2015-01-27',
        '',
        '[Term]',
        'id: HP:0000001',
        'name: All',
        '',
        '[Term]',
        'id: HP:0000118',
        'name: Phenotypic abnormality',
        'alt_id: HP:0009039',
        'is_a: HP:0000001',
        '',
        '[Term]',
        'id: HP:0000707',
        'name: Abnormality of the nervous system',
        'alt_id: HP:0009039',
        'is_a: HP:0000118',
        '',
      ].join('\n'),
    );
    const r = runCli(['hpo', 'load', '--db', db, '--json', obo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: 'releases/2015-01-27', terms: 3 });
  });

  it('--json prints the release the store now holds', () => {
    const r = runCli(['hpo', 'load', '--db', db, '--json', fixture('hp.obo')]);
    expect(r.code).toBe(0);
    const release = JSON.parse(r.stdout) as { version: string; terms: number };
    expect(release.version).toBe('hp/releases/2024-08-13');
    expect(release.terms).toBeGreaterThan(5);
  });

  it('refuses a file that is no HPO release, naming it, and loads a real one after', () => {
    const bad = join(tmp.dir, 'not-hpo.obo');
    writeFileSync(bad, 'this is not an ontology\n');
    const r = runCli(['hpo', 'load', '--db', db, bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(bad);
    const again = runCli(['hpo', 'load', '--db', db, '--json', fixture('hp.json')]);
    expect(again.code).toBe(0);
  });

  it('refuses a database that does not exist and a missing file name as usage', () => {
    const none = runCli(['hpo', 'load', '--db', join(tmp.dir, 'none.db'), fixture('hp.obo')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no such case database');
    const missing = runCli(['hpo', 'load', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('hp.obo or hp.json');
  });
});
