import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Bad inputs, made at test time. */

/** A PNG whose header claims `width` x `height` but carries one row of pixels: a decompression bomb's header. */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + width * 3))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The first half of a JPEG. */
export async function truncatedJpeg(): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#884422' } })
    .jpeg()
    .toBuffer();
  return jpeg.subarray(0, jpeg.length >> 1);
}
