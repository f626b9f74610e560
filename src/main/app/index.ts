/**
 * The Electron shell: one hardened window showing the renderer from app://facepheno, the Service in a
 * worker thread, IPC between them. The only code that imports electron (with src/preload).
 */
// First: onnxruntime's library reads the process environment, which worker threads cannot change.
import '../telemetry-off.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu } from 'electron';
import { resolveDataDir } from '../data-dir.js';
import { ServiceHost } from '../service/host.js';
import { appDatabaseKey, exportKeyFile } from '../store/app-key.js';
import { dataDirStoreConfig, isDepartmentDatabase } from '../store/config.js';
import { APP_ORIGIN } from '../../shared/security.js';
import { FileTokens } from '../service/file-tokens.js';
import { hardenContents, hardenSession } from './hardening.js';
import { bindIpc } from './ipc.js';
import { osKeychain } from './keychain.js';
import { registerAppScheme, serveRenderer } from './protocol.js';
import { shellPolicy } from './shell-policy.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** `--export-db-key=FILE`: write the keychain's database key to FILE for the command, and quit. */
const argValue = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const exportTo = argValue('export-db-key');
// `--db=URL --photos=DIR`, as facepheno serve takes them (else FACEPHENO_DB and FACEPHENO_PHOTOS_DIR): a
// department's PostgreSQL database and the photo folder its workstations share. Read here, once: the
// Service's worker thread gets them in its store configuration.
const database = argValue('db');
const photosOption = argValue('photos');
const photosDir = photosOption === undefined ? undefined : resolve(photosOption);
const onPostgres = isDepartmentDatabase(database ?? process.env.FACEPHENO_DB ?? '');
// `--no-encryption`: the user's explicit choice of an unencrypted case database (said on stderr).
const plaintext = process.argv.includes('--no-encryption');

// userData would follow the package name ('facepheno'); the command looks in <appData>/FacePheno, and both
// must open the same store by default. Set first: the single-instance lock lives in userData.
app.setName('FacePheno');
app.setPath('userData', join(app.getPath('appData'), 'FacePheno'));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.enableSandbox();
  let win: BrowserWindow | null = null;
  let service: ServiceHost | null = null;

  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  // Packed: no developer tools, no default menu (which holds them and Reload).
  const policy = shellPolicy(app.isPackaged, process.platform);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, policy));
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (e) => {
    if (!service) return;
    e.preventDefault();
    const closing = service;
    service = null;
    void closing.close().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession(policy);
      if (policy.menu !== 'default')
        Menu.setApplicationMenu(policy.menu && Menu.buildFromTemplate([...policy.menu]));
      serveRenderer(join(here, '..', 'renderer'));
      const { dir } = resolveDataDir({ appUserData: app.getPath('userData') });
      // A PostgreSQL database has no key: its server protects it.
      const dbKey = onPostgres
        ? { key: undefined, reason: 'the case database is PostgreSQL' }
        : appDatabaseKey(dir, osKeychain, process.env, { plaintext });
      if (exportTo !== undefined) {
        if (dbKey.key === undefined) throw new Error(`the case database has no key: ${dbKey.reason}`);
        exportKeyFile(dbKey.key, exportTo);
        console.log(`FacePheno: the database key is in ${exportTo} (facepheno --key-file ${exportTo})`);
        app.exit(0);
        return;
      }
      if (dbKey.key === undefined && !onPostgres)
        console.warn(`FacePheno: the case database and its photos are not encrypted: ${dbKey.reason}`);
      if ('source' in dbKey && dbKey.source === 'user-key-file')
        console.warn(
          `FacePheno: no OS keychain to seal the database key with: it is kept in ${dbKey.keyFile} (only you may read it)`,
        );
      // Packed, the models sit in the app's resources (electron-builder.yml); FACEPHENO_MODELS_DIR still wins.
      const modelsDir =
        app.isPackaged && !process.env.FACEPHENO_MODELS_DIR
          ? join(process.resourcesPath, 'models')
          : undefined;
      const store = dataDirStoreConfig(dir, {
        database,
        photosDir,
        ...(dbKey.key !== undefined ? { key: dbKey.key } : {}),
        ...('keyFile' in dbKey ? { keyFile: dbKey.keyFile, newKey: dbKey.newKey } : {}),
      });
      service = await ServiceHost.start({ dataDir: dir, host: 'electron', modelsDir, store });
      bindIpc(service, new FileTokens());
      win = new BrowserWindow({
        width: 1280,
        height: 860,
        title: 'FacePheno',
        show: false,
        webPreferences: {
          preload: join(here, '..', 'preload', 'index.cjs'),
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          webSecurity: true,
          webviewTag: false,
          spellcheck: false,
          devTools: policy.devTools,
        },
      });
      const events = service.onEvent((event) => win?.webContents.send('facepheno:event', event));
      win.on('closed', () => {
        events();
        win = null;
      });
      win.once('ready-to-show', () => win?.show());
      await win.loadURL(`${APP_ORIGIN}/index.html`);
    })
    .catch((err: unknown) => {
      dialog.showErrorBox('FacePheno could not start', err instanceof Error ? err.message : String(err));
      app.exit(1);
    });
}
