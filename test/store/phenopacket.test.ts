import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportPhenopacket, importPhenopacket } from '../../src/main/store/phenopacket.js';
import { repoRoot } from '../support/paths.js';
import { eachBackend, tempStore } from './support.js';

const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', name);
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

eachBackend((backend) => {
  function store(withHpo = true) {
    const t = tempStore(backend);
    cleanups.push(t.remove);
    if (withHpo) t.store.hpo.load(fixture('hpo/hp.obo'));
    return t;
  }

  describe('Phenopacket v2', () => {
    it('imports subject, HPO features and diagnoses (solved, in progress, excluded) with gene and variant', () => {
      const { store: s } = store();
      const p = importPhenopacket(s, fixture('phenopacket/kabuki.json'));
      const view = s.openCase(p.pseudonym);
      expect(view.patient).toMatchObject({
        pseudonym: 'KAB-017',
        sex: 'female',
        birthDate: '2016-04-21',
        birthYear: 2016,
      });
      expect(view.terms.map((t) => [t.termId, t.label, t.excluded])).toEqual([
        ['HP:0000369', 'Low-set ears', false],
        ['HP:0000508', 'Ptosis', false],
        ['HP:0000347', 'Micrognathia', true],
      ]);
      expect(view.diagnoses.map((d) => [d.syndrome, d.omim ?? d.orpha, d.status, d.gene, d.variant])).toEqual(
        [
          ['Kabuki syndrome 1', 'OMIM:147920', 'confirmed', 'KMT2D', 'NM_003482.4:c.16360C>T'],
          ['CHARGE syndrome', 'ORPHA:2322', 'suspected', null, null],
          ['Noonan syndrome 1', 'OMIM:163950', 'excluded', null, null],
        ],
      );
      expect(s.syndromes.findByDiseaseId('OMIM:147920')?.genes).toEqual(['KMT2D']);
      // The import, then the opening of the case above (reads are audited too).
      expect(
        s.audit
          .forPatient('KAB-017')
          .slice(-2)
          .map((e) => e.action),
      ).toEqual(['phenopacket.import', 'case.open']);
    });

    it('exports what it imports: a round trip through a second store keeps the case', () => {
      const a = store();
      importPhenopacket(a.store, fixture('phenopacket/kabuki.json'));
      const packet = exportPhenopacket(a.store, 'KAB-017');
      expect(packet.subject).toEqual({
        id: 'KAB-017',
        dateOfBirth: '2016-04-21T00:00:00Z',
        sex: 'FEMALE',
        taxonomy: { id: 'NCBITaxon:9606', label: 'Homo sapiens' },
      });
      expect(packet.metaData).toMatchObject({
        phenopacketSchemaVersion: '2.0',
        createdBy: expect.stringMatching(/^FacePheno /),
      });
      expect(JSON.stringify(packet.interpretations)).toContain('"syntax":"hgvs.c"');
      const file = join(a.dir, 'out.json');
      writeFileSync(file, JSON.stringify(packet));
      const b = store();
      importPhenopacket(b.store, file);
      const strip = (v: ReturnType<typeof a.store.openCase>) => ({
        patient: { ...v.patient, id: 0, createdAt: '', updatedAt: '' },
        terms: v.terms.map((t) => ({ ...t, recordedAt: '' })),
        diagnoses: v.diagnoses.map((d) => ({ ...d, id: 0, patientId: 0, syndromeId: 0, recordedAt: '' })),
      });
      expect(strip(b.store.openCase('KAB-017'))).toEqual(strip(a.store.openCase('KAB-017')));
    });

    it('refuses an existing id, a malformed packet or an obsolete term, naming the file and importing nothing', () => {
      const t = store();
      const s = t.store;
      importPhenopacket(s, fixture('phenopacket/kabuki.json'));
      const kabuki = fixture('phenopacket/kabuki.json');
      expect(() => importPhenopacket(s, kabuki)).toThrow(
        `${kabuki}: a patient with id 'KAB-017' already exists`,
      );

      const packet = JSON.parse(readFileSync(kabuki, 'utf8'));
      const write = (name: string, doc: unknown) => {
        const f = join(t.dir, name);
        writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
        return f;
      };
      const obsolete = write('obsolete.json', {
        ...packet,
        subject: { ...packet.subject, id: 'NEW-1' },
        phenotypicFeatures: [...packet.phenotypicFeatures, { type: { id: 'HP:0000284', label: 'old' } }],
      });
      expect(() => importPhenopacket(s, obsolete)).toThrow(
        `${obsolete}: HP:0000284 (obsolete Abnormality of the ocular region) is obsolete`,
      );
      expect(s.patients.find('NEW-1')).toBeUndefined();
      const noSubject = write('nosubject.json', { ...packet, subject: undefined });
      expect(() => importPhenopacket(s, noSubject)).toThrow(`${noSubject}: not a Phenopacket v2: subject:`);
      const badSex = write('badsex.json', { ...packet, subject: { id: 'NEW-2', sex: 'F' } });
      expect(() => importPhenopacket(s, badSex)).toThrow(/not a Phenopacket v2: subject\.sex/);
      const notJson = write('broken.json', '{"id": ');
      expect(() => importPhenopacket(s, notJson)).toThrow(`${notJson}: not a readable JSON file`);
      expect(s.patients.count()).toBe(1);
    });

    it('exports a syndrome without catalogue ids under a local id, and re-imports it by name', () => {
      const t = store(false);
      const s = t.store;
      const p = s.patients.create({ pseudonym: 'G-1', sex: 'male', birthYear: 2010 });
      const down = s.syndromes.ensure({ name: 'down_syndrome' });
      s.diagnoses.set(p, { syndromeId: down.id, status: 'confirmed' });
      const packet = exportPhenopacket(s, 'G-1');
      expect(packet.subject).not.toHaveProperty('dateOfBirth');
      expect(packet.diseases).toEqual([{ term: { id: 'FACEPHENO:down_syndrome', label: 'down_syndrome' } }]);
      s.patients.delete('G-1');
      const file = join(t.dir, 'g1.json');
      writeFileSync(file, JSON.stringify(packet));
      importPhenopacket(s, file);
      expect(s.diagnoses.forPatient(s.patients.get('G-1').id).map((d) => [d.syndromeId, d.status])).toEqual([
        [down.id, 'confirmed'],
      ]);
    });
  });
});
