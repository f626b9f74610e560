/**
 * The Service: implements the API contract (src/shared/api.ts) over the store, face and match modules.
 * It knows no Electron and no HTTP; a host runs it in a worker thread (service/service-worker.ts) and
 * forwards each call as (name, input). Every input is parsed with the contract here, whatever the host
 * checked before.
 */
import { mkdirSync } from 'node:fs';
import { inputAt, readInput, type InputFile } from '../input-file.js';
import type { SealKey } from '../sealed-file.js';
import { loggableError, UserError } from '../errors.js';
import type { Role } from '../store/roles.js';
import { appVersion } from '../version.js';
import { Analyses } from '../usecases/analysis.js';
import {
  caseAgain,
  createCase,
  listCases,
  openCase,
  setDiagnosis,
  setTerm,
  updateCase,
} from '../usecases/cases.js';
import { addToGallery, deleteCase, deletePhoto, deleteVcfImport, solveCase } from '../usecases/case-life.js';
import { compareFaces } from '../usecases/compare.js';
import { evaluateGallery, galleryForStudy } from '../usecases/evaluation.js';
import { importGallery } from '../usecases/gallery.js';
import { LearntSpaces } from '../usecases/learnt-space.js';
import { Matching } from '../usecases/matching.js';
import { loadHpo, searchSyndromes, searchTerms, type HpoRelease } from '../usecases/phenotype.js';
import { addPhotos, photoImage, type PhotoSource } from '../usecases/photos.js';
import { caseFaceMatch, Genomics } from '../usecases/variants.js';
import { caseDetail, caseSummary } from '../usecases/views.js';
import { dataDirStoreConfig, Workspace, type StoreConfig } from '../usecases/workspace.js';
import { auditState, workstationInfo } from '../usecases/workstation.js';
import { Jobs } from './jobs.js';
import {
  dropUpload,
  newUploadKey,
  uploadKey,
  uploadRootOf,
  withoutUploadFolders,
  withUploadedFile,
  writeUpload,
} from './uploads.js';
import { ApiError, isCallName, parseInput } from '../../shared/api.js';
import type {
  AnyEvent,
  CallArgs,
  CallName,
  CallOutput,
  FileSource,
  ModelRef,
  Reply,
} from '../../shared/api.js';

export interface ServiceOptions {
  dataDir: string;
  host: 'electron' | 'browser';
  modelsDir?: string;
  /**
   * The case store, as the host's edge configured it (a postgres:// URL or a SQLite file, with photo folder,
   * role, user and key). Without it (a Service opened in-process, as tests do): the settings below, and
   * the data directory's own SQLite file; the environment is not read either way.
   */
  store?: StoreConfig;
  database?: string;
  photosDir?: string;
  role?: Role;
  osUser?: string;
  /**
   * The session's upload key (see uploads.ts), given by a host whose server streams uploads to disk
   * (serve); without one the Service draws its own for the uploads it writes itself.
   */
  uploadKey?: Uint8Array;
  emit: (event: AnyEvent) => void;
}

/** What a handler gets besides its input: the file paths the host resolved from dialog tokens. */
interface CallContext {
  paths: Record<string, string>;
}

type Handlers = { [K in CallName]: (args: CallArgs<K>, ctx: CallContext) => Promise<CallOutput<K>> };

export class Service {
  private readonly handlers: Handlers;
  private readonly jobs: Jobs;
  private readonly matching: Matching;
  private readonly spaces: LearntSpaces;
  private readonly analyses: Analyses;
  private readonly genomics: Genomics;
  private readonly uploadKey: SealKey;

  private constructor(
    private readonly opts: ServiceOptions,
    private readonly ws: Workspace,
  ) {
    const store = ws.store;
    this.jobs = new Jobs(opts.emit);
    this.spaces = new LearntSpaces(opts.dataDir, store.config.key);
    this.matching = new Matching(store, this.spaces);
    this.analyses = new Analyses(store, ws.modelsDir);
    this.genomics = new Genomics(store);
    this.uploadKey = opts.uploadKey === undefined ? newUploadKey() : uploadKey(opts.uploadKey);
    this.handlers = this.buildHandlers();
  }

