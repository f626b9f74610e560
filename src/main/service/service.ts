/**
 * The Service: implements the API contract (src/shared/api.ts) over the store, face and match modules.
 * It knows no Electron and no HTTP; a host runs it in a worker thread (service/service-worker.ts) and
 * forwards each call as (name, input). Every input is parsed with the contract here, whatever the host
 * checked before.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loggableError, UserError } from '../errors.js';
import { openFacePipeline, type FacePipeline } from '../face/pipeline.js';
import type { Point } from '../face/geometry.js';
import { defaultModelsDir } from '../models/inference.js';
import { defaultEmbeddingModel, readManifest, type Manifest } from '../models/manifest.js';
import { dot } from '../match/vectors.js';
import { dialectOf } from '../store/db.js';
import { sha256Hex } from '../store/photo-files.js';
import type { Role } from '../store/repos/patients.js';
import { dataDirStoreConfig, type StoreConfig } from '../store/config.js';
import { Store } from '../store/store.js';
import { appVersion } from '../version.js';
import { Analyses } from '../usecases/analysis.js';
import { evaluateGallery } from '../usecases/evaluation.js';
import { importGallery } from '../usecases/gallery.js';
import { caseFaceMatch, Genomics } from '../usecases/variants.js';
import { alignedView, displayCopy } from '../usecases/images.js';
import { Jobs } from './jobs.js';
import { LearntSpaces } from '../usecases/learnt-space.js';
import { Matching } from '../usecases/matching.js';
import { dropUpload, withUploadedFile, writeUpload } from './uploads.js';
import { caseDetail, caseSummary } from '../usecases/views.js';
import { ApiError, isCallName, parseInput } from '../../shared/api.js';
import type {
  AlignedFace,
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
  private readonly modelsDir: string;
  private pipeline: Promise<FacePipeline> | null = null;

  private constructor(
    private readonly opts: ServiceOptions,
    private readonly store: Store,
  ) {
    this.modelsDir = opts.modelsDir ?? defaultModelsDir();
    this.jobs = new Jobs(opts.emit);
    this.spaces = new LearntSpaces(opts.dataDir);
    this.matching = new Matching(store, this.spaces);
    this.analyses = new Analyses(store, this.modelsDir);
    this.genomics = new Genomics(store);
    this.handlers = this.buildHandlers();
  }

  static async open(opts: ServiceOptions): Promise<Service> {
    try {
      mkdirSync(opts.dataDir, { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create the data directory (${(err as Error).message})`, {
        file: opts.dataDir,
      });
    }
    const { database, photosDir, role, osUser } = opts;
    const config = opts.store ?? dataDirStoreConfig(opts.dataDir, { database, photosDir, role, osUser }, {});
    return new Service(opts, Store.openConfig(config));
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
    if (this.pipeline) await (await this.pipeline.catch(() => null))?.close();
    await this.analyses.close();
    this.store.close();
  }

  /** The face pipeline, started on first use (loading the models takes a few seconds). */
  private facePipeline(): Promise<FacePipeline> {
    this.pipeline ??= openFacePipeline({ modelsDir: this.modelsDir }).catch((err: unknown) => {
      this.pipeline = null;
      throw err;
    });
    return this.pipeline;
  }

  private manifest(): Manifest {
    return readManifest(this.modelsDir);
  }

  private matchModel(): ModelRef {
    const m = defaultEmbeddingModel(this.manifest(), this.modelsDir);
    return { id: m.id, sha256: m.sha256 };
  }

  private async readSource(f: FileSource, ctx: CallContext): Promise<{ name: string; bytes: Buffer }> {
    if (f.kind === 'bytes') return { name: f.name, bytes: Buffer.from(f.data, 'base64') };
    const path = ctx.paths[f.token];
    if (path === undefined) throw new ApiError('that file is no longer available: choose it again');
    try {
      return { name: path, bytes: await readFile(path) };
    } catch (err) {
      throw new UserError(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        file: path,
      });
    }
  }

  /** Runs `use` on the file's path: the dialog's file itself, or the uploaded bytes written briefly. */
  private withFile<T>(f: FileSource, ctx: CallContext, use: (path: string) => Promise<T>): Promise<T> {
    if (f.kind === 'bytes') return withUploadedFile(this.opts.dataDir, { name: f.name, data: f.data }, use);
    const path = ctx.paths[f.token];
    if (path === undefined) throw new ApiError('that file is no longer available: choose it again');
    return use(path);
  }

  private async aligned(
    photoId: number,
    model: ModelRef,
  ): Promise<{ view: AlignedFace; vector: Float32Array }> {
    const photo = this.store.photos.get(photoId);
    const face = photo && this.store.faces.forPhoto(photo.id).find((f) => f.isPrimary);
    const embedding = face && this.store.faces.embedding(face.id, model.id);
    if (!photo || !face || !embedding)
      throw new ApiError(`photo ${photoId} has no face measured by ${model.id}`);
    const patient = this.store.patients.getById(photo.patientId).pseudonym;
    const v = await alignedView(
      photo.originalName,
      await readFile(photo.path),
      face.points5 as Point[],
      this.store.faces.mesh(face.id),
    );
    return {
      view: {
        photoId: String(photo.id),
        patientId: patient,
        label: this.matching.labelOf(patient, model),
        png: v.png.toString('base64'),
        points5: v.points5,
        landmarks: v.landmarks,
      },
      vector: embedding.vector,
    };
  }

  private buildHandlers(): Handlers {
    const store = this.store;
    // A person opening a case is audited (cases.get); the case shown again after their own change is not.
    const opened = (pseudonym: string) => caseDetail(store, store.openCase(pseudonym));
    const detail = (pseudonym: string) => caseDetail(store, store.caseView(pseudonym));
    const hpoRelease = () => {
      const r = store.hpo.release();
      return r ? { version: r.version, terms: r.terms, loadedAt: r.loadedAt } : null;
    };
    return {
      'app.info': async () => {
        // Settings must open even when the models are missing: it is where the user sees that they are.
        let manifest: Manifest = { format: 1, generatedBy: '', models: [] };
        let modelsProblem: string | null = null;
        try {
          manifest = this.manifest();
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          modelsProblem = err.message;
        }
        const pipeline = this.pipeline ? await this.pipeline.catch(() => null) : null;
        const model = manifest.models.find((m) => m.task === 'face-embedding');
        const rows = model ? store.galleryEmbeddings(model.id) : [];
        const labels = new Map<string, { isControl: boolean; patients: Set<string>; photos: number }>();
        for (const r of rows) {
          const l = labels.get(r.label) ?? { isControl: r.isControl, patients: new Set(), photos: 0 };
          l.patients.add(r.patient);
          l.photos++;
          labels.set(r.label, l);
        }
        return {
          version: appVersion,
          host: this.opts.host,
          dataDir: this.opts.dataDir,
          database: { kind: dialectOf(store.db), location: store.file, role: store.patients.role },
          provider: pipeline?.provider ?? null,
          modelsProblem,
          models: manifest.models.map((m) => ({
            id: m.id,
            task: m.task,
            sha256: m.sha256,
            source: `${m.source.package}@${m.source.version}`,
            licence: m.licence,
          })),
          hpo: hpoRelease(),
          gallery: {
            version: store.galleryVersion(),
            patients: new Set(rows.map((r) => r.patient)).size,
            photos: rows.length,
            labels: [...labels].map(([label, l]) => ({
              label,
              isControl: l.isControl,
              patients: l.patients.size,
              photos: l.photos,
            })),
          },
        };
      },

      'cases.list': async ({ filter, limit }) => {
        const page = store.patients.list({ filter, limit });
        return { total: page.total, rows: page.rows.map(caseSummary) };
      },
      'cases.create': async ({ id, sex, birthYear, notes }) => {
        store.patients.create({ pseudonym: id, sex, birthYear, notes });
        return detail(id);
      },
      'cases.get': async ({ id }) => opened(id),
      'cases.update': async ({ id, updatedAt, sex, birthYear, notes }) => {
        const changes = Object.fromEntries(
          Object.entries({ sex, birthYear, notes }).filter(([, v]) => v !== undefined),
        );
        store.patients.update(id, changes, { expectedUpdatedAt: updatedAt });
        return detail(id);
      },
      'cases.setTerm': async ({ caseId, termId, status }) => {
        const patient = store.patients.get(caseId);
        store.transaction(() =>
          status === null
            ? store.terms.unset(patient, termId)
            : store.terms.set(patient, { termId, excluded: status === 'excluded' }),
        );
        return detail(caseId);
      },
      'cases.setDiagnosis': async ({ caseId, syndromeId, status, gene }) => {
        const patient = store.patients.get(caseId);
        store.transaction(() =>
          store.diagnoses.set(patient, { syndromeId: Number(syndromeId), status, gene }),
        );
        return detail(caseId);
      },

      'photos.add': async ({ caseId, files }, ctx) => {
        store.patients.get(caseId);
        const pipeline = await this.facePipeline();
        const results = [];
        for (const f of files) {
          const name = f.kind === 'bytes' ? f.name : (ctx.paths[f.token] ?? 'file');
          try {
            const { name: file, bytes } = await this.readSource(f, ctx);
            const analysis = await pipeline.analyze({ file, bytes });
            const [added] = store.addPhotos(
              caseId,
              [{ file, bytes, sha256: sha256Hex(bytes), analysis }],
              pipeline,
            );
            results.push({
              name,
              photoId: added ? String(added.photoId) : null,
              error: added && !added.faceFound ? `${name}: no face found in this photo` : null,
            });
          } catch (err) {
            if (!(err instanceof UserError || err instanceof ApiError)) throw err;
            results.push({ name, photoId: null, error: err.message });
          }
        }
        return { case: detail(caseId), results };
      },
      'photos.image': async ({ photoId, kind }) => {
        const photo = store.photos.get(Number(photoId));
        if (!photo) throw new ApiError(`no photo ${photoId}`);
        if (kind === 'original') return displayCopy(await readFile(photo.path));
        const face = store.faces.forPhoto(photo.id).find((f) => f.isPrimary);
        if (!face) throw new ApiError(`${photo.originalName}: no face found in this photo`);
        const v = await alignedView(
          photo.originalName,
          await readFile(photo.path),
          face.points5 as Point[],
          null,
        );
        return { mime: 'image/png', data: v.png.toString('base64') };
      },
      'files.open': async () => {
        throw new ApiError(
          'the open dialog belongs to the desktop app; in a browser, drop files or use the file picker',
        );
      },

      'terms.search': async ({ query, limit }) => {
        if (!store.hpo.release()) {
          throw new ApiError(
            'no phenotype ontology (HPO) is loaded yet: load the hp.json release in Settings',
          );
        }
        return {
          terms: store.hpo
            .search(query, limit)
            .map((t) => ({ id: t.id, name: t.name, synonyms: t.synonym ? [t.synonym] : [] })),
        };
      },
      'terms.load': async ({ file }, ctx) => {
        await this.withFile(file, ctx, async (path) => store.hpo.load(path));
        const release = hpoRelease();
        if (!release) throw new Error('the HPO release was not recorded');
        return release;
      },
      'syndromes.search': async ({ query, limit }) => {
        const q = query.trim().toLowerCase();
        const hits = store.syndromes
          .list()
          .filter((s) =>
            [s.name, s.omim, s.orpha, s.mondo, ...s.genes].some((v) => v?.toLowerCase().includes(q)),
          )
          .slice(0, limit);
        return { syndromes: hits.map((s) => ({ id: String(s.id), name: s.name, genes: s.genes })) };
      },

      'match.case': async ({ caseId }) => this.matching.match(caseId, this.matchModel()),
      'compare.faces': async ({ caseId, photoId, galleryPhotoId }) => {
        const model = this.matchModel();
        const gallery = await this.aligned(Number(galleryPhotoId), model);
        const own = this.matching.caseVectors(caseId, model.id).vectors;
        // The patient's photo shown is the one asked for, else the one most like the gallery face.
        const chosen =
          photoId === null
            ? own.reduce<(typeof own)[number] | undefined>(
                (best, v) =>
                  !best || dot(v.vector, gallery.vector) > dot(best.vector, gallery.vector) ? v : best,
                undefined,
              )
            : own.find((v) => String(v.photoId) === photoId);
        if (chosen?.photoId == null)
          throw new ApiError(`case '${caseId}' has no photo with a face measured by ${model.id}`);
        const patient = await this.aligned(chosen.photoId, model);
        return {
          patient: patient.view,
          gallery: gallery.view,
          similarity: dot(patient.vector, gallery.vector),
          provenance: this.matching.provenance(model),
        };
      },

      'gallery.import': async ({ source, controls }, ctx) => {
        let dir: string;
        let upload: string | null = null;
        if (source.kind === 'token') {
          const path = ctx.paths[source.token];
          if (path === undefined) throw new ApiError('that folder is no longer available: choose it again');
          dir = path;
        } else {
          upload = writeUpload(this.opts.dataDir, source.files);
          dir = upload;
        }
        try {
          return this.jobs.start('gallery.import', async (job) => {
            try {
              const ws = { store, facePipeline: () => this.facePipeline() };
              const report = await importGallery(ws, dir, {
                controlLabels: controls.length > 0 ? controls : undefined,
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
        const rows = store.galleryEmbeddings(model.id);
        return this.jobs.start('model.evaluate', async (job) => ({
          kind: 'model.evaluate',
          report: await evaluateGallery(rows, model, folds, job),
        }));
      },
      'model.train': async () => {
        const model = this.matchModel();
        const galleryVersion = store.galleryVersion();
        const rows = store.galleryEmbeddings(model.id);
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
      'catalogue.import': async ({ file }, ctx) =>
        this.withFile(file, ctx, (path) => this.genomics.importCatalogue(path)),
      'catalogue.info': async () => this.genomics.catalogue(),

      'jobs.cancel': async ({ jobId }) => ({ cancelled: this.jobs.cancel(jobId) }),
    };
  }
}
