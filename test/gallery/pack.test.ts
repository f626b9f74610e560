/**
 * Gallery packs through the real commands and models: a small gallery of shared photos (two syndromes and
 * controls of two sources) is imported, given birth dates and notes, exported as a pack encrypted to the
 * receiving centre's key (gallery keygen) and added to an empty store with that centre's private key. The
 * pack's bytes reveal nothing of its content, only whom it is for; in clear (--unencrypted, asked for) it
 * holds no image data and no identifier of the source database; the store built from it matches a
 * held-out photo to the same labels as the source store; another key or any changed byte is refused.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
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
  /** Centre A's pack, encrypted to Centre B's key. */
  let pack: string;
  /** The same gallery exported in clear (--unencrypted). */
  let plainPack: string;
  /** Centre B's key pair, and another centre's. */
  let keysB: { privateKey: string; publicKey: string; publicKeyBase64: string; keySha256: string };
  let keysC: typeof keysB;
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
    const keygen = (dir: string) => {
      mkdirSync(dir);
      const r = cli('gallery', 'keygen', '--out', dir, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as typeof keysB;
    };
    keysB = keygen(join(root, 'keys-b'));
    keysC = keygen(join(root, 'keys-c'));
    pack = join(root, 'centre-a.pack');
    const exported = cli(
      ...['gallery', 'export', '--db', source, '--out', pack, '--centre', 'Centre A'],
      ...['--recipient', keysB.publicKey, '--recipient-name', 'Centre B', '--json'],
    );
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({
      encryptedTo: { name: 'Centre B', keySha256: keysB.keySha256 },
    });
    plainPack = join(root, 'centre-a.plain.pack.json');
    const plain = cli(
      ...['gallery', 'export', '--db', source, '--out', plainPack, '--centre', 'Centre A'],
      ...['--unencrypted', '--json'],
    );
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/warning: .* is not encrypted: anyone who gets it can re-identify/);
    expect(JSON.parse(plain.stdout)).toMatchObject({ encryptedTo: null });
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

  it('writes a key pair: the private key 0600, neither overwritten by a second keygen', () => {
    expect(statSync(keysB.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(keysB.publicKey, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
    expect(readFileSync(keysB.privateKey, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    expect(keysB.keySha256).not.toBe(keysC.keySha256);
    const before = readFileSync(keysB.privateKey, 'utf8');
    const again = cli('gallery', 'keygen', '--out', join(root, 'keys-b'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(keysB.privateKey);
    expect(readFileSync(keysB.privateKey, 'utf8')).toBe(before);
  });

  it('refuses to export without a recipient unless --unencrypted is said, writing nothing', () => {
    const out = join(root, 'refused.pack');
    const r = cli('gallery', 'export', '--db', source, '--out', out, '--centre', 'Centre A');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/biometric data .*re-identify.*--recipient.*--unencrypted/);
    expect(existsSync(out)).toBe(false);
    const both = cli(
      ...['gallery', 'export', '--db', source, '--out', out, '--centre', 'Centre A'],
      ...['--recipient', keysB.publicKey, '--recipient-name', 'B', '--unencrypted'],
    );
    expect(both.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('encrypted: its bytes hold no label, embedding, centre or JSON of the pack, only its recipient', () => {
    const sealed = readFileSync(pack);
    const clear = readFileSync(plainPack);
    const json = JSON.parse(clear.toString('utf8')) as {
      members: { label: string; faces: { vector: string }[] }[];
    };
    // The header line names the recipient and its key fingerprint in clear.
    const header = JSON.parse(sealed.subarray(0, sealed.indexOf(0x0a)).toString('utf8')) as {
      recipient: { name: string; keySha256: string };
    };
    expect(header.recipient).toEqual({ name: 'Centre B', keySha256: keysB.keySha256 });
    const text = sealed.toString('latin1');
    for (const label of new Set(json.members.map((m) => m.label))) expect(text).not.toContain(label);
    expect(text).not.toContain('Centre A');
    expect(text).not.toContain('faceres');
    expect(text).not.toContain('"members"');
    for (const v of json.members.flatMap((m) => m.faces.map((f) => f.vector))) {
      expect(text).not.toContain(v.slice(0, 24));
      // Nor any embedding as raw float32 bytes (its first four numbers).
      expect(sealed.indexOf(Buffer.from(v, 'base64').subarray(0, 16))).toBe(-1);
    }
    // Any 24-byte window of the members in clear is absent (the two exports differ in their random ids).
    for (let i = clear.indexOf('"members"'); i + 24 <= clear.length; i += 97)
      expect(sealed.indexOf(clear.subarray(i, i + 24))).toBe(-1);
  });

  it('in clear, holds no image data and no identifier of the source database', () => {
    const bytes = readFileSync(plainPack);
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
    const added = cli('gallery', 'add-pack', '--db', target, pack, '--key', keysB.privateKey, '--json');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      encryptedTo: { name: 'Centre B', keySha256: keysB.keySha256 },
    });
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

  it('refuses an encrypted pack without its key, with another key, and with any byte changed, importing nothing', () => {
    const target = join(root, 'sealed-refusals.db');
    const refused = (file: string, ...more: string[]) => {
      const r = cli('gallery', 'add-pack', '--db', target, file, ...more);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(file);
      return r.stderr;
    };
    expect(refused(pack)).toMatch(/encrypted to 'Centre B' .*--key/);
    expect(refused(pack, '--key', keysC.privateKey)).toContain(
      `encrypted to 'Centre B' (key sha256 ${keysB.keySha256}), not to the key in ${keysC.privateKey}`,
    );
    const sealed = readFileSync(pack);
    const headerEnd = sealed.indexOf(0x0a);
    const flipped = (at: number, name: string) => {
      const copy = Buffer.from(sealed);
      copy[at] = (copy[at] as number) ^ 0x01;
      const file = join(root, name);
      writeFileSync(file, copy);
      return file;
    };
    // A byte of the ciphertext, of the tag, and of the recipient's name in the clear header.
    for (const file of [
      flipped(headerEnd + 1 + Math.floor((sealed.length - headerEnd) / 2), 'flipped-body.pack'),
      flipped(sealed.length - 1, 'flipped-tag.pack'),
      flipped(sealed.indexOf('Centre B') + 7, 'flipped-header.pack'),
    ])
      expect(refused(file, '--key', keysB.privateKey)).toMatch(/corrupt or altered.*nothing was imported/);
    const truncated = join(root, 'truncated.pack');
    writeFileSync(truncated, sealed.subarray(0, sealed.length - 100));
    refused(truncated, '--key', keysB.privateKey);
    // Nothing was imported: the store has no pack and an empty gallery.
    const s = Store.open(target, commandKey(target));
    try {
      expect(s.galleryEmbeddings('faceres')).toEqual([]);
    } finally {
      s.close();
    }
    // A public key as its base64 line works as the PEM file does.
    const b64 = join(root, 'centre-b.pub.txt');
    writeFileSync(b64, `${keysB.publicKeyBase64}\n`);
    const out = join(root, 'centre-a.b64.pack');
    const e = cli(
      ...['gallery', 'export', '--db', source, '--out', out, '--centre', 'Centre A'],
      ...['--recipient', b64, '--recipient-name', 'Centre B'],
    );
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`encrypted to: Centre B (key sha256 ${keysB.keySha256})`);
    const a = cli('gallery', 'add-pack', '--db', target, out, '--key', keysB.privateKey);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`encrypted to: Centre B (key sha256 ${keysB.keySha256})`);
  });

  it('refuses a pack already added, a corrupt one and one of another model, naming the file, changing nothing', () => {
    const target = join(root, 'refusals.db');
    expect(cli('gallery', 'add-pack', '--db', target, plainPack).code).toBe(0);
    const version = () => {
      const s = Store.open(target, commandKey(target));
      try {
        return s.galleryVersion();
      } finally {
        s.close();
      }
    };
    const before = version();
    const again = cli('gallery', 'add-pack', '--db', target, plainPack);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(plainPack);
    expect(again.stderr).toMatch(/already added/);

    const raw = JSON.parse(readFileSync(plainPack, 'utf8')) as Parameters<typeof contentHash>[0] & {
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
    writeFileSync(truncated, readFileSync(plainPack).subarray(0, 500));
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
