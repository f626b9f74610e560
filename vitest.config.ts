import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'e2e/**/*.test.ts'],
    // Native modules (onnxruntime-node, better-sqlite3, sharp) are safest in separate processes.
    pool: 'forks',
    // Key files of the databases tests create go to a private config directory per test file.
    setupFiles: ['test/support/user-config.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