  static async open(opts: ServiceOptions): Promise<Service> {
    try {
      // A new data directory is the user's alone (an existing one keeps the mode the user gave it).
      mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new UserError(`cannot create the data directory (${(err as Error).message})`, {
        file: opts.dataDir,
      });
    }
    const { database, photosDir, role, osUser } = opts;
    const config = opts.store ?? dataDirStoreConfig(opts.dataDir, { database, photosDir, role, osUser }, {});
    return new Service(opts, Workspace.open(config, { modelsDir: opts.modelsDir }));
  }

  /** Answers one call; errors come back as a message to show, never as a throw. */
  async handle(name: string, input: unknown, paths: Record<string, string> = {}): Promise<Reply> {
    try {
      if (!isCallName(name)) throw new ApiError(`unknown request '${name}'`);
      const args = parseInput(name, input);
      const handler = this.handlers[name] as (a: unknown, c: CallContext) => Promise<unknown>;
      return { ok: true, value: await handler(args, { paths }) };
    } catch (err) {
      if (err instanceof ApiError || err instanceof UserError) return { ok: false, error: err.message };
      console.error(`facepheno service: ${name} failed: ${loggableError(err)}`);
      return {
        ok: false,
        error: `FacePheno could not complete this (internal error: ${(err as Error).message}). Nothing was changed.`,
      };
    }
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    await this.analyses.close();
    await this.ws.close();
  }

  /** Tells the screens that the gallery changed (its new version), as a gallery import does. */
  private galleryChanged(): void {
    this.opts.emit({ name: 'gallery.changed', payload: { version: this.ws.store.galleryVersion() } });
  }

  private matchModel(): ModelRef {
    return this.ws.embeddingModel();
  }

