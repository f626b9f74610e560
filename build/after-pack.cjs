// @ts-check
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads its hooks with require() */
/**
 * electron-builder's afterPack hook (electron-builder.yml): flips the Electron fuses of the packed app
 * before it is signed, so that the FacePheno binary cannot be used as a general Node.js runtime or
 * debugged into, and runs only its own, integrity-checked app.asar:
 *   RunAsNode off                        ELECTRON_RUN_AS_NODE=1 no longer turns it into `node`
 *   EnableNodeOptionsEnvironmentVariable  NODE_OPTIONS (--require a script) is ignored
 *   EnableNodeCliInspectArguments off     --inspect / --inspect-brk do not open a debugger port
 *   EnableEmbeddedAsarIntegrityValidation app.asar is checked against the hash in the binary's resources
 *   OnlyLoadAppFromAsar on                no app folder beside or instead of app.asar is loaded
 * and the remaining three as a locked-down app wants them (cookies encrypted, no browser-specific V8
 * snapshot, no extra privileges for file://, which FacePheno does not use: it serves app://).
 */
const { join } = require('node:path');
const { FuseV1Options, FuseVersion, flipFuses } = require('@electron/fuses');

/** @type {Record<FuseV1Options, boolean>} */
const fuses = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/**
 * The packed Electron binary that holds the fuse wire: the .app bundle on macOS (@electron/fuses finds
 * the framework inside), the .exe on Windows, the executable on Linux.
 * @param {{ appOutDir: string, electronPlatformName: string,
 *   packager: { appInfo: { productFilename: string }, executableName: string } }} context
 */
function electronBinary(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  if (platform === 'darwin' || platform === 'mas')
    return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (platform === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return join(appOutDir, packager.executableName);
}

/** @param {Parameters<typeof electronBinary>[0]} context */
async function afterPack(context) {
  const platform = context.electronPlatformName;
  await flipFuses(electronBinary(context), {
    version: FuseVersion.V1,
    // Flipping a fuse breaks an arm64 macOS ad-hoc signature; the real signature comes after this hook.
    resetAdHocDarwinSignature: platform === 'darwin' || platform === 'mas',
    ...fuses,
  });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.fuses = fuses;
module.exports.electronBinary = electronBinary;
