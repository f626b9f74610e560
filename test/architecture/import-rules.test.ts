/**
 * The import rules (.dependency-cruiser.cjs, run by `npm run lint`) really refuse what they are for: a
 * small tree laid out like src/ in a temporary folder, with a file cycle, a store module that imports a
 * use case and a command that imports the store directly; and they pass the same tree without those.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';
import { tempDir } from '../store/support.js';

const rules = createRequire(import.meta.url)(join(repoRoot, '.dependency-cruiser.cjs')) as {
  forbidden: unknown[];
};
const tmp = tempDir('facepheno-import-rules-');
afterAll(() => tmp.remove());

function tree(name: string, files: Record<string, string>): string {
  const root = join(tmp.dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext' } }));
  return root;
}

async function violations(root: string): Promise<string[]> {
  const result = await cruise(['src'], {
    baseDir: root,
    ruleSet: { forbidden: rules.forbidden } as never,
    tsPreCompilationDeps: true,
    validate: true,
  });
  if (typeof result.output === 'string') throw new Error(result.output);
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

const layered = {
  'src/main/errors.ts': 'export class UserError extends Error {}\n',
  'src/main/store/store.ts':
    "import { UserError } from '../errors.js';\nexport const open = () => UserError;\n",
  'src/main/usecases/cases.ts':
    "import { open } from '../store/store.js';\nexport const list = () => open();\n",
  'src/cli/commands/case.ts':
    "import { list } from '../../main/usecases/cases.js';\nexport const run = () => list();\n",
};

describe('the import rules', () => {
  it('pass a tree whose layers depend one way', async () => {
    expect(await violations(tree('good', layered))).toEqual([]);
  });

  it('refuse a file cycle (a type import included), a store that runs a use case, a command past the use cases', async () => {
    const bad = tree('bad', {
      ...layered,
      'src/main/store/store.ts':
        "import type { list } from '../usecases/cases.js';\nexport const open = (): typeof list | null => null;\n",
      'src/cli/commands/case.ts':
        "import { open } from '../../main/store/store.js';\nexport const run = () => open();\n",
    });
    const found = await violations(bad);
    expect(found).toContain('no-file-cycle: src/main/store/store.ts -> src/main/usecases/cases.ts');
    expect(found).toContain('store-only-persists: src/main/store/store.ts -> src/main/usecases/cases.ts');
    expect(found).toContain('cli-runs-use-cases: src/cli/commands/case.ts -> src/main/store/store.ts');
  });
});
