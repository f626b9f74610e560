/**
 * Builds an analysis gallery database from facedata: a subset of down_syndrome_kaggle (both classes),
 * every 22q11.2DS photo of the paper's patients (the corner with the paper's patient number masked first) and UTKFace
 * children controls, imported through the real face pipeline into a case store. The database is the
 * embedding cache: later analyses read it and analyse nothing.
 *
 *   npm run analysis:gallery -- --facedata DIR --out DB [--per-class N]
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readCsv } from '../../src/main/gallery/csv.js';
import { maskCorner } from '../../src/main/gallery/mask.js';
import { Store } from '../../src/main/store/store.js';
import { importGallery } from '../../src/main/usecases/gallery.js';
import { Workspace } from '../../src/main/usecases/workspace.js';

interface Row {
  patient: string;
  photo: string;
  syndrome: string;
  sex: string;
  age: string;
}

/** Sex and age as the gallery CSV takes them; the metadata's 'NA' and the like become unknown. */
const sexOf = (v: string | undefined) => (/^(fe)?male$/i.test(v ?? '') ? (v as string).toLowerCase() : '');
const ageOf = (v: string | undefined) => (v && Number.isFinite(Number(v)) ? v : '');

/** Every k-th file of a sorted folder, so a subset spreads over the whole folder. */
function spread(dir: string, n: number): string[] {
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  const step = Math.max(1, files.length / n);
  return Array.from({ length: Math.min(n, files.length) }, (_, i) => files[Math.floor(i * step)] as string);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      facedata: { type: 'string' },
      out: { type: 'string' },
      'per-class': { type: 'string', default: '150' },
    },
  });
  if (!values.facedata || !values.out) {
    console.error('usage: npm run analysis:gallery -- --facedata DIR --out DB [--per-class N]');
    return 2;
  }
  const data = resolve(values.facedata);
  const db = resolve(values.out);
  if (existsSync(db)) {
    console.error(`${db}: exists; remove it first`);
    return 1;
  }
  const n = Number(values['per-class']);
  const work = join(dirname(db), `${basename(db)}.source`);
  mkdirSync(join(work, 'masked'), { recursive: true });
  const rows: Row[] = [];
  const kaggle = join(data, 'down_syndrome_kaggle');
  for (const [label, syndrome] of [
    ['down_syndrome', 'Down syndrome'],
    ['healthy_control', 'control'],
  ] as const)
    for (const f of spread(join(kaggle, label), n))
      rows.push({
        patient: `kaggle-${label}/${f}`,
        photo: join(kaggle, label, f),
        syndrome,
        sex: '',
        age: '',
      });

  const q22 = join(data, '22q11ds');
  const meta = readCsv(join(q22, 'metadata.csv'));
  for (const r of meta.records) {
    const file = r.values.get('file') ?? '';
    // 22q11ds_alt/ is unconfirmed (source unknown): only the paper's patients are a syndrome's cases.
    const paperId = r.values.get('paper_patient_id');
    if (!file.startsWith('22q11ds/') || !paperId) continue;
    const masked = join(work, 'masked', `${basename(file)}.png`);
    writeFileSync(masked, await maskCorner(await readFile(join(q22, file)), 'bottom-right', file));
    rows.push({
      patient: `22q11ds/${paperId}`,
      photo: masked,
      syndrome: '22q11.2 deletion syndrome',
      sex: sexOf(r.values.get('sex')),
      age: ageOf(r.values.get('age_years')),
    });
  }

  const children = join(data, 'children_controls');
  const childMeta = new Map(
    readCsv(join(children, 'metadata.csv')).records.map((r) => [r.values.get('file') ?? '', r.values]),
  );
  for (const f of spread(children, n)) {
    const m = childMeta.get(f);
    rows.push({
      patient: `utkface-child/${f}`,
      photo: join(children, f),
      syndrome: 'control',
      sex: sexOf(m?.get('sex')),
      age: ageOf(m?.get('age_years')),
    });
  }

  const csv = join(work, 'gallery.csv');
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  writeFileSync(
    csv,
    [
      'patient,photo,syndrome,sex,age',
      ...rows.map((r) => [r.patient, r.photo, r.syndrome, r.sex, r.age].map(q).join(',')),
    ].join('\n') + '\n',
  );
  const ws = new Workspace(Store.open(db));
  try {
    const t0 = performance.now();
    const report = await importGallery(ws, csv, {
      onProgress: (p) => {
        if (p.phase === 'analyze' && p.done % 50 === 0) console.error(`analysed ${p.done}/${p.total}`);
      },
    });
    console.log(
      JSON.stringify({ ...report, noFace: report.noFace.length, seconds: (performance.now() - t0) / 1000 }),
    );
  } finally {
    await ws.close();
  }
  return 0;
}

process.exitCode = await main();
