import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir, storeFileIn } from '../../src/main/data-dir.js';

describe('data directory', () => {
  const env = { FACEPHENO_DATA_DIR: '/env/dir' };

  it('takes --data-dir, else FACEPHENO_DATA_DIR, else the app userData, else the per-user default', () => {
    const all = {
      option: 'rel/opt',
      appUserData: '/app/userdata',
      env,
      platform: 'linux' as const,
      home: '/home/u',
    };
    expect(resolveDataDir(all)).toEqual({ dir: resolve('rel/opt'), source: 'option' });
    expect(resolveDataDir({ ...all, option: undefined })).toEqual({ dir: '/env/dir', source: 'environment' });
    expect(resolveDataDir({ ...all, option: undefined, env: {} })).toEqual({
      dir: '/app/userdata',
      source: 'app',
    });
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' })).toEqual({
      dir: '/home/u/.config/FacePheno',
      source: 'default',
    });
  });

  it("defaults to where Electron keeps an app's userData on each platform", () => {
    const d = (platform: NodeJS.Platform, e: NodeJS.ProcessEnv = {}) =>
      resolveDataDir({ env: e, platform, home: '/h' }).dir;
    expect(d('linux', { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/FacePheno');
    expect(d('darwin')).toBe('/h/Library/Application Support/FacePheno');
    expect(d('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' })).toBe(
      join('C:\\Users\\u\\AppData\\Roaming', 'FacePheno'),
    );
  });

  it('keeps the case database in the data directory', () => {
    expect(storeFileIn('/data')).toBe(join('/data', 'facepheno.db'));
  });
});
