/**
 * The gallery of confirmed cases: importing one from its source (a labelled folder or a gallery CSV), all
 * or nothing, and sharing it without photos as a gallery pack.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { PhotoAnalysis } from '../face/pipeline.js';
import { inputAt, readInputSync } from '../input-file.js';
import type { SealKey } from '../sealed-file.js';
import { modelView } from '../gallery/mask.js';
import { placeText, type GalleryPhoto } from '../gallery/photo.js';
import { defaultControlLabels, readGallery } from '../gallery/source.js';
import type { GalleryWritten } from '../store/gallery-import.js';
import { addPack, exportPack, type PackSummary } from '../store/gallery-pack.js';
import { readPackKey, readRecipientKey, writePackKeys, type PackKeyFiles } from '../store/pack-seal.js';
import { sha256Hex } from '../store/photo-files.js';
import type { PhotoAnalyzer, Store } from '../store/store.js';
import type { Workspace } from './workspace.js';

export { defaultControlLabels };
export type { PackKeyFiles, PackSummary };

/** What an import needs of a workspace: the store, and the pipeline that analyses each photo. */
export interface ImportWorkspace {
  readonly store: Store;
  facePipeline(): Promise<PhotoAnalyzer>;
}

export interface GalleryImportOptions {
  /** Labels (syndrome column or folder names) that mean an unaffected control; compared case-insensitively. */
  controlLabels?: string[];
  onProgress?: (p: { phase: 'analyze' | 'store'; done: number; total: number; file: string }) => void;
  /** The key the source's files are sealed under (a browser upload); none: read as they are. */
  sealedWith?: SealKey;
}

export interface GalleryImportReport extends Omit<GalleryWritten, 'noFace'> {
  /** Photos stored although no face was found in them: check them. */
  noFace: { file: string; where: string; patient: string }[];
  galleryVersion: string;
  /** The embedding models that analysed the photos. */
  models: { id: string; sha256: string; dim: number }[];
}

/** A gallery photo as the import plans it: a control or not, by its label. */
interface PlannedPhoto extends GalleryPhoto {
  isControl: boolean;
}

interface AnalysedPhoto extends PlannedPhoto {
  sha256: string;
  analysis: PhotoAnalysis;
}

/**
 * Imports a gallery of confirmed cases, all or nothing: every row is checked and every photo analysed
 * (masked where the source says so; the stored photo is the original) before one transaction writes files
 * and rows; any bad row or unreadable photo throws a UserError that names the file and line, and nothing
 * is stored.
 */
export async function importGallery(
  ws: ImportWorkspace,
  source: string,
  opts: GalleryImportOptions = {},
): Promise<GalleryImportReport> {
  const controls = new Set((opts.controlLabels ?? defaultControlLabels).map((l) => l.toLowerCase()));
  const src = resolve(source);
  const planned = readGallery(src, opts.sealedWith).map((p) => ({
    ...p,
    isControl: controls.has(p.label.toLowerCase()),
  }));
  checkPatients(ws.store, planned);

  const analyzer = await ws.facePipeline();
  const analysed = await analyseAll(planned, analyzer, opts);
  checkDuplicates(analysed);

  const written = ws.store.addGallery(
    analysed.map((p) => ({ ...p, bytes: () => unchangedPhoto(p, opts.sealedWith) })),
    analyzer,
    {
      source: src,
      onStored: (done, file) => opts.onProgress?.({ phase: 'store', done, total: analysed.length, file }),
    },
  );
  return {
    ...written,
    noFace: analysed
      .filter((p) => p.analysis.primary === null)
      .map((p) => ({ file: p.file, where: placeText(p.where), patient: p.patient })),
    galleryVersion: ws.store.galleryVersion(),
    models: analyzer.embeddingModels.map((m) => ({ id: m.id, sha256: m.sha256, dim: m.dim })),
  };
}

/** Photos analysed at once: enough to keep every inference worker busy while another photo decodes. */
const IN_FLIGHT = 4;

