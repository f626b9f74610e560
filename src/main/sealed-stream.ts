/**
 * Sealed files written and read as streams (browser uploads: a VCF of hundreds of megabytes must not be held
 * in memory to be sealed or read): AES-256-GCM in 64 KiB chunks, the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár (2015), as age and Tink's streaming AEAD use it.
 *
 * A stream-sealed file: the magic `FPSEAL`, format version 2, a reserved byte, an 8-byte random nonce prefix;
 * then chunks, each its ciphertext and its 16-byte GCM tag. Chunk i is sealed under the nonce prefix ‖ i (32-bit
 * big-endian) with the header and a final-chunk flag as additional data, so chunks cannot be reordered, dropped,
 * moved between files, or cut off at a chunk boundary. Every chunk but the last holds exactly 64 KiB; the last
 * holds less (none when the plain size is a multiple of 64 KiB), so the plain size follows from the file's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { UserError } from './errors.js';
import { sealMagic, type SealKey } from './sealed-file.js';

const version = 2;
const prefixBytes = 8;
const tagBytes = 16;
const headerBytes = sealMagic.length + 2 + prefixBytes;
/** Plain bytes per chunk. */
export const sealChunkBytes = 64 * 1024;
const sealedChunkBytes = sealChunkBytes + tagBytes;
/** Chunk indices are 32-bit: 256 TiB at most, far beyond any upload. */
const maxChunks = 2 ** 32;

function nonceOf(header: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  header.copy(nonce, 0, sealMagic.length + 2, headerBytes);
  nonce.writeUInt32BE(index, prefixBytes);
  return nonce;
}

function additionalData(header: Buffer, final: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([final ? 1 : 0])]);
}

function sealChunk(key: SealKey, header: Buffer, index: number, plain: Buffer, final: boolean): Buffer {
  if (index >= maxChunks) throw new Error('a stream-sealed file holds at most 2^32 chunks');
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonceOf(header, index));
  cipher.setAAD(additionalData(header, final));
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function unsealChunk(
  key: SealKey,
  header: Buffer,
  index: number,
  sealed: Buffer,
  final: boolean,
  file: string,
): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, nonceOf(header, index));
  decipher.setAAD(additionalData(header, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final()]);
  } catch (err) {
    throw new UserError('a sealed file is damaged, cut short or was sealed with another key: refused', {
      file,
      cause: err,
    });
  }
}

const notSealed = (file: string) =>
  new UserError("not a sealed FacePheno file (written unencrypted, or not FacePheno's)", { file });

function checkHeader(header: Buffer, file: string): void {
  if (header.length < headerBytes || !header.subarray(0, sealMagic.length).equals(sealMagic))
    throw notSealed(file);
  if (header[sealMagic.length] !== version)
    throw new UserError(`a sealed file of format version ${header[sealMagic.length]}, not a sealed stream`, {
      file,
    });
}

/** Seals bytes as they come: `add` gives the sealed bytes ready so far, `end` the rest. */
class Sealer {
  private readonly header = Buffer.alloc(headerBytes);
  private pending = Buffer.alloc(0);
  private index = 0;

  constructor(private readonly key: SealKey) {
    sealMagic.copy(this.header, 0);
    this.header[sealMagic.length] = version;
    randomBytes(prefixBytes).copy(this.header, sealMagic.length + 2);
  }

  start(): Buffer {
    return this.header;
  }

  add(bytes: Buffer): Buffer[] {
    const pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    const out: Buffer[] = [];
    // Every full chunk is not the last: the last one is always short (empty after a whole number of chunks).
    let at = 0;
    for (; pending.length - at >= sealChunkBytes; at += sealChunkBytes)
      out.push(
        sealChunk(this.key, this.header, this.index++, pending.subarray(at, at + sealChunkBytes), false),
      );
    this.pending = Buffer.from(pending.subarray(at));
    return out;
  }

  end(): Buffer {
    return sealChunk(this.key, this.header, this.index, this.pending, true);
  }
}

/** Unseals a stream-sealed file's bytes as they come, each chunk only once its tag is checked. */
class Unsealer {
  private header: Buffer | null = null;
  private pending = Buffer.alloc(0);
  private index = 0;

  constructor(
    private readonly key: SealKey,
    private readonly file: string,
  ) {}

