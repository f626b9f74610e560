import { closeSync, existsSync, openSync } from 'node:fs';
import { makePrivateDir } from '../sealed-file.js';
import { basename, dirname, extname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.js';
import type { FacePipeline } from '../face/pipeline.js';
import { appVersion } from '../version.js';
import { dialectOf, type Db } from './db.js';
import { unlockDatabase } from './encryption.js';
import { saveUserKey } from './user-keys.js';
import {
  writeGallery,
  type GalleryRow,
  type GalleryWriteOptions,
  type GalleryWritten,
} from './gallery-import.js';
import { migrate, type Migration } from './migrate.js';
import * as allMigrations from './migrations/index.js';
import { PhotoFiles, photoSealKey } from './photo-files.js';
import * as postgresChecks from './postgres/checks.js';
import { PostgresDb } from './postgres/database.js';
import { roleGroups, serverRole } from './postgres/roles.js';
import { isPostgresUrl, parsePostgresTarget, type PostgresTarget } from './postgres/target.js';
import type { Role } from './roles.js';
import { AuditLog } from './repos/audit.js';
import { storeConfig, type StoreConfig, type StoreSettings } from './config.js';
import { Diagnoses, type Diagnosis } from './repos/diagnoses.js';
import { Faces, type StoredFace } from './repos/faces.js';
import { Gallery, type GalleryEmbedding } from './repos/gallery.js';
import { GenomicsRepository } from './repos/genomics.js';
import { Hpo } from './repos/hpo.js';
import { Patients, type Patient } from './repos/patients.js';
import { Photos, type AnalyzedPhoto, type Photo } from './repos/photos.js';
import { AnalysisSettingsRepo } from './repos/settings.js';
import { Syndromes } from './repos/syndromes.js';
import { PatientTerms, type PatientTerm } from './repos/terms.js';
import { busyError } from './postgres/database.js';
import { storageError, unwritableFolder } from './storage-errors.js';

/** The pipeline facts a stored analysis records besides its results. */
export type PhotoAnalyzer = Pick<FacePipeline, 'analyze' | 'embeddingModels' | 'provider'>;

/** How a store is opened besides its configuration. */
export interface OpenOptions {
  /**
   * 'read': a worker's second view of a store its process has open: SQLite read-only, no migration (the
   * opener migrated it), no sweep of the photo folder (files being written belong to the opener).
   */
  access?: 'write' | 'read';
  /** How long to wait for another process's write to finish before giving up (default 10 s). */
  busyTimeoutMs?: number;
  /** For tests that build old-version databases: the migrations to apply (default: all). */
  migrations?: readonly Migration[];
}

/**
 * Store.open's settings: those not given come from the environment (storeConfig). A PostgreSQL store
 * needs a photo folder; its key, if any, seals that folder's photos (the server protects the rows).
 */
export type StoreOptions = StoreSettings & OpenOptions;

export interface CaseView {
  patient: Patient;
  photos: (Photo & { faces: StoredFace[] })[];
  diagnoses: Diagnosis[];
  terms: PatientTerm[];
}

export { UNAFFECTED_LABEL, type GalleryEmbedding } from './repos/gallery.js';

export interface AddedPhoto {
  file: string;
  photoId: number;
  faces: number;
  /** False when no face was found: the photo is stored and reported, never silently dropped. */
  faceFound: boolean;
}

export interface ConsistencyReport {
  integrity: string;
  foreignKeyViolations: number;
  /** Photo rows whose file is missing. */
  missingFiles: string[];
  /** Files in the photo folder that no row names. */
  unreferencedFiles: string[];
}

/** What a deleted case held, as its audit entry records it. */
export interface CaseRemoved {
  photos: number;
  vcfImports: number;
  diagnoses: number;
  terms: number;
}

/** The photo folder that belongs to a database file: cases.db -> cases.photos beside it. */
export function photosDirFor(file: string): string {
  const abs = resolve(file);
  return join(dirname(abs), `${basename(abs, extname(abs))}.photos`);
}

/**
 * The case store: a database and its content-addressed photo folder. The database is a SQLite file
 * (WAL, foreign keys on), the default, or a PostgreSQL schema shared by a department's workstations.
 */
export class Store {
  readonly patients: Patients;
  readonly photos: Photos;
  readonly faces: Faces;
  readonly settings: AnalysisSettingsRepo;
  readonly syndromes: Syndromes;
  readonly diagnoses: Diagnoses;
  readonly terms: PatientTerms;
  readonly hpo: Hpo;
  readonly audit: AuditLog;
  readonly files: PhotoFiles;
  readonly gallery: Gallery;
  readonly genomics: GenomicsRepository;
  /** Photo files without a row that this open removed (left by a crash in the middle of a write). */
  readonly swept: number;
  /** The role this store is open as: on PostgreSQL the server's, on SQLite the one asked for. */
  readonly role: Role;
  /** What the role means here: enforced by the server, or a display mode (Settings shows it). */
  readonly access: string;
  /** Why the connection to a PostgreSQL server is less protected than TLS with verification; else null. */
  readonly connectionWarning: string | null;

  private constructor(
    readonly db: Db,
    /** The SQLite file, or the PostgreSQL URL without its password. */
    readonly file: string,
    /** How it was opened: what a worker thread needs to open the same store (see StoreConfig). */
    readonly config: StoreConfig,
    opts: OpenOptions & { photosDir: string; roleAccess: string; connectionWarning?: string | null },
    /** A further connection to the same database (for work that must not share this one's transaction). */
    readonly connect: () => Db,
  ) {
    // Photos sealed under a key derived from the database key (a department's key on PostgreSQL).
    this.files = new PhotoFiles(opts.photosDir, photoSealKey(config.key));
    const role = config.role ?? 'clinician';
    this.role = role;
    this.access = opts.roleAccess;
    this.connectionWarning = opts.connectionWarning ?? null;
    // A researcher's login reads the research views, where no row names a photo file and nothing is written.
    const research = role === 'researcher' && dialectOf(db) === 'postgres';
    this.audit = new AuditLog(db, config.osUser, role, research);
    this.patients = new Patients(db, this.audit, role);
    this.faces = new Faces(db);
    this.photos = new Photos(db, this.files, this.faces, this.audit, role);
    this.settings = new AnalysisSettingsRepo(db);
    this.syndromes = new Syndromes(db);
    this.diagnoses = new Diagnoses(db, this.audit);
    this.hpo = new Hpo(db);
    this.terms = new PatientTerms(db, this.hpo, this.audit);
    this.gallery = new Gallery(db, { keepsFits: !research });
    this.genomics = new GenomicsRepository(this);
    // Under the write lock: a writer holds it while it writes files, so only a dead writer's files are swept.
    this.swept =
      opts.access === 'read' || research
        ? 0
        : db.transaction(() => this.files.sweep(this.photos.referenced())).immediate();
  }

  /**
   * Opens (creating and migrating as needed) the case database at `target`: a SQLite file, or a
   * postgres:// URL (`?schema=name` chooses the schema, created if missing; default: the server's).
   * A PostgreSQL store keeps its photo files, content-addressed as a SQLite store's, in a folder shared
   * by every workstation (opts.photosDir or FACEPHENO_PHOTOS_DIR): one folder per store, never shared
   * between stores, since opening a store removes the files none of its rows names.
   */
  static open(target: string, opts: StoreOptions = {}): Store {
    return Store.openConfig(storeConfig(target, opts), opts);
  }

  /** Opens the store a configuration names, as it says: the environment is not read. */
  static openConfig(config: StoreConfig, opts: OpenOptions = {}): Store {
    return isPostgresUrl(config.target)
      ? Store.openPostgres(parsePostgresTarget(config.target), config, opts)
      : Store.openSqlite(resolve(config.target), config, opts);
  }

  private static openSqlite(abs: string, config: StoreConfig, opts: OpenOptions): Store {
    const readOnly = opts.access === 'read';
    let db: Database.Database | undefined;
    const connect = (): Database.Database => {
      const c = new Database(abs, { timeout: opts.busyTimeoutMs ?? 10_000, readonly: readOnly });
      try {
        unlockDatabase(c, config.key, abs);
        c.pragma('foreign_keys = ON');
        // Clinical records: a committed change survives a power cut, not only a crash.
        c.pragma('synchronous = FULL');
        return c;
      } catch (err) {
        c.close();
        throw err;
      }
    };
    try {
      const created = !readOnly && !existsSync(abs);
      // A new data folder is the user's alone; an existing one is left as the user set it.
      if (created && !existsSync(dirname(abs))) makePrivateDir(dirname(abs));
      // A new database's key is saved before the database exists, so it is never there without it.
      if (created && config.newKey && config.keyFile !== undefined && config.key !== undefined)
        saveUserKey(config.keyFile, config.key);
      // Only the user may read the database (and so its WAL, which SQLite gives the database's mode):
      // the empty file made 0600 first, which SQLite then takes for a new database.
      if (created) closeSync(openSync(abs, 'a', 0o600));
      db = connect();
      if (!readOnly) {
        db.pragma('journal_mode = WAL');
        migrate(db, abs, opts.migrations ?? Object.values(allMigrations), appVersion);
      }
      const photosDir = config.photosDir ?? photosDirFor(abs);
      const role = config.role ?? 'clinician';
      return new Store(
        db,
        abs,
        { ...config, target: abs, role },
        { ...opts, photosDir, roleAccess: displayMode(role) },
        connect,
      );
    } catch (err) {
      db?.close();
      const storage = storageError(err, abs);
      if (storage instanceof UserError) throw storage;
      const { code, syscall } = err as { code?: string; syscall?: string };
      const folder = code === 'SQLITE_CANTOPEN' ? unwritableFolder(dirname(abs)) : undefined;
      if (folder) throw folder;
      if (code === 'SQLITE_BUSY') throw busyError(abs, err);
      if (syscall || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code === 'SQLITE_CANTOPEN')
        throw new UserError(`cannot open the case database: ${(err as Error).message}`, {
          file: abs,
          cause: err,
        });
      throw err;
    }
  }

  private static openPostgres(target: PostgresTarget, config: StoreConfig, opts: OpenOptions): Store {
    // The rows are the server's to protect; a key given here (the department's) seals the shared photo folder.
    const photosDir = config.photosDir;
    if (!photosDir)
      throw new UserError(
        'a PostgreSQL case database keeps its photos in a folder every workstation shares: set ' +
          'FACEPHENO_PHOTOS_DIR to it',
        { file: target.display },
      );
    let access = '';
    let role: Role | undefined;
    // Every connection of the store, the first and any further one, takes the role the server gives.
    const connect = (): PostgresDb => {
      const c = PostgresDb.connect(target, { lockTimeoutMs: opts.busyTimeoutMs ?? 10_000 });
      try {
        const server = serverRole(c, target.schema);
        if (server.role === null)
          throw new UserError(
            `login '${server.login}' has no FacePheno role on schema '${server.schema}': its owner grants one ` +
              `(facepheno roles grant --login ${server.login} --role clinician|researcher)`,
            { file: target.display },
          );
        if (config.role !== undefined && config.role !== server.role)
          throw new UserError(
            `FACEPHENO_ROLE is ${config.role}, but the server gives login '${server.login}' the ` +
              `${server.role} role on schema '${server.schema}': the department database decides the role; ` +
              `unset FACEPHENO_ROLE or connect with a ${config.role}'s login`,
            { file: target.display },
          );
        if (server.role === 'researcher') c.exec(`SET search_path TO ${roleGroups(server.schema).research}`);
        role = server.role;
        access =
          server.role === 'researcher'
            ? `enforced by the PostgreSQL server: login ${server.login} is a researcher of schema ${server.schema} ` +
              `and reads only its pseudonymised views (${roleGroups(server.schema).research}); it cannot change anything`
            : `enforced by the PostgreSQL server: login ${server.login} is ${server.owner ? 'the owner' : 'a clinician'} ` +
              `of schema ${server.schema}`;
        return c;
      } catch (err) {
        c.close();
        throw err;
      }
    };
    const db = connect();
    try {
      if (opts.access !== 'read')
        migrate(db, target.display, opts.migrations ?? Object.values(allMigrations), appVersion);
      const settled = { ...config, role: role ?? 'clinician', photosDir: resolve(photosDir) };
      return new Store(
        db,
        target.display,
        settled,
        {
          ...opts,
          photosDir: settled.photosDir,
          roleAccess: access,
          connectionWarning: target.security.warning,
        },
        connect,
      );
    } catch (err) {
      db.close();
      throw storageError(err, target.display);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one write transaction (taken at the start, so reads inside it are current). */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      throw storageError(err, this.file);
    }
  }

  /**
   * A stored photo's bytes, unsealed and checked against its sha256, to read its pixels. A researcher's login on a department database reads
   * none: its rows name no file (the research views hide the photos' hashes), only faces' landmarks and
   * embeddings, and the refusal says so instead of a missing file.
   */
  photoBytes(photo: Photo): Buffer {
    if (this.role === 'researcher' && dialectOf(this.db) === 'postgres')
      throw new UserError(
        "a researcher's login sees no photos on the department database, only the faces' landmarks and " +
          'embeddings: a clinician can open the photo',
      );
    return this.files.read(photo.sha256);
  }

  /**
   * A user opening a case: everything shown, and the opening audited (who read which case, when), as every
   * change is. A store that cannot record it (read-only, full) refuses the read with the reason.
   */
  openCase(pseudonym: string): CaseView {
    const patient = this.patients.get(pseudonym);
    this.audit.record('case.open', patient.pseudonym);
    return this.caseOf(patient);
  }

  /**
   * The same view without an audit entry, for the program's own reads of a case the user already has open
   * (the case shown again after a change, a heatmap's photo list): those are not a person reading it.
   */
  caseView(pseudonym: string): CaseView {
    return this.caseOf(this.patients.get(pseudonym));
  }

  private caseOf(patient: Patient): CaseView {
    return {
      patient,
      photos: this.photos.forPatient(patient.id).map((p) => ({ ...p, faces: this.faces.forPhoto(p.id) })),
      diagnoses: this.diagnoses.forPatient(patient.id),
      terms: this.terms.forPatient(patient.id),
    };
  }

  /** Stores analysed photos of a patient, all or none, with the settings that produced them. */
  addPhotos(
    pseudonym: string,
    photos: AnalyzedPhoto[],
    analyzer: Omit<PhotoAnalyzer, 'analyze'>,
  ): AddedPhoto[] {
    const models = new Map(analyzer.embeddingModels.map((m) => [m.id, m]));
    return this.transaction(() => {
      const patient = this.patients.get(pseudonym);
      const settingsId = this.settings.intern({
        appVersion,
        provider: analyzer.provider,
        embeddingModels: analyzer.embeddingModels,
      });
      return photos.map((p) => ({
        file: p.file,
        photoId: this.photos.add(patient, p, settingsId, models),
        faces: p.analysis.faces.length,
        faceFound: p.analysis.primary !== null,
      }));
    });
  }

  /** Removes a photo (and its faces); its file goes when no other row names it. Returns the photo removed. */
  deletePhoto(photoId: number): Photo {
    return this.deleting(() => {
      const photo = this.photos.get(photoId);
      if (!photo) throw new UserError(`no photo ${photoId}`);
      this.photos.delete(photo, this.patients.getById(photo.patientId).pseudonym);
      return { result: photo, shas: [photo.sha256] };
    });
  }

  /**
   * Removes a patient with everything the case holds (photos, faces, diagnoses, terms, VCF imports and
   * their variants), photo files included unless another case shares them; the audit entry counts them.
   */
  deletePatient(pseudonym: string): CaseRemoved {
    return this.deleting(() => {
      const patient = this.patients.get(pseudonym);
      const photos = this.photos.forPatient(patient.id);
      const removed = {
        photos: photos.length,
        vcfImports: this.genomics.imports(patient.pseudonym).length,
        diagnoses: this.diagnoses.forPatient(patient.id).length,
        terms: this.terms.forPatient(patient.id).length,
      };
      this.patients.delete(patient.pseudonym, removed);
      return { result: removed, shas: photos.map((p) => p.sha256) };
    });
  }

  /**
   * Deletes rows in one transaction, and the photo files (of `shas`) that no row names once they are gone:
   * each set aside under the write lock, so no other writer takes it up between the check and the removal,
   * put back if the transaction fails, deleted once it has committed. A crash in between leaves only a
   * set-aside file, which the next open sweeps.
   */
  private deleting<T>(fn: () => { result: T; shas: string[] }): T {
    // Inside a caller's transaction the files would go before that transaction's own commit.
    if (this.db.inTransaction) throw new Error('a deletion runs in a transaction of its own');
    const aside: { file: string; sha: string }[] = [];
    let result: T;
    try {
      result = this.transaction(() => {
        const done = fn();
        for (const sha of this.photos.unused(done.shas)) {
          const file = this.files.setAside(sha);
          if (file !== null) aside.push({ file, sha });
        }
        return done.result;
      });
    } catch (err) {
      for (const a of aside) this.files.restore(a.file, a.sha);
      throw err;
    }
    for (const a of aside) this.files.discard(a.file);
    return result;
  }

  /** Stores an analysed gallery (patients, confirmed diagnoses, controls, photos), all or nothing. */
  addGallery(
    rows: readonly GalleryRow[],
    analyzer: Omit<PhotoAnalyzer, 'analyze'>,
    opts: GalleryWriteOptions,
  ): GalleryWritten {
    return this.transaction(() => writeGallery(this, rows, analyzer, opts));
  }

  /** Every gallery member's primary-face embedding from one model (never mixed across models). */
  galleryEmbeddings(modelId: string): GalleryEmbedding[] {
    return this.gallery.embeddings(modelId);
  }

  /** Changes whenever anything galleryEmbeddings returns could change; unique to this database. */
  galleryVersion(): string {
    return this.gallery.version();
  }

  /** The database's own checks plus the agreement between photo rows and photo files. */
  checkConsistency(): ConsistencyReport {
    const shas = this.photos.referenced();
    const files = new Set(this.files.list());
    return {
      ...databaseChecks(this.db),
      missingFiles: [...shas].filter((s) => !files.has(s)),
      unreferencedFiles: [...files].filter((f) => !shas.has(f)),
    };
  }
}

/** On one workstation the role is what the app shows, not what the file lets anyone read. */
function displayMode(role: Role): string {
  return (
    `display mode (${role}): on a SQLite file the role changes what FacePheno shows, not what can be read; ` +
    'anyone who can open the file (or its backup) with its key sees everything'
  );
}

/** SQLite's integrity and foreign-key checks, or PostgreSQL's counterparts (postgres/checks.ts). */
function databaseChecks(db: Db): { integrity: string; foreignKeyViolations: number } {
  if (dialectOf(db) === 'postgres')
    return {
      integrity: postgresChecks.integrity(db),
      foreignKeyViolations: postgresChecks.foreignKeyViolations(db),
    };
  return {
    integrity: (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; '),
    foreignKeyViolations: db.prepare('PRAGMA foreign_key_check').all().length,
  };
}
