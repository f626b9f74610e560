/**
 * The learnt face space's file in the data directory: what a killed training leaves is swept on the next
 * start, and a full disk fails the training with a message naming the folder, leaving nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Service } from '../../src/main/service/service.js';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';
import { cannotMount, mountTmpfs, type Mount } from './mounts.js';
import { trainingDataDir } from './training-gallery.js';

const work = tempDir('facepheno-learnt-');
/** The Service's training in a process of its own: its job worker runs from the compiled build. */
const trainChild = join(repoRoot, 'test', 'hardening', 'train-child.mjs');
const dist = join(repoRoot, 'dist');
let training: { dataDir: string; modelsDir: string };
let disk: Mount | undefined;

beforeAll(async () => {
  training = await trainingDataDir(join(work.dir, 'training'));
}, 60_000);
afterEach(() => {
  disk?.remove();
  disk = undefined;
});
afterAll(() => work.remove());

/** The id of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('the learnt space on disk', () => {
  it('a restart removes the temporary head of a process that is gone, and keeps one being written', async () => {
    const dataDir = join(work.dir, 'sweep');
    cpSync(training.dataDir, dataDir, { recursive: true });
    const dir = join(dataDir, 'learnt-space');
    mkdirSync(dir);
    const dead = `testnet.json.${deadPid()}.tmp`;
    const live = `testnet.json.${process.pid}.tmp`;
    writeFileSync(join(dir, dead), '{"modelId":');
    writeFileSync(join(dir, live), '{"modelId":');
    const service = await Service.open({
      dataDir,
      modelsDir: training.modelsDir,
      host: 'browser',
      emit: () => {},
    });
    await service.close();
    expect(readdirSync(dir)).toEqual([live]);
  });

  it.skipIf(cannotMount())(
    'a full disk fails the training with the folder named, and leaves no file',
    async () => {
      disk = mountTmpfs(2048);
      const dataDir = join(disk.dir, 'data');
      cpSync(training.dataDir, dataDir, { recursive: true });
      const child = spawn(process.execPath, [trainChild, dist, dataDir, training.modelsDir]);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
      // The disk fills up while the training runs: the Service opened its store, the head is not written yet.
      await new Promise<void>((resolve) =>
        createInterface({ input: child.stdout }).on('line', (l) => {
          if (l === 'training started') resolve();
        }),
      );
      child.kill('SIGSTOP');
      const fd = openSync(join(disk.dir, 'filler'), 'w');
      try {
        const block = Buffer.alloc(4096, 1);
        for (;;) writeSync(fd, block);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
        child.kill('SIGCONT');
      }
      expect(await exit).toBe(1);
      expect(stderr).toBe(
        `model.train failed: ${join(dataDir, 'learnt-space')}: the disk is full: nothing was saved (ENOSPC)\n`,
      );
      const dir = join(dataDir, 'learnt-space');
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    },
  );
});
