/** Float32 vectors as SQLite blobs (platform byte order, little-endian on every supported machine). */
export function toBlob(v: Float32Array | readonly number[]): Buffer {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

/** Copies, because a blob's bytes need not be 4-byte aligned. */
export function fromBlob(b: Buffer): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
