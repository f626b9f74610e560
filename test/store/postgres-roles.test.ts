/**
 * Issue 15, finding 4: a department database's roles are the server's, tested by connecting as each one.
 * The owner sets them up with the real command; a clinician's and a researcher's logins then connect.
 */
import { deleteCase } from '../../src/main/usecases/case-life.js';
import { Workspace } from '../../src/main/usecases/workspace.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDb } from '../../src/main/store/postgres/database.js';
import { parsePostgresTarget } from '../../src/main/store/postgres/target.js';
import { sha256Hex } from '../../src/main/store/photo-files.js';
import { Store } from '../../src/main/store/store.js';
import { scratch } from '../genomics/support.js';
import { runCli } from '../support/cli.js';
import { adminConnection, postgresSkip, postgresUrl } from '../support/postgres.js';
import { fillSyntheticStore, model } from '../support/synthetic-store.js';

const tmp = scratch();
const photosDir = join(tmp.dir, 'photos');
const tag = randomBytes(4).toString('hex');
const schema = `r_${tag}`;
const research = `${schema}_research`;
const owner = `fp_owner_${tag}`;
const clinician = `fp_clin_${tag}`;
const researcher = `fp_res_${tag}`;
const stranger = `fp_none_${tag}`;
const secrets = ['JANE_DOE_MRN123', 'NOTE_SECRET_TEXT', '1999-04-02', 'jane-doe-face.jpg', 'MOTHER_MRN777'];

/** The test server's URL as `login` (their passwords are set; the test server trusts 127.0.0.1). */
function urlAs(login: string, withSchema = true): string {
  const u = new URL(postgresUrl ?? '');
  u.username = login;
  u.password = `pw-${login}`;
  if (withSchema) u.searchParams.set('schema', schema);
  return u.toString();
}

const connectAs = (login: string) =>
  PostgresDb.connect(parsePostgresTarget(urlAs(login, false)), { lockTimeoutMs: 5000 });
const env = { FACEPHENO_PHOTOS_DIR: photosDir, FACEPHENO_DATA_DIR: tmp.dir, FACEPHENO_ROLE: '' };

