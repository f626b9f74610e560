/** Stream-sealed files (src/main/sealed-stream.ts), as uploads are written and read, with real AES-256-GCM. */
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/main/errors.js';
import { inputSize, readInput, readInputRange, readInputSync } from '../../src/main/input-file.js';
import { sealChunkBytes, sealingStream } from '../../src/main/sealed-stream.js';
import { newUploadKey } from '../../src/main/service/uploads.js';
import { tempDir } from '../store/support.js';

const work = tempDir('facepheno-sealed-stream-');
afterAll(() => work.remove());
const key = newUploadKey();
const C = sealChunkBytes;

/** Seals `plain` into `file`, written in parts of `part` bytes (how a request's body arrives). */
async function sealTo(file: string, plain: Buffer, part = 7001): Promise<void> {
  const parts = Array.from({ length: Math.ceil(plain.length / part) }, (_, i) =>
    plain.subarray(i * part, (i + 1) * part),
  );
  await pipeline(Readable.from(parts), sealingStream(key), createWriteStream(file));
}

const damaged = /damaged|cut short/;

describe('a stream-sealed file', () => {
  it('reads back exactly, whole, streamed and by range, at every size around a chunk', async () => {
    for (const size of [0, 1, C - 1, C, C + 1, 2 * C, 3 * C + 17]) {
      const plain = randomBytes(size);
      const file = join(work.dir, `s${size}`);
      await sealTo(file, plain);
      const sealed = readFileSync(file);
      expect(sealed.subarray(0, 7).toString('latin1'), `${size}`).toBe('FPSEAL\u0002');
      expect(await inputSize({ path: file, key }), `${size}`).toBe(size);
      expect((await readInput({ path: file, key })).equals(plain), `${size}`).toBe(true);
      expect(readInputSync({ path: file, key }).equals(plain), `${size}`).toBe(true);
      for (const [at, length] of [
        [0, 16],
        [Math.max(size - 28, 0), 28],
        [C - 3, 10],
        [size, 5],
      ] as const) {
        const got = await readInputRange({ path: file, key }, at, length);
        expect(got.equals(plain.subarray(at, at + length)), `${size} @${at}+${length}`).toBe(true);
      }
    }
  });

  it('holds none of its plain bytes', async () => {
    const plain = Buffer.from(
      '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tJANE_DOE_MRN0042\n'.repeat(5000),
    );
    const file = join(work.dir, 'vcf');
    await sealTo(file, plain);
    expect(readFileSync(file).includes('JANE_DOE')).toBe(false);
  });

  it('refuses a file cut at a chunk boundary, reordered chunks, a changed byte and another key, naming it', async () => {
    const plain = randomBytes(3 * C + 100);
    const file = join(work.dir, 'whole');
    await sealTo(file, plain);
    const good = readFileSync(file);
    const header = 16;
    const sealedChunk = C + 16;
    const chunk = (i: number) => good.subarray(header + i * sealedChunk, header + (i + 1) * sealedChunk);
    const variants: [string, Buffer][] = [
      ['cut after two chunks', good.subarray(0, header + 2 * sealedChunk)],
      ['cut after three chunks', good.subarray(0, header + 3 * sealedChunk)],
      ['cut inside the last chunk', good.subarray(0, good.length - 5)],
      [
        'chunks 0 and 1 swapped',
        Buffer.concat([
          good.subarray(0, header),
          chunk(1),
          chunk(0),
          good.subarray(header + 2 * sealedChunk),
        ]),
      ],
      ['a body byte changed', Buffer.from(good).fill(good.readUInt8(header + 5) ^ 1, header + 5, header + 6)],
      ['a nonce byte changed', Buffer.from(good).fill(good.readUInt8(10) ^ 1, 10, 11)],
    ];
    for (const [what, bytes] of variants) {
      const bad = join(work.dir, 'bad');
      writeFileSync(bad, bytes);
      await expect(readInput({ path: bad, key }), what).rejects.toThrow(damaged);
      expect(() => readInputSync({ path: bad, key }), what).toThrow(bad);
    }
    await expect(readInput({ path: file, key: newUploadKey() })).rejects.toThrow(
      new UserError('a sealed file is damaged, cut short or was sealed with another key: refused', { file }),
    );
  });

  it('refuses a plain file read as sealed', async () => {
    const file = join(work.dir, 'plain.vcf');
    writeFileSync(file, '##fileformat=VCFv4.2\n');
    await expect(readInput({ path: file, key })).rejects.toThrow(
      new UserError("not a sealed FacePheno file (written unencrypted, or not FacePheno's)", { file }),
    );
  });
});