  add(bytes: Buffer): Buffer[] {
    let pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    if (this.header === null) {
      if (pending.length < headerBytes) {
        this.pending = Buffer.from(pending);
        return [];
      }
      this.header = Buffer.from(pending.subarray(0, headerBytes));
      checkHeader(this.header, this.file);
      pending = pending.subarray(headerBytes);
    }
    const out: Buffer[] = [];
    // A full sealed chunk is not the last only when bytes follow it (the last one is always short).
    let at = 0;
    for (; pending.length - at > sealedChunkBytes; at += sealedChunkBytes) {
      const sealed = pending.subarray(at, at + sealedChunkBytes);
      out.push(unsealChunk(this.key, this.header, this.index++, sealed, false, this.file));
    }
    this.pending = Buffer.from(pending.subarray(at));
    return out;
  }

  end(): Buffer {
    // Shorter than a header: nothing sealed.
    if (this.header === null) throw notSealed(this.file);
    if (this.pending.length < tagBytes || this.pending.length >= sealedChunkBytes)
      throw new UserError('a sealed file is cut short or damaged: refused', { file: this.file });
    return unsealChunk(this.key, this.header, this.index, this.pending, true, this.file);
  }
}

/** A transform over a Sealer or an Unsealer: errors (damage) end the stream with them. */
function chunked(step: { add(bytes: Buffer): Buffer[]; end(): Buffer }, first?: Buffer): Transform {
  return new Transform({
    construct(done) {
      if (first) this.push(first);
      done();
    },
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        for (const part of step.add(chunk)) this.push(part);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        this.push(step.end());
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** A transform that seals the bytes written to it: its output is a whole stream-sealed file. */
export function sealingStream(key: SealKey): Transform {
  const sealer = new Sealer(key);
  return chunked(sealer, sealer.start());
}

/**
 * A transform that reads a stream-sealed file (`file`, for messages) and gives its plain bytes; a damaged,
 * reordered or cut file errors with a UserError naming it.
 */
export function unsealingStream(key: SealKey, file: string): Transform {
  return chunked(new Unsealer(key, file));
}

/** The plain bytes of a whole stream-sealed file held in memory (readers that run synchronously). */
export function unsealStreamed(key: SealKey, sealed: Buffer, file: string): Buffer {
  const unsealer = new Unsealer(key, file);
  return Buffer.concat([...unsealer.add(sealed), unsealer.end()]);
}

/** The plain size of a stream-sealed file of `sealedSize` bytes; a size no such file has is refused. */
export function plainSizeOf(sealedSize: number, file: string): number {
  const body = sealedSize - headerBytes;
  const full = Math.floor(body / sealedChunkBytes);
  const last = body - full * sealedChunkBytes;
  if (body < tagBytes || last < tagBytes)
    throw new UserError('a sealed file is cut short or damaged: refused', { file });
  return full * sealChunkBytes + last - tagBytes;
}

/**
 * `length` plain bytes from `position` of a stream-sealed file (fewer past its end), decrypting only the
 * chunks that hold them: the head and tail checks of a reader cost two chunks, not the file.
 */
export async function readSealedRange(
  file: string,
  key: SealKey,
  position: number,
  length: number,
): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const plainSize = plainSizeOf(size, file);
    const header = Buffer.alloc(headerBytes);
    await fh.read(header, 0, headerBytes, 0);
    checkHeader(header, file);
    const end = Math.min(plainSize, position + length);
    const last = Math.floor(plainSize / sealChunkBytes);
    const parts: Buffer[] = [];
    for (let i = Math.floor(Math.max(position, 0) / sealChunkBytes); i * sealChunkBytes < end; i++) {
      const final = i === last;
      const sealed = Buffer.alloc(final ? size - headerBytes - i * sealedChunkBytes : sealedChunkBytes);
      await fh.read(sealed, 0, sealed.length, headerBytes + i * sealedChunkBytes);
      const plain = unsealChunk(key, header, i, sealed, final, file);
      const from = Math.max(position - i * sealChunkBytes, 0);
      parts.push(plain.subarray(from, Math.min(plain.length, end - i * sealChunkBytes)));
    }
    return Buffer.concat(parts);
  } finally {
    await fh.close();
  }
}
