import type { Column } from './protocol.js';

// Bytes per buffer of a bytea column: few enough buffers to transfer, little slack in the last one.
const CHUNK_BYTES = 16 * 1024 * 1024;
// Each value starts at a multiple of 8 in its buffer, so that a reader may view it as a Float32Array or
// Float64Array (an embedding) without copying.
const ALIGN = 8;

/** One bytea column being filled: values decoded from the server's hex text into large buffers. */
class BytesColumn {
  private readonly chunks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  private readonly chunkOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private nulls: Uint8Array<ArrayBuffer> | null = null;

  add(v: unknown): void {
    const i = this.ends.length;
    let start = this.used;
    if (v === null) {
      (this.nulls ??= new Uint8Array(Math.max(64, i * 2)))[i] = 1;
    } else {
      if (typeof v !== 'string' || !v.startsWith('\\x') || v.length % 2 !== 0)
        throw new Error('a bytea value did not come as hex text (bytea_output must be hex)');
      const n = (v.length - 2) / 2;
      start = Math.ceil(this.used / ALIGN) * ALIGN;
      if (!this.current || start + n > this.current.length) {
        this.current = Buffer.from(new ArrayBuffer(Math.max(CHUNK_BYTES, n)));
        this.chunks.push(this.current);
        start = 0;
      }
      this.used = start + this.current.write(v.slice(2), start, 'hex');
    }
    if (this.nulls && this.nulls.length <= i + 1) {
      const grown = new Uint8Array(this.nulls.length * 2);
      grown.set(this.nulls);
      this.nulls = grown;
    }
    this.chunkOf.push(Math.max(0, this.chunks.length - 1));
    this.starts.push(start);
    this.ends.push(this.used);
  }

  finish(transfer: ArrayBuffer[]): Column {
    const chunks = this.chunks.map((c, k) => (k === this.chunks.length - 1 ? c.subarray(0, this.used) : c));
    for (const c of this.chunks) transfer.push(c.buffer as ArrayBuffer);
    const nulls = this.nulls?.slice(0, this.ends.length) ?? null;
    const column: Column = {
      kind: 'bytes',
      chunks,
      chunk: Uint32Array.from(this.chunkOf),
      starts: Float64Array.from(this.starts),
      ends: Float64Array.from(this.ends),
      nulls,
    };
    transfer.push(
      column.chunk.buffer as ArrayBuffer,
      column.starts.buffer as ArrayBuffer,
      column.ends.buffer as ArrayBuffer,
    );
    if (nulls) transfer.push(nulls.buffer);
    return column;
  }
}

/**
 * A result's rows, taken one at a time as node-pg parses them, kept column-wise for the calling thread.
 * `bytea[k]` marks the bytea columns, whose values the worker leaves as the server's hex text
 * ('\x0a1b...', bytea_output = hex): each is decoded at once into its column's buffers, so neither a
 * Buffer per value nor the text of every row is ever held.
 */
export class ColumnsBuilder {
  private readonly columns: (unknown[] | BytesColumn)[];
  length = 0;

  constructor(bytea: readonly boolean[]) {
    this.columns = bytea.map((b) => (b ? new BytesColumn() : []));
  }

  add(row: readonly unknown[]): void {
    this.columns.forEach((c, k) => (c instanceof BytesColumn ? c.add(row[k]) : c.push(row[k])));
    this.length += 1;
  }

  /** The columns, and the buffers the reply transfers rather than copies. */
  finish(): { columns: Column[]; transfer: ArrayBuffer[] } {
    const transfer: ArrayBuffer[] = [];
    const columns = this.columns.map((c): Column =>
      c instanceof BytesColumn ? c.finish(transfer) : { kind: 'values', values: c },
    );
    return { columns, transfer };
  }
}

/**
 * Value i of a column. A bytea value is a Buffer viewing one of the column's buffers, not a copy, and
 * starts at a multiple of 8 bytes of its ArrayBuffer: a caller that keeps a few values of a large result
 * and drops the rest should copy them.
 */
export function columnReader(c: Column): (i: number) => unknown {
  if (c.kind === 'values') return (i) => c.values[i];
  const { chunks, chunk, starts, ends, nulls } = c;
  return (i) => {
    if (nulls?.[i] === 1) return null;
    const b = chunks[chunk[i] as number] as Uint8Array;
    const start = starts[i] as number;
    return Buffer.from(b.buffer, b.byteOffset + start, (ends[i] as number) - start);
  };
}
