import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UserError } from '../errors.js';
import { photoExtensions } from '../../shared/vocabulary.js';
import type { FacePipeline, PhotoAnalysis } from './pipeline.js';

/** Photos in a folder and its subfolders, sorted by path. */
export function photosIn(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...photosIn(path));
    else if (entry.isFile() && photoExtensions.has(extname(entry.name).toLowerCase())) found.push(path);
  }
  return found;
}

/** Expands IMAGE|DIR arguments into photo files: folders are listed, files are kept as given. */
export function expandPhotoArgs(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      return [arg]; // analysing it reports the missing file as that image's error
    }
    if (!isDir) return [arg];
    const photos = photosIn(arg);
    if (photos.length === 0) throw new UserError('no photos in this folder', { file: arg });
    return photos;
  });
}

export type Outcome =
  { file: string; analysis: PhotoAnalysis; error: null } | { file: string; analysis: null; error: string };

/**
 * Analyses photos, a few at a time so that decoding overlaps inference, and hands each outcome to
 * `onOutcome` in input order as soon as it and those before it are done: at most `concurrency` analyses
 * are held at once, however many photos there are, so a folder of any size runs in bounded memory. A
 * photo the user must fix (unreadable, too large) becomes that photo's error; anything else is a fault
 * and stops the run (after the analyses in flight settle). Resolves to the number of photos analysed.
 */
export async function streamAnalyses(
  pipeline: FacePipeline,
  files: readonly string[],
  onOutcome: (o: Outcome, index: number) => void | Promise<void>,
  concurrency = 4,
): Promise<number> {
  const analyse = async (file: string): Promise<Outcome> => {
    try {
      return { file, analysis: await pipeline.analyze({ file }), error: null };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return { file, analysis: null, error: err.message };
    }
  };
  // A window of analyses in input order: the oldest is awaited and handed on, then the next one starts.
  const window: Promise<Outcome>[] = [];
  let started = 0;
  const refill = () => {
    while (window.length < Math.max(1, concurrency) && started < files.length) {
      const p = analyse(files[started++] as string);
      p.catch(() => undefined); // awaited in order below; this only keeps a later fault from going unhandled
      window.push(p);
    }
  };
  refill();
  for (let i = 0; window.length > 0; i++) {
    let outcome: Outcome;
    try {
      outcome = await (window.shift() as Promise<Outcome>);
    } catch (err) {
      await Promise.allSettled(window);
      throw err;
    }
    refill();
    await onOutcome(outcome, i);
  }
  return started;
}

/** Every outcome of `files`, in input order: for callers that need them all together (a few folders). */
export async function analyzeAll(
  pipeline: FacePipeline,
  files: readonly string[],
  onOutcome?: (o: Outcome, index: number) => void,
  concurrency = 4,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await streamAnalyses(
    pipeline,
    files,
    (o, i) => {
      outcomes.push(o);
      onOutcome?.(o, i);
    },
    concurrency,
  );
  return outcomes;
}
