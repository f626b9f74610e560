import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { facedata } from '../support/paths.js';
import { bombPng, truncatedJpeg } from '../face/inputs.js';

let dir: string;
const johns = facedata('identity', 'dlib_johns');
const johnPhoto = (name: string, i: number) =>
  join(johns, name, readdirSync(join(johns, name)).sort()[i] as string);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'facepheno-face-cli-'));
  mkdirSync(join(dir, 'mixed'));
  copyFileSync(johnPhoto('John_Salley', 0), join(dir, 'mixed', 'a-face.jpg'));
  writeFileSync(join(dir, 'mixed', 'b-empty.jpg'), Buffer.alloc(0));
  writeFileSync(join(dir, 'mixed', 'c-text.jpg'), 'not a photo\n');
  writeFileSync(join(dir, 'mixed', 'd-cut.jpg'), await truncatedJpeg());
  writeFileSync(join(dir, 'mixed', 'e-bomb.png'), bombPng(30000, 30000));
  await sharp({ create: { width: 200, height: 150, channels: 3, background: '#6a8' } })
    .jpeg()
    .toFile(join(dir, 'mixed', 'f-blank.jpg'));
  for (const name of ['John_Salley', 'John_Simm']) {
    mkdirSync(join(dir, 'people', name), { recursive: true });
    for (const i of [0, 1, 2]) copyFileSync(johnPhoto(name, i), join(dir, 'people', name, `${i}.jpg`));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oneLine = (stderr: string) => expect(stderr.trim().split('\n')).toHaveLength(1);

describe('facepheno analyze', () => {
  it('reports each photo of a folder, bad ones as their own errors, in one JSON document', () => {
    const aligned = join(dir, 'aligned');
    const r = runCli(['analyze', join(dir, 'mixed'), '--json', '--save-aligned', aligned]);
    expect(r.code).toBe(0);
    const { images } = JSON.parse(r.stdout) as {
      images: {
        file: string;
        faces: { box: object; score: number; points5: number[][]; quality: { flags: string[] } }[];
        primary: number | null;
        error: string | null;
      }[];
    };
    const byName = Object.fromEntries(images.map((i) => [i.file.split('/').pop(), i]));
    expect(byName['a-face.jpg']).toMatchObject({ primary: 0, error: null });
    expect(byName['a-face.jpg']?.faces[0]?.points5).toHaveLength(5);
    expect(byName['b-empty.jpg']?.error).toContain('empty file (0 bytes)');
    expect(byName['c-text.jpg']?.error).toContain('not an image');
    expect(byName['d-cut.jpg']?.error).toContain('truncated');
    expect(byName['e-bomb.png']?.error).toContain('too large (30000x30000 pixels');
    expect(byName['f-blank.jpg']).toMatchObject({ faces: [], primary: null, error: null });
    expect(readdirSync(aligned)).toEqual(['a-face.png']);
  });

  it('fails with exit code 1 and one line when no photo can be read', () => {
    const r = runCli(['analyze', join(dir, 'mixed', 'c-text.jpg')]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain('c-text.jpg: not an image');
  });

  it('refuses wrong arguments with exit code 2', () => {
    expect(runCli(['analyze']).code).toBe(2);
    expect(runCli(['analyze', '--frobnicate', 'x.jpg']).code).toBe(2);
  });
});

describe('facepheno compare, verify, bench', () => {
  it('compare gives the cosine similarity per embedding model', () => {
    const r = runCli(['compare', johnPhoto('John_Salley', 0), johnPhoto('John_Salley', 1), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      images: string[];
      models: { id: string; sha256: string; cosine: number }[];
    };
    expect(out.models.map((m) => m.id)).toContain('faceres');
    for (const m of out.models) expect(m.cosine).toBeGreaterThan(-1);
  });

  it('compare fails with one line when a photo has no face', () => {
    const r = runCli(['compare', johnPhoto('John_Salley', 0), join(dir, 'mixed', 'f-blank.jpg')]);
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain('f-blank.jpg: no face found');
  });

  it('verify scores every same- and different-person pair', () => {
    const r = runCli(['verify', join(dir, 'people'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { models: Record<string, { auc: number }> };
    expect(out).toMatchObject({ people: 2, photos: 6, failed: 0, pairs_same: 6, pairs_diff: 9 });
    expect(out.models.faceres?.auc).toBeGreaterThan(0.9);
  });

  it('bench reports photos per second and per-stage times', () => {
    const r = runCli(['bench', join(dir, 'people', 'John_Simm'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { photos: number; photos_per_s: number; ms: Record<string, number> };
    expect(out.photos).toBe(3);
    expect(out.photos_per_s).toBeGreaterThan(0);
    expect(Object.keys(out.ms).sort()).toEqual(['align', 'decode', 'detect', 'embed', 'mesh']);
  });

  it('prints --help for each command', () => {
    for (const name of ['analyze', 'compare', 'verify', 'bench']) {
      const r = runCli([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: facepheno ${name}`);
    }
  });
});
