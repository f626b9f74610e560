/**
 * The one reader of a gallery source, for the import and the evaluation alike: a labelled folder
 * (folder.ts) or a gallery CSV (table.ts), read in full and checked before any photo is decoded.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { SealKey } from '../sealed-file.js';
import { readLabelledFolder } from './folder.js';
import type { GalleryPhoto } from './photo.js';
import { readGalleryCsv } from './table.js';

/** Labels (syndrome column or folder names) that mean unaffected controls; compared case-insensitively. */
export const defaultControlLabels = [
  'control',
  'controls',
  'unaffected',
  'healthy',
  'healthy_control',
  'healthy_controls',
  'normal',
];

/** `sealedWith`: the key the source's files are sealed under (a browser upload); none, read as they are. */
export function readGallery(source: string, sealedWith?: SealKey): GalleryPhoto[] {
  const src = resolve(source);
  if (!existsSync(src)) throw new UserError('no such gallery file or folder', { file: src });
  const photos = statSync(src).isDirectory()
    ? readLabelledFolder(src, sealedWith)
    : readGalleryCsv(src, sealedWith);
  if (photos.length === 0) throw new UserError('the gallery has no photos', { file: src });
  return photos;
}
