/** The import rules of the architecture (README, Layout): no cycle between files or folders, layers one way. */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycle',
      comment: 'A file cycle (type imports included) means two modules are one: merge or split them.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'Folders depend one way (README, Layout).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|out)/' },
  },
};
