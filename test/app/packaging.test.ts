/**
 * The packed app's hardening, without an Electron binary (none can be downloaded here): electron-builder
 * runs build/after-pack.cjs, whose fuse flips are exercised by @electron/fuses on a stand-in binary that
 * carries a real fuse wire (sentinel, version 1, eight fuses all on, as Electron ships them); the macOS
 * entitlements hold no disable-library-validation; the shell policy turns the developer tools and the
 * default menu off in a packed build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { requestAllowed, shellPolicy } from '../../src/main/app/shell-policy.js';
import { repoRoot } from '../support/paths.js';

interface Context {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName: string };
}
const hook = createRequire(import.meta.url)(join(repoRoot, 'build', 'after-pack.cjs')) as {
  (context: Context): Promise<void>;
  afterPack: (context: Context) => Promise<void>;
  electronBinary: (context: Context) => string;
};

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** A fuse's byte in the wire: ASCII '1' on, '0' off. */
const FuseState = { ENABLE: 0x31, DISABLE: 0x30 } as const;
const tmp = mkdtempSync(join(tmpdir(), 'facepheno-fuses-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const context = (platform: string): Context => ({
  appOutDir: tmp,
  electronPlatformName: platform,
  packager: { appInfo: { productFilename: 'FacePheno' }, executableName: 'facepheno' },
});

describe('the Electron fuses (electron-builder afterPack)', () => {
  it('is the hook electron-builder.yml runs', () => {
    const yml = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^afterPack: \.\/build\/after-pack\.cjs$/m);
    // The integrity fuse checks app.asar: the app must be packed into one.
    expect(yml).not.toMatch(/^asar: false/m);
    expect(hook.afterPack).toBe(hook);
  });

  it('flips the fuses of the packed binary: no run-as-node, NODE_OPTIONS or --inspect; asar only, checked', async () => {
    const binary = hook.electronBinary(context('linux'));
    expect(binary).toBe(join(tmp, 'facepheno'));
    const all = Buffer.alloc(8, FuseState.ENABLE);
    writeFileSync(
      binary,
      Buffer.concat([
        Buffer.alloc(4096, 7),
        Buffer.from(SENTINEL),
        Buffer.from([1, 8]),
        all,
        Buffer.alloc(512),
      ]),
    );
    await hook(context('linux'));
    const wire = await getCurrentFuseWire(binary);
    const state = (f: FuseV1Options) => (wire as unknown as Record<number, number>)[f];
    expect(state(FuseV1Options.RunAsNode)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(FuseState.DISABLE);
  });

  it('finds the binary on each platform', () => {
    expect(hook.electronBinary(context('darwin'))).toBe(join(tmp, 'FacePheno.app'));
    expect(hook.electronBinary(context('win32'))).toBe(join(tmp, 'FacePheno.exe'));
  });

  it('refuses a binary without a fuse wire rather than pack an unfused app', async () => {
    writeFileSync(join(tmp, 'facepheno'), Buffer.alloc(1024));
    await expect(hook(context('linux'))).rejects.toThrow(/sentinel/);
  });
});

describe('the macOS entitlements', () => {
  const plist = readFileSync(join(repoRoot, 'build', 'entitlements.mac.plist'), 'utf8');
  const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
  it('allow JIT only: no disable-library-validation, no network, camera or microphone', () => {
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
    expect(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')).toMatch(
      /entitlements: build\/entitlements\.mac\.plist/,
    );
  });
});

describe('the shell policy', () => {
  it('packed: no developer tools, no default menu; macOS keeps app, edit and window menus only', () => {
    for (const platform of ['linux', 'win32'] as const)
      expect(shellPolicy(true, platform)).toEqual({ devTools: false, menu: null });
    expect(shellPolicy(true, 'darwin')).toEqual({
      devTools: false,
      menu: [{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }],
    });
    expect(requestAllowed('devtools://devtools/bundled/inspector.html', shellPolicy(true, 'linux'))).toBe(
      false,
    );
    expect(requestAllowed('app://facepheno/index.html', shellPolicy(true, 'linux'))).toBe(true);
    expect(requestAllowed('https://example.org/', shellPolicy(true, 'linux'))).toBe(false);
  });

  it('from the source tree: the developer tools and the default menu', () => {
    expect(shellPolicy(false, 'linux')).toEqual({ devTools: true, menu: 'default' });
    expect(requestAllowed('devtools://devtools/bundled/inspector.html', shellPolicy(false, 'linux'))).toBe(
      true,
    );
    expect(requestAllowed('https://example.org/', shellPolicy(false, 'linux'))).toBe(false);
  });
});
