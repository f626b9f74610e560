import type { FileSource } from '../../../shared/api.js';
import { upload } from '../api.js';

/**
 * A dropped or picked file as a call names it: under serve, streamed up first and named by its upload
 * token (a large file never sits in the page or a request body); in the desktop app, its bytes.
 */
export async function toFileSource(file: File): Promise<FileSource> {
  if (upload) return { kind: 'token', token: (await upload(file, file.name)).token };
  return { kind: 'bytes', name: file.name, data: await fileToBase64(file) };
}

/** A dropped or picked file's bytes as base64, read by the browser: the Service never sees a path from here. */
export function fileToBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(new Error(`${file.name}: could not be read`));
    reader.readAsDataURL(file);
  });
}

export function dataUrl(mime: string, base64: string): string {
  return `data:${mime};base64,${base64}`;
}
