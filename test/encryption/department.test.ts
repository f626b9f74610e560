/** A department's PostgreSQL database: the server holds the rows; the shared photo folder is sealed with the department key. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/store/store.js';
import { freshSchema, postgresSkip } from '../support/postgres.js';
import { tempDir } from '../store/support.js';

const work = tempDir('facepheno-enc-department-');
afterAll(() => work.remove());

describe.skipIf(postgresSkip !== false)(
  `the shared photo folder of a PostgreSQL database ${postgresSkip || ''}`,
  () => {
    it('is sealed with the department key (0600 files, 0700 folders), and read back only with it', () => {
      const schema = freshSchema();
      const photosDir = join(work.dir, 'shared-photos');
      const photo = Buffer.from('a patient photo, as bytes: ENC-DEPT-0042');
      try {
        const store = Store.open(schema.url, { photosDir, key: 'the department key', osUser: 'test' });
        let sha = '';
        try {
          sha = store.files.put(photo);
          const file = store.files.path(sha);
          const bytes = readFileSync(file);
          expect(bytes.subarray(0, 6).toString('latin1')).toBe('FPSEAL');
          expect(bytes.includes(Buffer.from('ENC-DEPT-0042'))).toBe(false);
          expect(statSync(file).mode & 0o777).toBe(0o600);
          for (const d of [photosDir, ...readdirSync(photosDir).map((f) => join(photosDir, f))])
            expect(statSync(d).mode & 0o777).toBe(0o700);
          expect(store.files.read(sha).equals(photo)).toBe(true);
        } finally {
          store.close();
        }
        const other = Store.open(schema.url, {
          photosDir,
          key: 'another key',
          osUser: 'test',
          access: 'read',
        });
        try {
          expect(() => other.files.read(sha)).toThrow(
            `${other.files.path(sha)}: a sealed file is damaged or was sealed with another key: refused`,
          );
        } finally {
          other.close();
        }
      } finally {
        schema.drop();
      }
    });
  },
);
