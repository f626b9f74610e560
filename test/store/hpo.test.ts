import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOntology } from '../../src/main/store/hpo/parse.js';
import { repoRoot } from '../support/paths.js';
import { eachBackend, tempDir, tempStore } from './support.js';

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'hpo', name);
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

eachBackend((backend) => {
  function store() {
    const t = tempStore(backend);
    cleanups.push(t.remove);
    return t.store;
  }

  describe('HPO ontology', () => {
    it('reads the same terms, synonyms, parents and obsoletes from hp.json (OBO Graphs) and hp.obo', () => {
      const json = readOntology(fixture('hp.json'));
      const obo = readOntology(fixture('hp.obo'));
      const byId = (o: typeof json) => [...o.terms].sort((a, b) => a.id.localeCompare(b.id));
      expect(json.version).toBe('hp/releases/2024-08-13');
      expect(obo.version).toBe(json.version);
      expect(byId(obo)).toEqual(byId(json));
      expect(json.terms).toHaveLength(12); // the UBERON class and the property are not HPO terms
      expect(json.terms.find((t) => t.id === 'HP:0000347')).toEqual({
        id: 'HP:0000347',
        name: 'Micrognathia',
        definition: 'Developmental hypoplasia of the mandible.',
        synonyms: ['Small jaw', 'Small lower jaw', 'Mandibular hypoplasia'],
        parents: ['HP:0000271'],
        obsolete: false,
        replacedBy: null,
        consider: [],
        altIds: [],
      });
      expect(json.terms.find((t) => t.id === 'HP:0000316')?.altIds).toEqual(['HP:0000578']);
      expect(json.terms.find((t) => t.id === 'HP:0000284')).toMatchObject({
        obsolete: true,
        replacedBy: 'HP:0000271',
      });
    });

    it.each(['hp.json', 'hp.obo'])('loads %s and searches by id, name and synonym, best first', (name) => {
      const s = store();
      const release = s.hpo.load(fixture(name));
      expect(release).toMatchObject({ version: 'hp/releases/2024-08-13', terms: 10 });
      expect(s.hpo.search('HP:0000316')).toEqual([
        { id: 'HP:0000316', name: 'Hypertelorism', synonym: null },
      ]);
      expect(s.hpo.search('0000316')[0]?.id).toBe('HP:0000316');
      expect(s.hpo.search('micro')).toEqual([{ id: 'HP:0000347', name: 'Micrognathia', synonym: null }]);
      expect(s.hpo.search('wide-set')).toEqual([
        { id: 'HP:0000316', name: 'Hypertelorism', synonym: 'Wide-set eyes' },
      ]);
      expect(s.hpo.search('jaw')).toEqual([{ id: 'HP:0000347', name: 'Micrognathia', synonym: 'Small jaw' }]);
      // names that start with the text first (shortest first), then names that contain it; never obsolete terms
      expect(s.hpo.search('abnormality').map((h) => h.id)).toEqual([
        'HP:0000271',
        'HP:0000234',
        'HP:0000152',
        'HP:0000118',
      ]);
      expect(s.hpo.search('ocular region')).toEqual([]);
      expect(s.hpo.term('HP:0000271')).toMatchObject({
        parents: ['HP:0000234'],
        synonyms: ['Anomaly of the face', 'Facial abnormality'],
      });
    });

    it('gives patients current terms only, naming the replacement of an obsolete one', () => {
      const s = store();
      s.hpo.load(fixture('hp.obo'));
      const p = s.patients.create({ pseudonym: 'P1' });
      s.terms.set(p, { termId: 'HP:0000316' });
      s.terms.set(p, { termId: 'HP:0000508', excluded: true, label: 'ignored: the ontology names it' });
      expect(s.terms.forPatient(p.id).map((t) => [t.termId, t.label, t.excluded])).toEqual([
        ['HP:0000316', 'Hypertelorism', false],
        ['HP:0000508', 'Ptosis', true],
      ]);
      expect(() => s.terms.set(p, { termId: 'HP:0000284' })).toThrow(
        'HP:0000284 (obsolete Abnormality of the ocular region) is obsolete in HPO hp/releases/2024-08-13; use HP:0000271 instead',
      );
      expect(() => s.terms.set(p, { termId: 'HP:0000578' })).toThrow(
        /HP:0000578 \(Hypertelorism\) .*use HP:0000316 instead/,
      );
      expect(() => s.terms.set(p, { termId: 'HP:0000053' })).toThrow(
        /HP:0000053 .* is obsolete in HPO [^;]*$/,
      );
      expect(() => s.terms.set(p, { termId: 'HP:9999999' })).toThrow(
        'HP:9999999 is not a term of the loaded HPO (hp/releases/2024-08-13)',
      );
      expect(() => s.terms.set(p, { termId: 'HP:12' })).toThrow(/is not an HPO id/);
      expect(s.terms.forPatient(p.id)).toHaveLength(2);
    });

    it('without an ontology loaded checks the id form only and keeps the given label', () => {
      const s = store();
      const p = s.patients.create({ pseudonym: 'P1' });
      s.terms.set(p, { termId: 'HP:0000347', label: 'Micrognathia' });
      expect(s.terms.forPatient(p.id)[0]).toMatchObject({ label: 'Micrognathia' });
      expect(() => s.terms.set(p, { termId: 'Micrognathia' })).toThrow(/is not an HPO id/);
    });

    it('replaces a loaded ontology whole, and refuses bad files naming file and line', () => {
      const s = store();
      s.hpo.load(fixture('hp.json'));
      s.hpo.load(fixture('hp.obo'));
      expect(s.hpo.release()?.terms).toBe(10);
      const t = tempDir();
      cleanups.push(t.remove);
      const bad = join(t.dir, 'bad.obo');
      writeFileSync(bad, 'format-version: 1.2\n\n[Term]\nid: HP:0000001\nname: All\ndef: no quotes here\n');
      expect(() => s.hpo.load(bad)).toThrow(`${bad}:6: expected a quoted text`);
      const notHpo = join(t.dir, 'go.json');
      writeFileSync(notHpo, JSON.stringify({ graphs: [{ nodes: [{ id: 'GO:1', lbl: 'x' }], edges: [] }] }));
      expect(() => s.hpo.load(notHpo)).toThrow(`${notHpo}: no HPO root term HP:0000001`);
      const broken = join(t.dir, 'broken.json');
      writeFileSync(broken, '{"graphs": [');
      expect(() => s.hpo.load(broken)).toThrow(new RegExp(`^${broken}: not valid JSON`));
      expect(() => s.hpo.load(join(t.dir, 'missing.obo'))).toThrow(/cannot read the ontology/);
      expect(s.hpo.release()?.terms).toBe(10);
    });
  });
});
