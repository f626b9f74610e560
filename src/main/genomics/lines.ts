import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';
import { inputPath, inputSize, inputStream, readInputRange, type InputFile } from '../input-file.js';

/**
 * The longest line read: far beyond any trio VCF record (a CSQ of hundreds of transcripts is well under
 * 1 MB), and it stops a runaway line (a corrupt or hostile file) before it fills the memory.
 */
export const maxLineChars = 16 * 1024 * 1024;

/** The empty BGZF block every complete bgzip file ends with (SAM/BAM spec 4.1.2). */
const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

interface Compression {
  gzip: boolean;
  /** BGZF (bgzip): a gzip member with the 'BC' extra subfield; complete files end with BGZF_EOF. */
  bgzf: boolean;
}

async function sniff(input: InputFile): Promise<Compression & { tail: Buffer }> {
  const file = inputPath(input);
  try {
    const size = await inputSize(input);
    const head = await readInputRange(input, 0, 16);
    const tail = await readInputRange(input, Math.max(size - BGZF_EOF.length, 0), BGZF_EOF.length);
    const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    // FLG.FEXTRA set, and the first extra subfield is SI1='B' SI2='C'
    const bgzf =
      gzip && head.length >= 14 && (head.readUInt8(3) & 4) !== 0 && head[12] === 0x42 && head[13] === 0x43;
    return { gzip, bgzf, tail };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  }
}

/**
 * Calls onLine for every line of a text file, plain or gzip/bgzip-compressed (detected from the
 * bytes, not the name), with 1-based line numbers. A callback may throw to stop the read.
 * Truncated compressed data is a UserError naming the file and the first line not complete: zlib
 * reports a cut inside a member, and a bgzip file cut exactly between members is caught by its missing
 * EOF block once its complete lines are counted (its last line, perhaps cut too, is not passed on).
 */
export async function forEachLine(
  input: InputFile,
  onLine: (line: string, lineNo: number) => void,
): Promise<{ lines: number }> {
  const file = inputPath(input);
  const { gzip, bgzf, tail } = await sniff(input);
  let lineNo = 0;
  const truncated = (cause?: unknown) =>
    new UserError(
      `truncated gzip data: the file ends inside line ${lineNo + 1} (is the download or copy complete?)`,
      { file, line: lineNo + 1, cause },
    );

  // Large chunks let zlib inflate ahead in the thread pool while this thread parses.
  const raw = inputStream(input, { highWaterMark: 1 << 20 });
  let text: Readable = raw;
  if (gzip) {
    // createGunzip reads concatenated members, which is exactly what BGZF is.
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    pipeline(raw, gunzip, () => undefined);
    text = gunzip;
  }
  text.setEncoding('utf8');

  let rest = '';
  // Errors of the callback pass through as they are; only the reading and unzipping are translated.
  let fromCallback = false;
  const emit = (line: string) => {
    // The decoder turns bytes that are not UTF-8 into U+FFFD: stored, they would be silent garbage.
    if (line.includes('\uFFFD'))
      throw new UserError('bytes that are not UTF-8 text (save the file as UTF-8)', { file, line: lineNo });
    try {
      onLine(line, lineNo);
    } catch (err) {
      fromCallback = true;
      throw err;
    }
  };
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      let start = 0;
      let data = chunk;
      if (rest) {
        data = rest + chunk;
        rest = '';
      }
      for (let nl = data.indexOf('\n'); nl !== -1; nl = data.indexOf('\n', start)) {
        lineNo += 1;
        const end = nl > start && data.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        emit(data.slice(start, end));
        start = nl + 1;
      }
      rest = data.slice(start);
      if (rest.length > maxLineChars)
        throw new UserError(
          `line is longer than ${maxLineChars / 1024 / 1024} MB: not a line FacePheno can read`,
          {
            file,
            line: lineNo + 1,
          },
        );
    }
  } catch (err) {
    if (fromCallback || err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw truncated(err);
    if (code?.startsWith('Z_'))
      throw new UserError(`corrupt gzip data after line ${lineNo}: ${(err as Error).message}`, {
        file,
        line: lineNo + 1,
        cause: err,
      });
    throw new UserError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  } finally {
    raw.destroy();
  }
  if (bgzf && !tail.equals(BGZF_EOF)) throw truncated();
  if (rest) {
    lineNo += 1;
    emit(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
  return { lines: lineNo };
}

/**
 * The sha256 of the file's bytes as the user's copy holds them (an upload's plain bytes, not its sealed
 * ones), hex: what identifies an imported file, the same whichever way it came in.
 */
export async function fileSha256(input: InputFile): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of inputStream(input)) hash.update(chunk as Buffer);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read: ${(err as Error).message}`, { file: inputPath(input), cause: err });
  }
  return hash.digest('hex');
}
