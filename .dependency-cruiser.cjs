/**
 * The import rules of the architecture (README, Layout), checked by `npm run lint`: no import cycle between
 * files (type imports included), and the layers depend one way, so the folders of src/main form no cycle.
 *
 *   app, server, cli  ->  service  ->  usecases  ->  store  ->  analysis -> face -> match -> models
 *                                                            ->  genomics, gallery
 *   everything may import the kernel (src/main/*.ts: errors, version, data-dir, ...) and src/shared.
 */
const main = (folders) => `^src/main/(${folders.join('|')})/`;
const adapters = ['app', 'server', 'service'];

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment:
        'A file cycle (type imports included) makes two modules one: merge them or split out what both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-is-the-contract',
      comment: 'src/shared is imported by main, preload and renderer alike: it imports none of them.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|cli|preload|renderer)/' },
    },
    {
      name: 'renderer-talks-to-window-api',
      comment: 'The renderer knows the contract (src/shared) and window.api, nothing of the backend.',
      severity: 'error',
      from: { path: '^src/(renderer|preload)/' },
      to: { path: '^src/(main|cli)/' },
    },
    {
      name: 'kernel-imports-no-layer',
      comment: 'The files directly in src/main (errors, version, data-dir, ...) sit below every folder.',
      severity: 'error',
      from: { path: '^src/main/[^/]+\\.ts$' },
      to: { path: '^src/main/[^/]+/' },
    },
    {
      name: 'cli-runs-use-cases',
      comment: 'The command is a thin adapter: it runs the use cases, as the Service does.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: main(['store', 'face', 'match', 'genomics', 'analysis', 'models', 'gallery']) },
    },
    {
      name: 'service-runs-use-cases',
      comment: 'The Service handlers are thin adapters over the use cases.',
      severity: 'error',
      from: { path: '^src/main/service/' },
      to: {
        path: main([
          'face',
          'match',
          'genomics',
          'analysis',
          'models',
          'gallery',
          ...adapters.filter((a) => a !== 'service'),
        ]),
      },
    },
    {
      name: 'use-cases-know-no-host',
      comment: 'Use cases know no Electron, no HTTP, no argv: the adapters call them, never the other way.',
      severity: 'error',
      from: { path: '^src/main/usecases/' },
      to: { path: `${main(adapters)}|^src/cli/` },
    },
    {
      name: 'store-only-persists',
      comment:
        'The store persists what the modules below produce; it runs no analysis, matching or use case.',
      severity: 'error',
      from: { path: '^src/main/store/' },
      to: { path: `${main(['usecases', 'analysis', 'match', 'models', ...adapters])}|^src/cli/` },
    },
    {
      name: 'algorithms-know-no-store',
      comment: 'Face, matching, analysis, genomics and gallery reading work on plain data, below the store.',
      severity: 'error',
      from: { path: main(['face', 'match', 'analysis', 'genomics', 'gallery', 'models']) },
      to: { path: `${main(['store', 'usecases', ...adapters])}|^src/cli/` },
    },
    {
      name: 'analysis-above-face',
      comment: 'Analysis uses faces and matching; they never use analysis.',
      severity: 'error',
      from: { path: main(['face', 'match', 'models', 'genomics', 'gallery']) },
      to: { path: main(['analysis']) },
    },
    {
      name: 'face-above-match',
      comment: 'The face pipeline uses the vector maths of match/; matching never runs the face pipeline.',
      severity: 'error',
      from: { path: main(['match', 'models', 'genomics']) },
      to: { path: main(['face']) },
    },
    {
      name: 'models-lowest',
      comment: 'Models load ONNX sessions; they know nothing of what the embeddings are used for.',
      severity: 'error',
      from: { path: main(['models']) },
      to: { path: main(['match', 'genomics', 'gallery']) },
    },
    {
      name: 'genomics-apart',
      comment: 'VCF reading and variant ranking need nothing of faces; the use cases join the two.',
      severity: 'error',
      from: { path: main(['genomics']) },
      to: { path: main(['match', 'models', 'gallery']) },
    },
    {
      name: 'gallery-apart',
      comment: 'Reading a gallery source (folder or CSV) needs nothing of matching or genomics.',
      severity: 'error',
      from: { path: main(['gallery']) },
      to: { path: main(['match', 'models', 'genomics']) },
    },
    {
      name: 'face-reads-no-gallery',
      comment: 'A gallery reader may use image code of face/; the face pipeline reads no gallery.',
      severity: 'error',
      from: { path: main(['face', 'match']) },
      to: { path: main(['gallery']) },
    },
    {
      name: 'server-hosts-the-service',
      comment: 'facepheno serve hosts the Service as the Electron shell does; neither imports the other.',
      severity: 'error',
      from: { path: main(['server', 'service']) },
      to: { path: main(['app']) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|out)/' },
  },
};
