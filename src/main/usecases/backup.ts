/**
 * A case database kept safe and moved: backed up with its photos and a manifest of hashes, restored into
 * a new database (every hash checked), and a workstation's cases moved into the department's database,
 * all or nothing. Each store is named by the edge's configuration, key included.
 */
import { backupStore, restoreStore, type BackupManifest, type RestoreReport } from '../store/backup.js';
import type { StoreConfig } from '../store/config.js';
import { Store } from '../store/store.js';
import { openTransferSource, transferCases, type TransferReport } from '../store/transfer.js';
import { encryptStore, type EncryptOptions, type EncryptReport } from '../store/encrypt.js';

export type { BackupManifest, EncryptOptions, EncryptReport, RestoreReport, TransferReport };
export { userKeyFileFor } from '../store/user-keys.js';

/** Converts a plaintext case database and its photo folder to encrypted ones, all or nothing. */
export function encryptCases(db: string, opts: EncryptOptions): EncryptReport {
  return encryptStore(db, opts);
}

export function backupCases(from: StoreConfig, out: string): Promise<BackupManifest> {
  return backupStore(from.target, out, { ...keyOf(from), osUser: from.osUser });
}

export function restoreCases(backup: string, to: StoreConfig): RestoreReport {
  return restoreStore(backup, to.target, keyOf(to));
}

/** Moves every case of the workstation database `from` (read-only, one snapshot) into `to`. */
export function moveCases(from: StoreConfig, to: StoreConfig): TransferReport {
  const source = openTransferSource(from.target, keyOf(from));
  try {
    const target = Store.openConfig(to);
    try {
      return transferCases(source, target);
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}

function keyOf(c: StoreConfig): { key?: string; keyFile?: string; newKey?: boolean } {
  return {
    ...(c.key === undefined ? {} : { key: c.key }),
    ...(c.keyFile === undefined ? {} : { keyFile: c.keyFile }),
    ...(c.newKey ? { newKey: true } : {}),
  };
}
