/**
 * Writes the hardening corpus: broken and hostile inputs for every import FacePheno has (photos, VCFs,
 * galleries, Phenopackets, HPO ontologies), all synthetic: no patient data, no real photo. With `faces`
 * (paths to real face photos, given at test time only) it also composes face photos into the folder:
 * a face under each EXIF orientation and several faces in one photo. Those are never committed.
 *
 * Each file comes with what FacePheno must do with it (corpus.json): accept it, or refuse it with a
 * message that names the file (and the line where there is one).
 *
 *   npm run corpus -- [--out DIR (default: <os temp>/facepheno-corpus)] [--long-line-mb 32]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export type EntryPoint = 'photo' | 'vcf' | 'gallery' | 'phenopacket' | 'hpo';

export interface CorpusItem {
  /** Relative to the corpus folder. */
  file: string;
  entry: EntryPoint;
  /** What the file is, for the report. */
  what: string;
  /** Refused: the message must match `message` and name `names` (the file the user must fix) and `line`. */
  refuse?: { message: string; names?: string; line?: number };
  /** Accepted photos: how many faces at least (undefined: no claim, e.g. a synthetic image without a face). */
  minFaces?: number;
  /** Accepted photos: no face may be found (synthetic images with nothing face-like). */
  noFace?: boolean;
}

export interface Corpus {
  dir: string;
  items: CorpusItem[];
  bytes: number;
}

/** A seeded gradient: deterministic and nothing like a face. */
function gradient(width: number, height: number, channels: 3 | 4 = 3, seed = 1): Sharp {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      raw[i] = (x * 3 + seed * 29) % 256;
      raw[i + 1] = (y * 5 + seed * 13) % 256;
      raw[i + 2] = ((x + y) * 2 + seed * 7) % 256;
      if (channels === 4) raw[i + 3] = (x * 7) % 256;
    }
  return sharp(raw, { raw: { width, height, channels } });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG whose header claims width x height but that holds one row of data: a decompression bomb header. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const row = Buffer.alloc(1 + width); // filter byte + zeros: compresses to almost nothing
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(row)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

