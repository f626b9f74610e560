import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// out/main: the shell and the Service's worker thread (native modules stay external, unpacked from asar);
// out/preload: one CommonJS file, as sandboxed preloads must be; out/renderer: the page, also served by
// `facepheno serve`.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // Worker threads are found beside the module that starts them, so every entry and chunk sits flat in
        // out/main: worker.js is the inference worker that src/main/models starts.
        input: {
          index: resolve('src/main/app/index.ts'),
          'service-worker': resolve('src/main/service/service-worker.ts'),
          'evaluate-worker': resolve('src/main/usecases/evaluate-worker.ts'),
          'train-worker': resolve('src/main/usecases/train-worker.ts'),
          'analysis-worker': resolve('src/main/usecases/analysis-worker.ts'),
          worker: resolve('src/main/models/worker.ts'),
        },
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    base: './',
    build: { rollupOptions: { input: resolve('src/renderer/index.html') } },
    plugins: [react()],
  },
});