describe.skipIf(postgresSkip !== false)(
  postgresSkip === false ? 'department roles enforced by PostgreSQL' : `roles (skipped: ${postgresSkip})`,
  () => {
    beforeAll(async () => {
      const admin = adminConnection();
      try {
        const db = admin.prepare('SELECT current_database()').pluck().get() as string;
        admin.exec(`CREATE ROLE ${owner} LOGIN CREATEROLE PASSWORD 'pw-${owner}';
          GRANT CREATE ON DATABASE ${db} TO ${owner};
          CREATE ROLE ${clinician} LOGIN PASSWORD 'pw-${clinician}';
          CREATE ROLE ${researcher} LOGIN PASSWORD 'pw-${researcher}';
          CREATE ROLE ${stranger} LOGIN PASSWORD 'pw-${stranger}';`);
      } finally {
        admin.close();
      }
      // The owner's store: the synthetic gallery, and a patient with everything a researcher must not see.
      await fillSyntheticStore(urlAs(owner), { photosDir });
      const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
        .jpeg()
        .toBuffer();
      const store = Store.open(urlAs(owner), { photosDir, osUser: 'owner' });
      try {
        store.patients.create({
          pseudonym: 'JANE_DOE_MRN123',
          sex: 'female',
          birthYear: 1999,
          birthDate: '1999-04-02',
          notes: 'NOTE_SECRET_TEXT',
        });
        const analysis = {
          file: 'jane-doe-face.jpg',
          width: 8,
          height: 8,
          faces: [],
          primary: null,
          aligned: null,
        };
        store.addPhotos(
          'JANE_DOE_MRN123',
          [{ file: 'jane-doe-face.jpg', bytes: jpeg, sha256: sha256Hex(jpeg), analysis }],
          { provider: 'cpu', embeddingModels: [model] },
        );
        store.db
          .prepare(
            `INSERT INTO vcf_imports (patient_id, file_name, sha256, bytes, vcf_version, sample, samples,
              annotation_sources, records, not_carried, imported_at, app_version)
             SELECT id, 'JANE_DOE_MRN123.vcf', ?, 10, 'VCFv4.2', 'JANE_DOE_MRN123',
              '["MOTHER_MRN777","JANE_DOE_MRN123"]', '[]', 0, 0, 'now', 'test'
             FROM patients WHERE pseudonym = 'JANE_DOE_MRN123'`,
          )
          .run('c'.repeat(64));
      } finally {
        store.close();
      }
      for (const args of [
        ['roles', 'setup', '--db', urlAs(owner)],
        ['roles', 'grant', '--db', urlAs(owner), '--login', clinician, '--role', 'clinician'],
        ['roles', 'grant', '--db', urlAs(owner), '--login', researcher, '--role', 'researcher'],
      ]) {
        const r = runCli(args, env);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      }
    }, 120_000);

    afterAll(() => {
      const admin = adminConnection();
      try {
        admin.exec(`DROP SCHEMA IF EXISTS ${research} CASCADE; DROP SCHEMA IF EXISTS ${schema} CASCADE;`);
        for (const r of [
          clinician,
          researcher,
          stranger,
          `facepheno_${schema}_clinician`,
          `facepheno_${schema}_researcher`,
        ])
          admin.exec(`DROP ROLE IF EXISTS ${r}`);
        admin.exec(`REASSIGN OWNED BY ${owner} TO CURRENT_USER; DROP OWNED BY ${owner}; DROP ROLE ${owner}`);
      } finally {
        admin.close();
      }
    });

    it('the researcher cannot read the base tables, nor the pseudonyms key', () => {
      const db = connectAs(researcher);
      try {
        for (const table of ['patients', 'photos', 'vcf_imports', 'audit_log', 'patient_terms'])
          expect(() => db.prepare(`SELECT * FROM ${schema}.${table}`).all()).toThrow(
            /refused .*permission denied/,
          );
        expect(() => db.prepare(`SELECT * FROM ${research}.pseudonym_key`).all()).toThrow(
          /permission denied/,
        );
      } finally {
        db.close();
      }
    });

    it('its views hold no notes, birth date, file names, sample names or photo files; ids are pseudonyms', () => {
      const db = connectAs(researcher);
      try {
        const views = db
          .prepare(`SELECT table_name FROM information_schema.views WHERE table_schema = ?`)
          .pluck()
          .all(research) as string[];
        expect(views).toEqual(expect.arrayContaining(['patients', 'photos', 'vcf_imports', 'audit_log']));
        const everything = JSON.stringify(
          views.map((v) => db.prepare(`SELECT * FROM ${research}.${v}`).all()),
          (_k, v: unknown) => (v instanceof Uint8Array ? undefined : v),
        );
        for (const s of secrets) expect(everything).not.toContain(s);
        const patients = db.prepare(`SELECT * FROM ${research}.patients`).all() as {
          pseudonym: string;
          notes: string;
          birth_year: number | null;
          age_band: string | null;
        }[];
        expect(patients.length).toBe(15);
        for (const p of patients) expect(p.pseudonym).toMatch(/^R-[0-9a-f]{16}$/);
        expect(patients.filter((p) => p.age_band !== null)).toHaveLength(1);
        // Stable: the same pseudonym each time, and the photos' file hashes name no file there is.
        const again = db.prepare(`SELECT pseudonym FROM ${research}.patients ORDER BY id`).pluck().all();
        expect(again).toEqual(
          db.prepare(`SELECT pseudonym FROM ${research}.patients ORDER BY id`).pluck().all(),
        );
        const vcf = db.prepare(`SELECT sample, samples, file_name FROM ${research}.vcf_imports`).get();
        expect(vcf).toEqual({
          sample: 'sample 2',
          samples: '["sample 1", "sample 2"]',
          file_name: expect.stringMatching(/^vcf \d+$/),
        });
      } finally {
        db.close();
      }
    });

    it('the researcher cannot insert, update or delete cases, terms, diagnoses or sex', () => {
      const db = connectAs(researcher);
      try {
        for (const sql of [
          `UPDATE ${research}.patients SET sex = 'male'`,
          `DELETE FROM ${research}.patients`,
          `INSERT INTO ${research}.patients (sex, created_at, updated_at) VALUES ('male', 'a', 'a')`,
          `INSERT INTO ${research}.patient_terms (patient_id, term_id, label, excluded, recorded_at)
            SELECT id, 'HP:0000001', 'x', 0, 'a' FROM ${research}.patients LIMIT 1`,
          `DELETE FROM ${research}.patient_terms`,
          `UPDATE ${research}.diagnoses SET status = 'excluded'`,
          `DELETE FROM ${research}.diagnoses`,
          `UPDATE ${schema}.patients SET sex = 'male'`,
          `DELETE FROM ${schema}.diagnoses`,
          `CREATE TABLE ${research}.mine (x int)`,
        ])
          expect(() => db.exec(sql), sql).toThrow(/permission denied/);
      } finally {
        db.close();
      }
    });

    it('the store opens as researcher from the server, lists pseudonyms and audits the reads', () => {
      const store = Store.open(urlAs(researcher), { photosDir, osUser: 'res' });
      try {
        expect(store.role).toBe('researcher');
        expect(store.access).toMatch(/enforced by the PostgreSQL server/);
        const list = store.patients.list({ limit: 100 });
        expect(list.total).toBe(15);
        for (const r of list.rows) expect(r.pseudonym).toMatch(/^R-/);
        const jane = list.rows.find((r) => r.ageBand !== null && r.ageBand !== undefined);
        expect(jane?.notes).toBe('');
        const view = store.openCase(jane?.pseudonym ?? '');
        expect(view.photos[0]?.originalName).toMatch(/^photo \d+$/);
        // No photo file: the row names none a researcher could open, and reading one is refused, saying why.
        const shown = view.photos[0];
        if (shown) expect(() => store.photoBytes(shown)).toThrow(/a researcher's login sees no photos/);
        // The gallery is there to match against: embeddings and labels, under the pseudonyms.
        const gallery = store.galleryEmbeddings(model.id);
        expect(gallery.length).toBe(12);
        for (const g of gallery) expect(g.patient).toMatch(/^R-/);
        expect(() => store.patients.update(jane?.pseudonym ?? '', { sex: 'male' })).toThrow(
          /refused this to your login/,
        );
        // Deleting is refused by the use case, and past it by the server; nothing goes.
        expect(() => deleteCase(new Workspace(store), jane?.pseudonym ?? '')).toThrow(
          'a researcher cannot delete a case: a clinician can',
        );
        expect(() => store.deletePatient(jane?.pseudonym ?? '')).toThrow(/refused this to your login/);
        expect(store.patients.list({ limit: 100 }).total).toBe(15);
      } finally {
        store.close();
      }
      // The entry is in the clinicians' log, naming the real patient and the researcher's login.
      const owned = connectAs(owner);
      try {
        const e = owned
          .prepare(`SELECT os_user, patient FROM ${schema}.audit_log WHERE action = 'case.open'`)
          .get();
        expect(e).toEqual({ os_user: `res (${researcher}, researcher)`, patient: 'JANE_DOE_MRN123' });
      } finally {
        owned.close();
      }
      // Chained by the owner's trigger: a clinician's entry follows the researcher's, and the chain verifies.
      const clinicianStore = Store.open(urlAs(clinician), { photosDir, osUser: 'clin' });
      try {
        clinicianStore.patients.list({ limit: 1 });
        expect(clinicianStore.audit.verify()).toMatchObject({ ok: true });
      } finally {
        clinicianStore.close();
      }
    });

    it('FACEPHENO_ROLE=clinician with a researcher login is refused; a login without a role too', () => {
      expect(() => Store.open(urlAs(researcher), { photosDir, role: 'clinician' })).toThrow(
        /FACEPHENO_ROLE is clinician, but the server gives login '.*' the researcher role/,
      );
      expect(() => Store.open(urlAs(stranger), { photosDir })).toThrow(/has no FacePheno role on schema/);
    });

    it("the clinician does the app's work but no DDL", () => {
      const store = Store.open(urlAs(clinician), { photosDir, osUser: 'clin' });
      try {
        expect(store.role).toBe('clinician');
        store.patients.create({ pseudonym: 'NEW_CASE', sex: 'male', notes: 'seen today' });
        store.patients.update('NEW_CASE', { sex: 'female' });
        expect(store.openCase('JANE_DOE_MRN123').patient.notes).toBe('NOTE_SECRET_TEXT');
        const s = store.syndromes.ensure({ name: 'Kabuki syndrome' });
        store.diagnoses.set(store.patients.get('NEW_CASE'), { syndromeId: s.id, status: 'suspected' });
        store.deletePatient('NEW_CASE');
        expect(() => store.db.exec(`CREATE TABLE ${schema}.mine (x int)`)).toThrow(/permission denied/);
      } finally {
        store.close();
      }
    });

    it('the command run as researcher lists the cases pseudonymised, and refuses FACEPHENO_ROLE=clinician', () => {
      const r = runCli(['case', 'list', '--db', urlAs(researcher), '--limit', '100'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/R-[0-9a-f]{16}/);
      for (const s of secrets) expect(r.stdout).not.toContain(s);
      const refused = runCli(['case', 'list', '--db', urlAs(researcher)], {
        ...env,
        FACEPHENO_ROLE: 'clinician',
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/FACEPHENO_ROLE is clinician, but the server gives login/);
    });
  },
);
