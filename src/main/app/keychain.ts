import { safeStorage } from 'electron';
import type { Keychain } from '../store/app-key.js';

/**
 * The OS keychain through Electron's safeStorage (macOS Keychain, Windows DPAPI, Linux secret service),
 * usable once the app is ready. Linux's basic_text fallback seals with a fixed password: no protection.
 */
export const osKeychain: Keychain = {
  available: () =>
    safeStorage.isEncryptionAvailable() &&
    (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
  seal: (text) => safeStorage.encryptString(text),
  unseal: (sealed) => safeStorage.decryptString(sealed),
};