async function photos(put: (file: string, bytes: Buffer | string) => void): Promise<CorpusItem[]> {
  const jpeg = await gradient(320, 240).jpeg({ quality: 90 }).toBuffer();
  const png = await gradient(64, 64).png().toBuffer();
  put('photo/empty.jpg', Buffer.alloc(0));
  put('photo/truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  put('photo/text-named.jpg', 'this is not a photo\n');
  put('photo/png-named.jpg', png);
  put('photo/bomb.png', bombPng(60_000, 60_000));
  put('photo/one-pixel.png', await gradient(1, 1).png().toBuffer());
  put('photo/wide-20000x20.png', await gradient(20_000, 20).png().toBuffer());
  const frames = 3;
  const anim = Buffer.concat(
    await Promise.all([1, 2, 3].map((s) => gradient(48, 48, 3, s).raw().toBuffer())),
  );
  put(
    'photo/animated.gif',
    await sharp(anim, { raw: { width: 48, height: 48 * frames, channels: 3, pageHeight: 48 } })
      .gif({ loop: 0, delay: [100, 100, 100] })
      .toBuffer(),
  );
  put('photo/cmyk.jpg', await gradient(96, 96).toColourspace('cmyk').jpeg().toBuffer());
  put('photo/16-bit.png', await gradient(96, 96).toColourspace('rgb16').png().toBuffer());
  put('photo/alpha.png', await gradient(96, 96, 4).png().toBuffer());
  for (let o = 1; o <= 8; o++)
    put(
      `photo/orientation-${o}.jpg`,
      await gradient(120, 80).jpeg().withMetadata({ orientation: o }).toBuffer(),
    );
  put('photo/non-face.jpg', jpeg);
  const refuse = (file: string, message: string): CorpusItem => ({
    file,
    entry: 'photo',
    what: file,
    refuse: { message, names: file },
  });
  const accept = (file: string, what: string): CorpusItem => ({ file, entry: 'photo', what, noFace: true });
  return [
    refuse('photo/empty.jpg', 'empty file \\(0 bytes\\)'),
    refuse('photo/truncated.jpg', 'truncated or damaged'),
    refuse('photo/text-named.jpg', 'not an image FacePheno can read'),
    refuse('photo/bomb.png', 'too large \\(60000x60000 pixels'),
    accept('photo/png-named.jpg', 'PNG bytes under a .jpg name'),
    accept('photo/one-pixel.png', '1x1 image'),
    accept('photo/wide-20000x20.png', '20000x20 image'),
    accept('photo/animated.gif', 'animated GIF, 3 frames'),
    accept('photo/cmyk.jpg', 'CMYK JPEG'),
    accept('photo/16-bit.png', '16-bit PNG'),
    accept('photo/alpha.png', 'PNG with alpha'),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((o) => accept(`photo/orientation-${o}.jpg`, `EXIF orientation ${o}`)),
    accept('photo/non-face.jpg', 'no face'),
  ];
}

/** The rotation/flip that EXIF orientation `o` undoes: the stored pixels, so that the viewer sees it upright. */
function storeForOrientation(img: Sharp, o: number): Sharp {
  // EXIF 2..8: flop, rotate 180, flip, transpose, rotate 90 CW on display, transverse, rotate 270 CW on display.
  const undo: Record<number, (s: Sharp) => Sharp> = {
    1: (s) => s,
    2: (s) => s.flop(),
    3: (s) => s.rotate(180),
    4: (s) => s.flip(),
    5: (s) => s.rotate(270).flop(),
    6: (s) => s.rotate(270),
    7: (s) => s.rotate(90).flop(),
    8: (s) => s.rotate(90),
  };
  return undo[o]?.(img) ?? img;
}

async function facePhotos(faces: string[], put: (file: string, b: Buffer) => void): Promise<CorpusItem[]> {
  const [first] = faces;
  if (!first) return [];
  const items: CorpusItem[] = [];
  const upright = await sharp(first).rotate().resize(240, 240, { fit: 'cover' }).jpeg().toBuffer();
  for (let o = 1; o <= 8; o++) {
    const stored = await storeForOrientation(sharp(upright), o).toBuffer();
    put(
      `faces/face-orientation-${o}.jpg`,
      await sharp(stored).jpeg().withMetadata({ orientation: o }).toBuffer(),
    );
    items.push({
      file: `faces/face-orientation-${o}.jpg`,
      entry: 'photo',
      what: `face, EXIF ${o}`,
      minFaces: 1,
    });
  }
  const tiles = await Promise.all(
    faces.slice(0, 4).map((f) => sharp(f).rotate().resize(200, 200, { fit: 'cover' }).toBuffer()),
  );
  if (tiles.length >= 2) {
    const many = await sharp({
      create: { width: 400 * tiles.length, height: 300, channels: 3, background: '#888' },
    })
      .composite(tiles.map((t, i) => ({ input: t, left: i * 400 + 100, top: 50 })))
      .jpeg()
      .toBuffer();
    put('faces/many-faces.jpg', many);
    items.push({ file: 'faces/many-faces.jpg', entry: 'photo', what: `${tiles.length} faces`, minFaces: 2 });
  }
  return items;
}

const vcfHeader = [
  '##fileformat=VCFv4.2',
  '##contig=<ID=chr1,length=248956422>',
  '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene">',
  '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
];
const vcfColumns = ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO', 'FORMAT'].join('\t');

function vcf(samples: string[], records: string[]): string {
  return [...vcfHeader, `${vcfColumns}\t${samples.join('\t')}`, ...records].join('\n') + '\n';
}

function record(pos: number, info: string, gts = ['0/1']): string {
  return ['chr1', pos, '.', 'A', 'G', '50', 'PASS', info, 'GT', ...gts].join('\t');
}

const csq = 'CSQ=G|missense_variant|MODERATE|KMT2D|ENSG00000167548';

function vcfs(put: (file: string, bytes: Buffer | string) => void, longLineMb: number): CorpusItem[] {
  const good = vcf(['PROBAND'], [record(100, csq), record(200, csq), record(300, csq)]);
  put('vcf/bad-header.vcf', good.replace('##fileformat=VCFv4.2', '##fileformat=BCF'));
  // Line numbers: 4 header lines, the column line is 5, records from 6.
  put(
    'vcf/wrong-columns.vcf',
    vcf(['PROBAND'], [record(100, csq), 'chr1\t200\t.\tA\tG\t50', record(300, csq)]),
  );
  const many = vcf(
    ['PROBAND'],
    Array.from({ length: 4000 }, (_, i) => record(1000 + i * 10, csq)),
  );
  const gz = gzipSync(many);
  put('vcf/truncated.vcf.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
  put(
    'vcf/non-utf8.vcf',
    Buffer.concat([
      Buffer.from(vcf(['PROBAND'], [record(100, csq)])),
      Buffer.from(record(200, 'CSQ=G|missense_variant|MODERATE|CAF\xc9|ENSG1', ['0/1']) + '\n', 'latin1'),
    ]),
  );
  const long = 'X'.repeat(longLineMb * 1024 * 1024);
  put('vcf/long-line.vcf', vcf(['PROBAND'], [record(100, csq), record(200, `NOTE=${long}`)]));
  put('vcf/duplicate-samples.vcf', vcf(['PROBAND', 'PROBAND'], [record(100, csq, ['0/1', '0/0'])]));
  put('vcf/malformed-csq.vcf', vcf(['PROBAND'], [record(100, csq), record(200, 'CSQ=G|missense_variant')]));
  put('vcf/empty.vcf', '');
  const refuse = (file: string, what: string, message: string, line?: number): CorpusItem => ({
    file,
    entry: 'vcf',
    what,
    refuse: { message, names: file, line },
  });
  return [
    refuse('vcf/bad-header.vcf', '##fileformat=BCF', 'unsupported VCF version BCF', 1),
    refuse('vcf/wrong-columns.vcf', 'a record with 6 columns', '6 columns where the header declares 10', 7),
    refuse('vcf/truncated.vcf.gz', 'gzip cut at 60%', 'truncated gzip data'),
    refuse('vcf/non-utf8.vcf', 'Latin-1 byte in a record', 'not UTF-8', 7),
    refuse('vcf/long-line.vcf', `a ${longLineMb} MB record`, 'line is longer than 16 MB', 7),
    refuse('vcf/duplicate-samples.vcf', 'sample PROBAND twice', "sample 'PROBAND' names two columns", 5),
    refuse('vcf/malformed-csq.vcf', 'CSQ with 2 of 5 fields', 'CSQ entry has 2 fields', 7),
    refuse('vcf/empty.vcf', '0 bytes', 'empty file'),
  ];
}

async function galleries(put: (file: string, bytes: Buffer | string) => void): Promise<CorpusItem[]> {
  const img = (seed: number) => gradient(80, 80, 3, seed).jpeg().toBuffer();
  const folder = async (name: string, metadata: string, photos: Record<string, Buffer>) => {
    for (const [f, b] of Object.entries(photos)) put(`gallery/${name}/kabuki/${f}`, b);
    if (metadata) put(`gallery/${name}/kabuki/metadata.csv`, metadata);
  };
  await folder('missing-photo', 'file,patient\na.jpg,G-1\nb.jpg,G-2\n', { 'a.jpg': await img(1) });
  await folder('bad-row', 'file,patient,sex\na.jpg,G-1,F\nb.jpg,G-2,sometimes\n', {
    'a.jpg': await img(1),
    'b.jpg': await img(2),
  });
  await folder('short-row', 'file,patient,sex\na.jpg,G-1,F\nb.jpg\n', {
    'a.jpg': await img(1),
    'b.jpg': await img(2),
  });
  await folder('broken-photo', 'file,patient\na.jpg,G-1\nb.jpg,G-2\n', {
    'a.jpg': await img(1),
    'b.jpg': (await img(2)).subarray(0, 200),
  });
  await folder('duplicate-photo', 'file,patient\na.jpg,G-1\nb.jpg,G-1\n', {
    'a.jpg': await img(1),
    'b.jpg': await img(1),
  });
  put('gallery/empty/.keep', '');
  const meta = (name: string) => `gallery/${name}/kabuki/metadata.csv`;
  const refuse = (name: string, what: string, message: string, names: string, line?: number): CorpusItem => ({
    file: `gallery/${name}`,
    entry: 'gallery',
    what,
    refuse: { message, names, line },
  });
  return [
    refuse(
      'missing-photo',
      'metadata names a photo that is not there',
      'photo not found',
      meta('missing-photo'),
      3,
    ),
    refuse('bad-row', "sex 'sometimes'", 'sex must be one of', meta('bad-row'), 3),
    refuse('short-row', 'a row with 1 of 3 fields', 'expected 3 fields', meta('short-row'), 3),
    refuse(
      'broken-photo',
      'a truncated photo',
      'not an image FacePheno can read|truncated',
      meta('broken-photo'),
      3,
    ),
    refuse(
      'duplicate-photo',
      'one photo twice for one patient',
      'the same photo twice',
      meta('duplicate-photo'),
      3,
    ),
    refuse('empty', 'no label folders', 'one folder per syndrome label', 'gallery/empty'),
  ];
}

function phenopackets(put: (file: string, bytes: Buffer | string) => void): CorpusItem[] {
  const packet = (id: string, features: { id: string; label: string }[]) =>
    JSON.stringify(
      {
        id: `packet.${id}`,
        subject: { id, sex: 'FEMALE' },
        phenotypicFeatures: features.map((f) => ({ type: f })),
        metaData: { created: '2026-01-01T00:00:00Z', createdBy: 'corpus', phenopacketSchemaVersion: '2.0' },
      },
      null,
      2,
    );
  put('phenopacket/not-json.json', '{"id": "packet.1", "subject": {"id": "PP-1"');
  put('phenopacket/no-subject.json', JSON.stringify({ id: 'packet.2', phenotypicFeatures: [] }));
  put('phenopacket/unknown-hpo.json', packet('PP-3', [{ id: 'HP:9999999', label: 'No such term' }]));
  put('phenopacket/obsolete-hpo.json', packet('PP-4', [{ id: 'HP:0000284', label: 'Obsolete term' }]));
  put('phenopacket/not-hpo.json', packet('PP-5', [{ id: 'MP:0000001', label: 'A mouse term' }]));
  put('phenopacket/binary.json', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x00, 0x00]));
  const refuse = (f: string, what: string, message: string): CorpusItem => ({
    file: `phenopacket/${f}`,
    entry: 'phenopacket',
    what,
    refuse: { message, names: `phenopacket/${f}` },
  });
  return [
    refuse('not-json.json', 'JSON cut short', 'not a readable JSON file'),
    refuse('no-subject.json', 'no subject', 'subject'),
    refuse('unknown-hpo.json', 'HP:9999999, not in the HPO', 'HP:9999999 is not a term of the loaded HPO'),
    refuse('obsolete-hpo.json', 'obsolete HP:0000284', 'HP:0000284 .*is obsolete.*use HP:0000271'),
    refuse('not-hpo.json', 'an MP id as a feature', 'not an HPO id'),
    refuse('binary.json', 'binary bytes', 'not a readable JSON file'),
  ];
}

