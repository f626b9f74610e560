/**
 * Gallery packs through the real commands and models: a small gallery of shared photos (two syndromes and
 * controls of two sources) is imported, given birth dates and notes, exported as a pack and added to an
 * empty store. The pack holds no image data and no identifier of the source database, and the store built
 * from it matches a held-out photo to the same labels as the source store.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/main/store/gallery-pack.js';
import { Store } from '../../src/main/store/store.js';
import { runCli } from '../support/cli.js';
import { commandKey } from '../support/command-key.js';
import { facedata } from '../support/paths.js';
import { testModelsDir } from '../store/support.js';

interface MatchJson {
  galleryVersion: string;
  matcher: { kept: boolean; ms: number };
  results: {
    ranking?: { label: string; probability: number; nearest: { patient: string; centre: string | null }[] }[];
    error: string | null;
  }[];
}

function linkPhotos(dir: string, label: string, from: string, n: number): void {
  mkdirSync(join(dir, label), { recursive: true });
  for (const f of readdirSync(from)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n))
    symlinkSync(join(from, f), join(dir, label, f));
}

describe('gallery packs', () => {
  let root: string;
  let models: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let source: string;
  let pack: string;
  const heldOut = facedata(
    'down_syndrome_kaggle',
    'down_syndrome',
    readdirSync(facedata('down_syndrome_kaggle', 'down_syndrome')).sort()[40] as string,
  );
  const cli = (...args: string[]) => runCli(args, env);
  const match = (db: string) => {
    const r = cli('match', '--db', db, heldOut, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as MatchJson;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facepheno-pack-'));
    models = await testModelsDir();
    env = { FACEPHENO_MODELS_DIR: models.dir };
    const gallery = join(root, 'gallery');
    linkPhotos(gallery, 'down_syndrome', facedata('down_syndrome_kaggle', 'down_syndrome'), 5);
    linkPhotos(gallery, 'healthy_control', facedata('down_syndrome_kaggle', 'healthy_control'), 4);
    linkPhotos(gallery, 'children_controls', facedata('children_controls'), 4);
    linkPhotos(gallery, '22q11ds', facedata('22q11ds', '22q11ds'), 5);
    source = join(root, 'source.db');
    const imported = cli(
      ...['gallery', 'import', '--db', source, gallery, '--controls', 'healthy_control'],
      ...['--controls', 'children_controls', '--json'],
    );
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    // Identifiers the pack must not carry: dates of birth and notes beside the pseudonyms and file names.
    const store = Store.open(source, commandKey(source));
    try {
      store.patients.list({ limit: 1000 }).rows.forEach((p, i) =>
        store.patients.update(p.pseudonym, {
          birthDate: `201${i % 10}-0${1 + (i % 9)}-1${i % 10}`,
          birthYear: 2010 + (i % 10),
          notes: `note-${i}-referred by Dr Example`,
        }),
      );
    } finally {
      store.close();
    }
    pack = join(root, 'centre-a.pack.json');
    const exported = cli(
      'gallery',
      'export',
      '--db',
      source,
      '--out',
      pack,
      '--centre',
      'Centre A',
      '--json',
    );
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    models?.cleanup();
  });

  it('keeps each control source: learnt apart, reported as one unaffected', () => {
    const store = Store.open(source, commandKey(source));
    try {
      const rows = store.galleryEmbeddings('faceres');
      expect([...new Set(rows.filter((r) => r.isControl).map((r) => r.source))].sort()).toEqual([
        'children_controls',
        'healthy_control',
      ]);
      expect(rows.every((r) => r.centre === null)).toBe(true);
    } finally {
      store.close();
    }
    const ranking = match(source).results[0]?.ranking ?? [];
    expect(ranking.map((l) => l.label).sort()).toEqual(['22q11ds', 'down_syndrome', 'unaffected']);
    expect(ranking.reduce((s, l) => s + l.probability, 0)).toBeCloseTo(1, 6);
  });

  it('holds no image data and no identifier of the source database', () => {
    const bytes = readFileSync(pack);
    const text = bytes.toString('utf8');
    const magic = [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('\x89PNG', 'latin1'), Buffer.from('WEBP')];
    for (const m of magic) expect(bytes.indexOf(m)).toBe(-1);
    expect(text).not.toMatch(/RIFF|JFIF|Exif|data:image/i);
    // Every string long enough to hide anything is an embedding of exactly the model's dimension.
    const json = JSON.parse(text) as { model: { dim: number }; members: { faces: { vector: string }[] }[] };
    const strings: string[] = [];
    JSON.stringify(json, (_, v: unknown) => (typeof v === 'string' && strings.push(v), v));
    const vectors = new Set(json.members.flatMap((m) => m.faces.map((f) => f.vector)));
    for (const s of strings.filter((s) => s.length > 80)) expect(vectors.has(s)).toBe(true);
    for (const v of vectors) expect(Buffer.from(v, 'base64').byteLength).toBe(4 * json.model.dim);

    const db = Store.open(source, commandKey(source));
    try {
      const identifiers = db.db
        .prepare(
          `SELECT pseudonym AS v FROM patients UNION SELECT birth_date FROM patients UNION SELECT notes FROM patients
           UNION SELECT sha256 FROM photos UNION SELECT original_name FROM photos`,
        )
        .pluck()
        .all() as (string | null)[];
      const present = identifiers.filter((v): v is string => !!v);
      expect(present.length).toBeGreaterThan(50);
      const lower = text.toLowerCase();
      for (const v of present) expect(lower.includes(v.toLowerCase()), v).toBe(false);
    } finally {
      db.close();
    }
  });

  it('round-trips: a store with the pack added matches a held-out photo to the same labels, naming the centre', () => {
    const target = join(root, 'target.db');
    const added = cli('gallery', 'add-pack', '--db', target, pack, '--json');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const s = Store.open(source, commandKey(source));
    const own = s.galleryEmbeddings('faceres');
    s.close();
    expect(JSON.parse(added.stdout)).toMatchObject({
      centre: 'Centre A',
      members: new Set(own.map((r) => r.patient)).size,
      faces: own.length,
    });
    const a = match(source).results[0]?.ranking ?? [];
    const b = match(target).results[0]?.ranking ?? [];
    expect(b.map((l) => l.label)).toEqual(a.map((l) => l.label));
    // The same faces under other pseudonyms get the same folds, so the same calibration.
    b.forEach((l, i) => expect(l.probability).toBeCloseTo(a[i]?.probability ?? NaN, 4));
    const nearest = b.flatMap((l) => l.nearest);
    expect(nearest.length).toBeGreaterThan(0);
    for (const n of nearest) {
      expect(n.centre).toBe('Centre A');
      expect(n.patient.startsWith('Centre A/')).toBe(true);
    }
    expect(a.flatMap((l) => l.nearest).every((n) => n.centre === null)).toBe(true);
  });

  it('refuses a pack already added, a corrupt one and one of another model, naming the file, changing nothing', () => {
    const target = join(root, 'refusals.db');
    expect(cli('gallery', 'add-pack', '--db', target, pack).code).toBe(0);
    const version = () => {
      const s = Store.open(target, commandKey(target));
      try {
        return s.galleryVersion();
      } finally {
        s.close();
      }
    };
    const before = version();
    const again = cli('gallery', 'add-pack', '--db', target, pack);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(pack);
    expect(again.stderr).toMatch(/already added/);

    const raw = JSON.parse(readFileSync(pack, 'utf8')) as Parameters<typeof contentHash>[0] & {
      contentSha256: string;
    };
    const corrupt = join(root, 'corrupt.pack.json');
    const first = raw.members[0] as (typeof raw.members)[number];
    writeFileSync(
      corrupt,
      JSON.stringify({ ...raw, members: [{ ...first, label: 'tampered' }, ...raw.members.slice(1)] }),
    );
    const c = cli('gallery', 'add-pack', '--db', target, corrupt);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(corrupt);
    expect(c.stderr).toMatch(/corrupt or altered/);

    const truncated = join(root, 'truncated.pack.json');
    writeFileSync(truncated, readFileSync(pack).subarray(0, 500));
    const t = cli('gallery', 'add-pack', '--db', target, truncated);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(truncated);

    // A well-formed, correctly hashed pack of another build of the model.
    const { contentSha256: _, ...content } = raw;
    const otherModel = { ...content, model: { ...content.model, sha256: 'b'.repeat(64) } };
    const other = join(root, 'other-model.pack.json');
    writeFileSync(other, JSON.stringify({ ...otherModel, contentSha256: contentHash(otherModel) }));
    const o = cli('gallery', 'add-pack', '--db', target, other);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain(other);
    expect(o.stderr).toMatch(/another build of model 'faceres'/);

    expect(version()).toBe(before);
  });
});
