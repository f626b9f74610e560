import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFileIn } from '../../src/main/data-dir.js';
import { ServiceHost } from '../../src/main/service/host.js';
import { dataDirStoreConfig } from '../../src/main/store/config.js';
import { Store } from '../../src/main/store/store.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';
import { clearText, patient } from './support.js';

const worker = pathToFileURL(join(repoRoot, 'dist', 'src', 'main', 'service', 'service-worker.js'));
const key = `x'${'5a'.repeat(32)}'`;
let work: ReturnType<typeof tempDir>;

afterEach(() => {
  work.remove();
});

/** Started as the app starts it: the key in the store configuration the worker is handed. */
function start(withKey: boolean): Promise<ServiceHost> {
  const store = dataDirStoreConfig(work.dir, withKey ? { key } : {}, {});
  return ServiceHost.start(
    { dataDir: work.dir, host: 'electron', modelsDir: join(work.dir, 'models'), store },
    worker,
  );
}

describe('the Service worker with the key in its store configuration (as the app starts it)', () => {
  it('creates and reads an encrypted database; without the key it refuses to start, naming it', async () => {
    work = tempDir('facepheno-enc-service-');
    const host = await start(true);
    try {
      const made = await host.call('cases.create', { id: patient.pseudonym, notes: patient.notes });
      expect(made, JSON.stringify(made)).toMatchObject({ ok: true });
      const list = await host.call('cases.list', {});
      expect(list).toMatchObject({ ok: true, value: { total: 1 } });
    } finally {
      await host.close();
    }
    const db = storeFileIn(work.dir);
    expect(clearText(db)).toEqual([]);
    Store.open(db, { key }).close();

    await expect(start(false)).rejects.toThrow(`${db}: cannot open the case database`);
  });
});
