import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { commandKey } from '../support/command-key.js';
import { facedata } from '../support/paths.js';
import { sharedPipeline, tempDir, testModelsDir } from '../store/support.js';
import { Store } from '../../src/main/store/store.js';
import { importGallery } from '../../src/main/usecases/gallery.js';
import { SpaceView, spaceView } from '../../src/main/analysis/view.js';
import { analyseStoreGallery } from '../../src/main/usecases/analysis.js';

interface Doc {
  model: string;
  members: number;
  labels: { label: string; isControl: boolean; faces: number }[];
  spaces: {
    space: string;
    clusters: Record<
      'dbscan' | 'agglomerative',
      { adjustedRandIndex: number; normalisedMutualInformation: number; perCluster: unknown[] }
    >;
    placement: { patient: string; neighbours: { patient: string }[] } | null;
    map: { patient: string; label: string; umap: [number, number]; pca: [number, number] }[];
  }[];
  averages: { label: string; cases: number; controls: number; file: string }[];
  heatmap: { patient: string; label: string; patches: number; file: string } | null;
  files: string[];
}

const tmp = tempDir('facepheno-analyze-space-');
const db = join(tmp.dir, 'gallery.db');
const pipeline = sharedPipeline();
let env: NodeJS.ProcessEnv = {};
let modelsCleanup: () => void = () => undefined;

