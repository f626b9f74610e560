import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the data directory setting came from, so messages can say which one to change. */
export type DataDirSource = 'option' | 'environment' | 'app' | 'default';

export interface DataDir {
  dir: string;
  source: DataDirSource;
}

export interface DataDirInputs {
  /** `--data-dir DIR` on the command line. */
  option?: string | undefined;
  /** The Electron shell passes app.getPath('userData'); this module must not import electron. */
  appUserData?: string | undefined;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * The folder that holds the case database and its photo files: `--data-dir`, else FACEPHENO_DATA_DIR,
 * else the app's userData, else the platform's per-user application data folder.
 */
export function resolveDataDir(inputs: DataDirInputs = {}): DataDir {
  const env = inputs.env ?? process.env;
  if (inputs.option) return { dir: resolve(inputs.option), source: 'option' };
  if (env.FACEPHENO_DATA_DIR) return { dir: resolve(env.FACEPHENO_DATA_DIR), source: 'environment' };
  if (inputs.appUserData) return { dir: resolve(inputs.appUserData), source: 'app' };
  return {
    dir: defaultDataDir(inputs.platform ?? process.platform, inputs.home ?? homedir(), env),
    source: 'default',
  };
}

/** Electron's userData for an app named FacePheno, so the command and the app share one store by default. */
function defaultDataDir(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'FacePheno');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'FacePheno');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'FacePheno');
}

/** The case database inside a data directory. */
export function storeFileIn(dataDir: string): string {
  return join(dataDir, 'facepheno.db');
}
