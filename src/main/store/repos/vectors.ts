/** Float32 vectors as SQLite blobs (platform byte order, little-endian on every supported machine). */
export function toBlob(v: Float32Array | readonly number[]): Buffer {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

/** Copies, because a blob's bytes need not be 4-byte aligned. */
export function fromBlob(b: Buffer): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * A view of the blob's bytes where they are 4-byte aligned (a copy where not): for reads of a whole gallery,
 * where a copy per vector dominates (14 s of a 1M-row PostgreSQL read). The view keeps the result's buffer
 * alive, so use it for vectors kept together with the rest of their result, and fromBlob for a few.
 */
export function viewBlob(b: Buffer): Float32Array {
  return b.byteOffset % 4 === 0 && b.byteLength % 4 === 0
    ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
    : fromBlob(b);
}
