import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readInputSync } from '../../src/main/input-file.js';
import { dropUpload, newUploadKey, writeUpload } from '../../src/main/service/uploads.js';

const key = newUploadKey();

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('uploaded gallery folders', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'facepheno-upload-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('rebuilds the folder inside a private directory, every file sealed under the session key', async () => {
    const root = await writeUpload(
      parent,
      [
        { path: 'down_syndrome/a.jpg', data: b64('A') },
        { path: 'down_syndrome/metadata.csv', data: b64('file,patient\na.jpg,P1\n') },
        { path: 'controls/b c.jpg', data: b64('B') },
      ],
      key,
    );
    const meta = join(root, 'down_syndrome', 'metadata.csv');
    expect(readFileSync(meta).subarray(0, 6).toString('latin1')).toBe('FPSEAL');
    expect(readFileSync(meta).includes('P1')).toBe(false);
    expect(readInputSync({ path: meta, key }).toString()).toBe('file,patient\na.jpg,P1\n');
    expect(readInputSync({ path: join(root, 'down_syndrome', 'a.jpg'), key }).toString()).toBe('A');
    expect(readInputSync({ path: join(root, 'controls', 'b c.jpg'), key }).toString()).toBe('B');
    dropUpload(root);
    expect(existsSync(root)).toBe(false);
  });

  it('refuses a path that leaves the folder and leaves nothing behind', async () => {
    for (const path of [
      '../evil.jpg',
      'a/../../evil.jpg',
      '/etc/evil',
      'a\\..\\..\\evil',
      'C:/evil',
      'a//b.jpg',
      './a.jpg',
    ]) {
      await expect(
        writeUpload(
          parent,
          [
            { path: 'ok/first.jpg', data: b64('x') },
            { path, data: b64('x') },
          ],
          key,
        ),
        path,
      ).rejects.toThrow(/outside the uploaded folder/);
    }
    expect(readdirSync(parent)).toEqual([]);
  });
});