const obo = (terms: string[]) =>
  ['format-version: 1.2', 'data-version: hp/releases/corpus', 'ontology: hp', '', ...terms].join('\n') + '\n';
const root = '[Term]\nid: HP:0000001\nname: All\n';

function ontologies(put: (file: string, bytes: Buffer | string) => void): CorpusItem[] {
  put('hpo/no-root.obo', obo(['[Term]\nid: HP:0000118\nname: Phenotypic abnormality\n']));
  put(
    'hpo/unknown-parent.obo',
    obo([root, '[Term]\nid: HP:0000118\nname: Phenotypic abnormality\nis_a: HP:9999999\n']),
  );
  put(
    'hpo/replaced-by-unknown.obo',
    obo([root, '[Term]\nid: HP:0000007\nname: Old\nis_obsolete: true\nreplaced_by: HP:9999998\n']),
  );
  put('hpo/tag-before-id.obo', obo([root, '[Term]\nname: Nameless first\nid: HP:0000118\n']));
  put(
    'hpo/unclosed-quote.obo',
    obo([root, '[Term]\nid: HP:0000118\nname: Phenotypic abnormality\ndef: "never closed\n']),
  );
  put('hpo/not-json.json', '{"graphs": [');
  const refuse = (f: string, what: string, message: string, line?: number): CorpusItem => ({
    file: `hpo/${f}`,
    entry: 'hpo',
    what,
    refuse: { message, names: `hpo/${f}`, line },
  });
  return [
    refuse('no-root.obo', 'no HP:0000001', 'no HPO root term'),
    refuse(
      'unknown-parent.obo',
      'is_a an id that is not in the file',
      'term HP:0000118 is_a HP:9999999, which is not a term',
      10,
    ),
    refuse(
      'replaced-by-unknown.obo',
      'replaced_by an id that is not in the file',
      'term HP:0000007 is replaced_by HP:9999998, which is not a term',
      10,
    ),
    refuse('tag-before-id.obo', "'name' before 'id'", "'name' before the term's id", 10),
    refuse('unclosed-quote.obo', 'a definition whose quote is never closed', 'expected a quoted text', 12),
    refuse('not-json.json', 'JSON cut short', 'not valid JSON'),
  ];
}

