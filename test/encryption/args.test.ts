import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeKeyFile } from '../../src/cli/args.js';
import { UsageError, UserError } from '../../src/main/errors.js';
import { readKeyFile } from '../../src/main/store/encryption.js';
import { tempDir } from '../store/support.js';

describe('--key-file on the command line', () => {
  it('is taken out wherever it stands before --, in either spelling, leaving the rest in order', () => {
    expect(takeKeyFile(['--key-file', 'k', 'case', 'list', '--db', 'x.db'])).toEqual({
      args: ['case', 'list', '--db', 'x.db'],
      keyFile: 'k',
    });
    expect(takeKeyFile(['case', 'list', '--key-file=k', '--json'])).toEqual({
      args: ['case', 'list', '--json'],
      keyFile: 'k',
    });
    expect(takeKeyFile(['case', 'list', '--', '--key-file', 'k'])).toEqual({
      args: ['case', 'list', '--', '--key-file', 'k'],
      keyFile: undefined,
    });
  });

  it('refuses a missing FILE or a second one as a usage error', () => {
    for (const argv of [['case', '--key-file'], ['case', '--key-file', '--json'], ['--key-file=']])
      expect(() => takeKeyFile(argv)).toThrow(UsageError);
    expect(() => takeKeyFile(['--key-file', 'a', '--key-file=b'])).toThrow('--key-file given twice');
  });
});

describe('a key file', () => {
  let work: ReturnType<typeof tempDir>;
  afterEach(() => work.remove());

  it('is its text less one final line ending; empty, NUL-bearing or unreadable ones are named', () => {
    work = tempDir('facepheno-keyfile-');
    const file = join(work.dir, 'key');
    for (const [text, key] of [
      ['pass phrase\n', 'pass phrase'],
      ['pass phrase\r\n', 'pass phrase'],
      ['pass phrase\n\n', 'pass phrase\n'],
      [' spaces kept ', ' spaces kept '],
    ] as const) {
      writeFileSync(file, text);
      expect(readKeyFile(file)).toBe(key);
    }
    writeFileSync(file, '\n');
    expect(() => readKeyFile(file)).toThrow(new UserError('the key file is empty', { file }));
    writeFileSync(file, 'a\0b');
    expect(() => readKeyFile(file)).toThrow(`${file}: the key file holds a NUL byte`);
    expect(() => readKeyFile(join(work.dir, 'none'))).toThrow(
      `${join(work.dir, 'none')}: cannot read the key file`,
    );
  });
});