  private async readSource(f: FileSource, ctx: CallContext): Promise<PhotoSource> {
    if (f.kind === 'bytes') return { file: f.name, bytes: Buffer.from(f.data, 'base64') };
    const path = ctx.paths[f.token];
    if (path === undefined) throw new ApiError('that file is no longer available: choose it again');
    try {
      return { file: path, bytes: await readInput(this.input(path)) };
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        file: path,
      });
    } finally {
      this.dropIfUploaded(path);
    }
  }

  /**
   * Runs `use` on the file: the dialog's file itself, a file serve streamed up, or the uploaded bytes
   * written briefly; uploads sealed, as always.
   */
  private async withFile<T>(
    f: FileSource,
    ctx: CallContext,
    use: (input: InputFile) => Promise<T>,
  ): Promise<T> {
    if (f.kind === 'bytes')
      return withUploadedFile(this.opts.dataDir, { name: f.name, data: f.data }, this.uploadKey, use);
    const path = ctx.paths[f.token];
    if (path === undefined) throw new ApiError('that file is no longer available: choose it again');
    try {
      return await use(this.input(path));
    } finally {
      this.dropIfUploaded(path);
    }
  }

  /** A file as its readers take it: one of serve's uploads is sealed under the session's key. */
  private input(path: string): InputFile {
    return inputAt(path, uploadRootOf(this.opts.dataDir, path) === null ? undefined : this.uploadKey);
  }

  /** A file serve received as a streamed upload is read once: its folder goes once it has been used. */
  private dropIfUploaded(path: string): void {
    const root = uploadRootOf(this.opts.dataDir, path);
    if (root !== null) dropUpload(root);
  }

  /** A file as its messages name it: an upload by its name in the user's folder, a chosen file by its path. */
  private shownName(path: string): string {
    return withoutUploadFolders(path, this.opts.dataDir);
  }

  private buildHandlers(): Handlers {
    const ws = this.ws;
    const store = ws.store;
    // A person opening a case is audited (cases.get); the case shown again after their own change is not.
    const opened = (id: string) => caseDetail(store, openCase(ws, id));
    const detail = (id: string) => caseDetail(store, caseAgain(ws, id));
    const release = (r: HpoRelease | null) =>
      r ? { version: r.version, terms: r.terms, loadedAt: r.loadedAt } : null;
    return {
      'audit.state': async () => auditState(ws),
      'app.info': async () => {
        const info = await workstationInfo(ws);
        return {
          version: appVersion,
          host: this.opts.host,
          dataDir: this.opts.dataDir,
          database: info.database,
          provider: info.provider,
          modelsProblem: info.modelsProblem,
          models: info.manifest.models.map((m) => ({
            id: m.id,
            task: m.task,
            sha256: m.sha256,
            source: `${m.source.package}@${m.source.version}`,
            licence: m.licence,
          })),
          hpo: release(info.hpo),
          gallery: info.gallery,
        };
      },

      'cases.list': async ({ filter, limit, kind }) => {
        const page = listCases(ws, { filter, limit, kind });
        return { total: page.total, rows: page.rows.map(caseSummary) };
      },
      'cases.create': async ({ id, sex, birthYear, notes }) => {
        createCase(ws, { pseudonym: id, sex, birthYear, notes });
        return detail(id);
      },
      'cases.get': async ({ id }) => opened(id),
      'cases.update': async ({ id, updatedAt, sex, birthYear, notes }) => {
        const changes = Object.fromEntries(
          Object.entries({ sex, birthYear, notes }).filter(([, v]) => v !== undefined),
        );
        updateCase(ws, id, changes, updatedAt);
        return detail(id);
      },
      'cases.setTerm': async ({ caseId, termId, status }) => {
        setTerm(ws, caseId, termId, status);
        return detail(caseId);
      },
      'cases.setDiagnosis': async ({ caseId, syndromeId, status, gene }) => {
        setDiagnosis(ws, caseId, { syndromeId: Number(syndromeId), status, gene });
        return detail(caseId);
      },

      'cases.delete': async ({ id }) => {
        const gone = caseAgain(ws, id).patient;
        const removed = deleteCase(ws, id);
        if (gone.kind === 'reference') this.galleryChanged();
        return { id: gone.pseudonym, photos: removed.photos, vcfImports: removed.vcfImports };
      },
      'cases.solve': async ({ caseId, syndromeId, gene }) => {
        solveCase(ws, caseId, { syndrome: Number(syndromeId), gene });
        return detail(caseId);
      },
      'cases.addToGallery': async ({ caseId }) => {
        addToGallery(ws, caseId);
        this.galleryChanged();
        return detail(caseId);
      },
      'photos.delete': async ({ caseId, photoId }) => {
        deletePhoto(ws, caseId, Number(photoId));
        if (caseAgain(ws, caseId).patient.kind === 'reference') this.galleryChanged();
        return detail(caseId);
      },

      'photos.add': async ({ caseId, files }, ctx) => {
        store.patients.get(caseId);
        const results = [];
        // Each file on its own: one unreadable photo must not keep the others out.
        for (const f of files) {
          const name = f.kind === 'bytes' ? f.name : this.shownName(ctx.paths[f.token] ?? 'file');
          try {
            const [added] = await addPhotos(ws, caseId, [await this.readSource(f, ctx)]);
            results.push({
              name,
              photoId: added ? String(added.photoId) : null,
              error: added && !added.faceFound ? `${name}: no face found in this photo` : null,
            });
          } catch (err) {
            if (!(err instanceof UserError || err instanceof ApiError)) throw err;
            results.push({ name, photoId: null, error: this.shownName(err.message) });
          }
        }
        return { case: detail(caseId), results };
      },
      'photos.image': async ({ photoId, kind }) => photoImage(ws, Number(photoId), kind),
      'files.open': async () => {
        throw new ApiError(
          'the open dialog belongs to the desktop app; in a browser, drop files or use the file picker',
        );
      },

      'terms.search': async ({ query, limit }) => ({
        terms: searchTerms(ws, query, limit).map((t) => ({
          id: t.id,
          name: t.name,
          synonyms: t.synonym ? [t.synonym] : [],
        })),
      }),
      'terms.load': async ({ file }, ctx) => {
        const loaded = await this.withFile(file, ctx, async (path) => loadHpo(ws, path));
        return { version: loaded.version, terms: loaded.terms, loadedAt: loaded.loadedAt };
      },
      'syndromes.search': async ({ query, limit }) => ({
        syndromes: searchSyndromes(ws, query, limit).map((s) => ({
          id: String(s.id),
          name: s.name,
          genes: s.genes,
        })),
      }),

      'match.case': async ({ caseId }) => this.matching.match(caseId, this.matchModel()),
      'compare.faces': async ({ caseId, photoId, galleryPhotoId }) =>
        compareFaces(ws, this.matching, this.matchModel(), {
          caseId,
          photoId: photoId === null ? null : Number(photoId),
          galleryPhotoId: Number(galleryPhotoId),
        }),

      'gallery.import': async ({ source, controls }, ctx) => {
        let dir: string;
        let upload: string | null = null;
        if (source.kind === 'token') {
          const path = ctx.paths[source.token];
          if (path === undefined) throw new ApiError('that folder is no longer available: choose it again');
          dir = path;
          // A folder serve received as streamed uploads goes once imported, as one sent as JSON does.
          upload = uploadRootOf(this.opts.dataDir, path);
        } else {
          upload = await writeUpload(this.opts.dataDir, source.files, this.uploadKey);
          dir = upload;
        }
        try {
          return this.jobs.start('gallery.import', async (job) => {
            try {
              const report = await importGallery(ws, dir, {
                controlLabels: controls.length > 0 ? controls : undefined,
                sealedWith: upload === null ? undefined : this.uploadKey,
                onProgress: (p) =>
                  job.progress(p.phase === 'analyze' ? 'finding faces' : 'saving', p.done, p.total),
              });
              this.opts.emit({ name: 'gallery.changed', payload: { version: report.galleryVersion } });
              return {
                kind: 'gallery.import',
                patients: report.patients,
                photos: report.photos,
                labels: report.syndromes.length + (report.controls > 0 ? 1 : 0),
              };
            } finally {
              if (upload) dropUpload(upload);
            }
          });
        } catch (err) {
          if (upload) dropUpload(upload);
          throw err;
        }
      },
      'model.evaluate': async ({ folds }) => {
        const model = this.matchModel();
        const rows = galleryForStudy(store, model, 'gallery.evaluate');
        return this.jobs.start('model.evaluate', async (job) => ({
          kind: 'model.evaluate',
          report: await evaluateGallery(rows, model, folds, job),
        }));
      },
      'model.train': async () => {
        const model = this.matchModel();
        const galleryVersion = store.galleryVersion();
        const rows = galleryForStudy(store, model, 'space.train');
        return this.jobs.start('model.train', async (job) => ({
          kind: 'model.train',
          summary: await this.spaces.train(rows, model, galleryVersion, job),
        }));
      },
      'analysis.space': async ({ seed }) => {
        const model = this.matchModel();
        return this.jobs.start(
          'analysis.space',
          async (job) => ({ kind: 'analysis.space', view: await this.analyses.space(model, seed, job) }),
          { replace: true },
        );
      },
      'analysis.heatmap': async ({ caseId, label }) =>
        this.analyses.heatmap(this.matchModel(), caseId, label),

      'variants.import': async ({ caseId, file, sample }, ctx) => {
        store.patients.get(caseId);
        if (file.kind === 'token' && ctx.paths[file.token] === undefined)
          throw new ApiError('that file is no longer available: choose it again');
        return this.jobs.start('variants.import', async (job) => ({
          kind: 'variants.import',
          ...(await this.withFile(file, ctx, (path) => this.genomics.importVcf(caseId, path, sample, job))),
        }));
      },
      'variants.list': async ({ caseId, filter }) =>
        this.genomics.list(
          caseId,
          filter,
          caseFaceMatch(store, this.matching, caseId, () => this.matchModel()),
        ),
      'variants.deleteImport': async ({ caseId, importId }) => {
        const gone = deleteVcfImport(ws, caseId, Number(importId));
        return { fileName: gone.fileName, variants: gone.variants };
      },
      'catalogue.import': async ({ file }, ctx) =>
        this.withFile(file, ctx, (path) => this.genomics.importCatalogue(path)),
      'catalogue.info': async () => this.genomics.catalogue(),

      'jobs.cancel': async ({ jobId }) => ({ cancelled: this.jobs.cancel(jobId) }),
    };
  }
}