/** Analyses every planned photo, several at a time, in their order; the first refusal stops the rest. */
async function analyseAll(
  planned: readonly PlannedPhoto[],
  analyzer: PhotoAnalyzer,
  { onProgress, sealedWith }: GalleryImportOptions,
): Promise<AnalysedPhoto[]> {
  const analysed: AnalysedPhoto[] = new Array(planned.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < planned.length && !failed; i = next++) {
      const p = planned[i] as PlannedPhoto;
      try {
        const bytes = readPhoto(p, sealedWith);
        analysed[i] = {
          ...p,
          sha256: sha256Hex(bytes),
          analysis: await analyzer.analyze({ file: p.file, bytes: await modelView(p, bytes) }),
        };
      } catch (err) {
        failed = true;
        if (err instanceof UserError) throw new UserError(err.message, { ...p.where, cause: err });
        throw err;
      }
      onProgress?.({ phase: 'analyze', done: ++done, total: planned.length, file: p.file });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return analysed;
}

function readPhoto(p: GalleryPhoto, sealedWith: SealKey | undefined): Buffer {
  try {
    return readInputSync(inputAt(p.file, sealedWith));
  } catch (err) {
    throw new UserError(`cannot read the photo ${p.file}: ${(err as Error).message}`, {
      ...p.where,
      cause: err,
    });
  }
}

/** The photo's bytes when it is stored: those that were analysed, or a refusal. */
function unchangedPhoto(p: AnalysedPhoto, sealedWith: SealKey | undefined): Buffer {
  const bytes = readPhoto(p, sealedWith);
  if (sha256Hex(bytes) !== p.sha256)
    throw new UserError(`the photo ${p.file} changed while the gallery was being imported`);
  return bytes;
}

/** One patient is one sex and one kind (control or not), and must be new to the store. */
function checkPatients(store: Store, planned: readonly PlannedPhoto[]): void {
  const first = new Map<string, PlannedPhoto>();
  for (const p of planned) {
    const f = first.get(p.patient);
    if (!f) {
      first.set(p.patient, p);
      if (store.patients.find(p.patient))
        throw new UserError(`patient '${p.patient}' is already in the case store`, p.where);
      continue;
    }
    if (f.sex !== p.sex)
      throw new UserError(
        `patient '${p.patient}' is ${p.sex} here but ${f.sex} at ${placeText(f.where)}`,
        p.where,
      );
    if (f.isControl !== p.isControl)
      throw new UserError(
        `patient '${p.patient}' is a control at only one of here and ${placeText(f.where)}`,
        p.where,
      );
  }
}

function checkDuplicates(analysed: readonly AnalysedPhoto[]): void {
  const seen = new Map<string, AnalysedPhoto>();
  for (const p of analysed) {
    const key = `${p.patient}\u0000${p.sha256}`;
    const f = seen.get(key);
    if (f)
      throw new UserError(
        `the same photo twice for patient '${p.patient}' (also at ${placeText(f.where)})`,
        p.where,
      );
    seen.set(key, p);
  }
}

/**
 * Writes the store's own gallery in one embedding model (default: the manifest's) as a gallery pack: no
 * photo, file name, pseudonym, date of birth or notes, but embeddings that re-identify the members, so
 * encrypted to the recipient's public key; in clear only when asked for (`recipient: 'none'`).
 */
export function exportGalleryPack(
  ws: Workspace,
  out: string,
  opts: { centre: string; modelId?: string; recipient: { keyFile: string; name: string } | 'none' },
): PackSummary & { galleryVersion: string } {
  const recipient =
    opts.recipient === 'none' ? null : readRecipientKey(opts.recipient.keyFile, opts.recipient.name);
  const pack = exportPack(ws.store, out, {
    centre: opts.centre,
    model: ws.embeddingModel(opts.modelId),
    recipient,
  });
  return { ...pack, galleryVersion: ws.store.galleryVersion() };
}

/**
 * Merges another centre's gallery pack into the store's gallery, all or nothing; an encrypted pack is
 * opened with this centre's private key file.
 */
export function addGalleryPack(
  ws: Workspace,
  file: string,
  opts: { keyFile?: string } = {},
): PackSummary & { galleryVersion: string } {
  const key = opts.keyFile === undefined ? undefined : readPackKey(opts.keyFile);
  const pack = addPack(ws.store, file, ws.embeddingModels(), key);
  return { ...pack, galleryVersion: ws.store.galleryVersion() };
}

/** Makes this centre's pack key pair in `dir`: the private key stays, the public key goes to senders. */
export function makePackKeys(dir: string): PackKeyFiles {
  return writePackKeys(dir);
}
