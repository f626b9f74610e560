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
 * Analyses photos, a few at a time so that decoding overlaps inference, in input order. A photo the user
 * must fix (unreadable, too large) becomes that photo's error; anything else is a fault and stops the run.
 */
export async function analyzeAll(
  pipeline: FacePipeline,
  files: readonly string[],
  onOutcome?: (o: Outcome, index: number) => void,
  concurrency = 4,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i] as string;
      let outcome: Outcome;
      try {
        outcome = { file, analysis: await pipeline.analyze({ file }), error: null };
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        outcome = { file, analysis: null, error: err.message };
      }
      outcomes[i] = outcome;
      onOutcome?.(outcome, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return outcomes;
}
