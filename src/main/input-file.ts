/**
 * A file FacePheno reads as input (a VCF, an ontology, a catalogue, a gallery's table and photos): the path
 * of a file the user chose, read as it is, or a browser upload, stream-sealed at rest (sealed-stream.ts) and
 * unsealed as it is read. Readers take an InputFile, so both read alike and no reader sees a sealed byte.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { plainSizeOf, readSealedRange, unsealingStream, unsealStreamed } from './sealed-stream.js';
import type { SealKey } from './sealed-file.js';

/** A path the user chose, or an upload sealed under `key` (at `path`). */
export type InputFile = string | SealedInput;

export interface SealedInput {
  readonly path: string;
  readonly key: SealKey;
}

export function inputPath(f: InputFile): string {
  return typeof f === 'string' ? f : f.path;
}

/** The file at `path`: sealed under `key` where there is one (a file of an upload), else as it is. */
export function inputAt(path: string, key: SealKey | undefined): InputFile {
  return key === undefined ? path : { path, key };
}

/** The size of the file's plain bytes. */
export async function inputSize(f: InputFile): Promise<number> {
  if (typeof f === 'string') return (await stat(f)).size;
  return plainSizeOf((await stat(f.path)).size, f.path);
}

/** The file's plain bytes as a stream; errors (damage included) arrive on the stream. */
export function inputStream(f: InputFile, opts: { highWaterMark?: number } = {}): Readable {
  if (typeof f === 'string') return createReadStream(f, opts);
  // The unsealing stream is the pipeline's last: its reader gets the plain bytes and any error of the way.
  return pipeline(
    createReadStream(f.path, { highWaterMark: opts.highWaterMark }),
    unsealingStream(f.key, f.path),
    () => undefined,
  );
}

/** `length` plain bytes from `position` (fewer past the end). */
export async function readInputRange(f: InputFile, position: number, length: number): Promise<Buffer> {
  if (typeof f !== 'string') return readSealedRange(f.path, f.key, position, length);
  const fh = await open(f, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await fh.read(bytes, 0, length, position);
    return bytes.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The file's plain bytes, whole (a photo, an ontology, a table: files that are read whole anyway). */
export async function readInput(f: InputFile): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of inputStream(f)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** readInput for the readers that run synchronously (the ontology, a gallery's table and photos). */
export function readInputSync(f: InputFile): Buffer {
  if (typeof f === 'string') return readFileSync(f);
  return unsealStreamed(f.key, readFileSync(f.path), f.path);
}