/** A small real gallery: Down syndrome and control photos of facedata, through the real pipeline. */
beforeAll(async () => {
  const models = await testModelsDir();
  modelsCleanup = models.cleanup;
  env = { FACEPHENO_MODELS_DIR: models.dir };
  const kaggle = (label: string, files: string[]) =>
    files.map(
      (f) =>
        [
          `${label}-${f}`,
          facedata('down_syndrome_kaggle', label, f),
          label === 'down_syndrome' ? 'Down syndrome' : 'control',
          '',
          '',
        ] as const,
    );
  const rows = [
    ...kaggle('down_syndrome', [
      'down_10.jpg',
      'down_100.jpg',
      'down_1000.jpg',
      'down_1001.jpg',
      'down_1002.jpg',
      'down_1003.jpg',
    ]),
    ...kaggle('healthy_control', ['healty_10.jpg', 'healty_100.jpg', 'healty_1000.jpg']),
    ...[
      '10_0_0_20170110220503946.jpg.chip.jpg',
      '10_0_0_20170110220530650.jpg.chip.jpg',
      '10_0_0_20170110221719390.jpg.chip.jpg',
    ].map((f) => [`child-${f}`, facedata('children_controls', f), 'control', 'male', '10'] as const),
  ];
  const csv = join(tmp.dir, 'gallery.csv');
  writeFileSync(csv, ['patient,photo,syndrome,sex,age', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const store = Store.open(db, { ...commandKey(db), osUser: 'test' });
  try {
    await importGallery({ store, facePipeline: pipeline.get }, csv);
  } finally {
    store.close();
  }
});

afterAll(async () => {
  await pipeline.close();
  modelsCleanup();
  tmp.remove();
});

const analyse = (args: string[]) => runCli(['analyze-space', '--db', db, '--json', ...args], env);

describe('facepheno analyze-space', () => {
  it('writes maps, cluster report and average faces for a real gallery', async () => {
    const out = join(tmp.dir, 'out');
    const r = analyse(['--out', out, '--patient', 'down_syndrome-down_10.jpg']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.labels.map((l) => l.label)).toEqual(['Down syndrome', 'unaffected']);
    expect(doc.spaces.map((s) => s.space)).toEqual(['raw', 'learnt']);
    for (const s of doc.spaces) {
      expect(s.map).toHaveLength(doc.members);
      for (const c of Object.values(s.clusters)) {
        expect(c.adjustedRandIndex).toBeGreaterThanOrEqual(-1);
        expect(c.adjustedRandIndex).toBeLessThanOrEqual(1);
        expect(c.normalisedMutualInformation).toBeGreaterThanOrEqual(0);
        expect(c.normalisedMutualInformation).toBeLessThanOrEqual(1);
      }
      // The case is placed among the others, never among its own photos.
      expect(s.placement?.neighbours.length).toBeGreaterThan(0);
      expect(s.placement?.neighbours.some((n) => n.patient === 'down_syndrome-down_10.jpg')).toBe(false);
    }
    expect(doc.averages).toHaveLength(1);
    expect(doc.averages[0]).toMatchObject({ label: 'Down syndrome' });
    expect(doc.averages[0]?.cases).toBeGreaterThanOrEqual(5);
    expect(doc.averages[0]?.controls).toBe(doc.averages[0]?.cases);
    const names = doc.files.map((f) => f.slice(out.length + 1)).sort();
    expect(names).toEqual([
      'analysis.json',
      'average-down-syndrome.png',
      'map-learnt-pca.png',
      'map-learnt-umap.png',
      'map-raw-pca.png',
      'map-raw-umap.png',
    ]);
    for (const f of doc.files.filter((p) => p.endsWith('.png'))) {
      const meta = await sharp(f).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(200);
    }
    const { files: _files, ...report } = doc;
    expect(JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8'))).toEqual(report);
  });

  it('gives the same map for the same seed', () => {
    const umap = (seed: string) =>
      (
        JSON.parse(analyse(['--seed', seed, '--space', 'raw', '--no-averages']).stdout) as Doc
      ).spaces[0]?.map.map((p) => p.umap);
    const first = umap('3');
    expect(umap('3')).toEqual(first);
    expect(umap('4')).not.toEqual(first);
  });

  it('draws the occlusion heatmap of a case for a syndrome', async () => {
    const out = join(tmp.dir, 'heat');
    const r = analyse([
      '--out',
      out,
      '--space',
      'raw',
      '--no-averages',
      '--patient',
      'down_syndrome-down_100.jpg',
      '--heatmap',
      '--label',
      'Down syndrome',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.heatmap).toMatchObject({
      patient: 'down_syndrome-down_100.jpg',
      label: 'Down syndrome',
      patches: 169,
    });
    const png = join(out, doc.heatmap?.file ?? '');
    expect(existsSync(png)).toBe(true);
    expect((await sharp(png).metadata()).width).toBe(336);
  });

  it('refuses wrong arguments with exit 2 and failures with exit 1 naming the file', () => {
    expect(runCli(['analyze-space'], env).code).toBe(2);
    expect(analyse(['--space', 'sideways']).code).toBe(2);
    expect(analyse(['--colour', 'mood']).code).toBe(2);
    expect(analyse(['--heatmap']).code).toBe(2);
    expect(analyse(['--seed', '-1']).code).toBe(2);
    const missing = join(tmp.dir, 'nope.db');
    const r = runCli(['analyze-space', '--db', missing], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(existsSync(missing)).toBe(false);
    const unknown = analyse(['--patient', 'NOBODY']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOBODY');
  });

  it('gives the app a view of the analysis that its schema accepts', async () => {
    const store = Store.open(db, commandKey(db));
    try {
      const a = await analyseStoreGallery(store, {
        modelId: 'mobilefacenet',
        seed: 1,
        spaces: ['raw'],
        colourBy: 'sex',
        averages: true,
        maxAverage: 3,
      });
      const view = SpaceView.parse(spaceView(a));
      expect(view.spaces[0]?.points).toHaveLength(a.members);
      expect(view.averages[0]?.cases).toBe(3);
      expect(
        Buffer.from(view.averages[0]?.png ?? '', 'base64')
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    } finally {
      store.close();
    }
  });

  it('says a gallery too small to map is too small', () => {
    const empty = join(tmp.dir, 'empty.db');
    Store.open(empty, commandKey(empty)).close();
    const r = runCli(['analyze-space', '--db', empty], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a map needs at least 5/);
  });
});