/** Writes the corpus into `dir` (replacing what was there) and returns what each file must do. */
export async function makeCorpus(
  dir: string,
  opts: { faces?: string[]; longLineMb?: number } = {},
): Promise<Corpus> {
  rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  const put = (file: string, content: Buffer | string) => {
    const path = join(dir, file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    bytes += Buffer.byteLength(content);
  };
  const items = [
    ...(await photos(put)),
    ...(await facePhotos(opts.faces ?? [], put)),
    ...vcfs(put, opts.longLineMb ?? 32),
    ...(await galleries(put)),
    ...phenopackets(put),
    ...ontologies(put),
  ];
  const corpus = { dir, items, bytes };
  put('corpus.json', JSON.stringify({ items, bytes }, null, 2) + '\n');
  // Generated, so never committed, wherever it is written.
  writeFileSync(join(dir, '.gitignore'), '*\n');
  return corpus;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      // Not test/corpus by default: the root .prettierignore does not list it, and the broken JSON would fail lint.
      out: { type: 'string', default: join(tmpdir(), 'facepheno-corpus') },
      'long-line-mb': { type: 'string', default: '32' },
    },
    strict: true,
  });
  const c = await makeCorpus(values.out, { longLineMb: Number(values['long-line-mb']) });
  const counts = new Map<string, number>();
  for (const i of c.items) counts.set(i.entry, (counts.get(i.entry) ?? 0) + 1);
  console.log(
    `wrote ${c.items.length} corpus files (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}), ` +
      `${(c.bytes / 1024 / 1024).toFixed(1)} MB, to ${c.dir}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
