/**
 * The VCF import benchmark (issue 6): a synthetic annotated exome of 100,000 records imported into a
 * case store (target <= 3 s); a 5,000,000-record VCF streamed through the parser (target peak RSS
 * <= 300 MB); the parse rate against `bcftools view` on the same file. Files go to --dir (default
 * /tmp/facepheno-bench-vcf), never the repository; they are reused when present.
 *
 *   npm run build && npm run bench:vcf [-- --records 100000 --big 5000000 --dir /tmp/x] [--import-big]
 *
 * --import-big also imports the big file into a case store (minutes, and a database of gigabytes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readVcf } from '../../src/main/genomics/vcf.js';
import { makeVcf } from './make-vcf.js';

function peakRssMb(): number {
  // VmHWM: the kernel's high-water mark of resident memory, so no sampling can miss a spike.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

async function ensure(file: string, records: number): Promise<void> {
  if (existsSync(file)) return;
  const t = performance.now();
  await makeVcf(file, records, { gzip: true });
  console.log(
    `generated ${file} (${records} records, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB gzip) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

/** Runs one step in a child process so each peak RSS is its own. */
function child(step: string, args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [process.argv[1] ?? '', '--step', step, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${step} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

async function stepImport(file: string, dir: string): Promise<Record<string, number>> {
  const { openBenchStore } = await import('./bench-store.js');
  const dbFile = join(dir, 'bench.sqlite');
  rmSync(dbFile, { force: true });
  rmSync(dbFile + '-wal', { force: true });
  const { genomics, close } = openBenchStore(dbFile, 'BENCH-1');
  const t = performance.now();
  const result = await genomics.importVcfFile('BENCH-1', file);
  const seconds = (performance.now() - t) / 1000;
  const importPeakRssMb = peakRssMb();
  const t2 = performance.now();
  const ranking = await genomics.rankVariants('BENCH-1');
  const rankSeconds = (performance.now() - t2) / 1000;
  close();
  return {
    seconds,
    records: result.import.records,
    stored: result.import.variants,
    importPeakRssMb,
    rankSeconds,
    candidates: ranking.candidates,
    peakRssMb: peakRssMb(),
  };
}

async function stepStream(file: string): Promise<Record<string, number>> {
  const t = performance.now();
  let annotations = 0;
  const s = await readVcf(file, {}, (v) => {
    annotations += v.annotations.length;
  });
  const seconds = (performance.now() - t) / 1000;
  return {
    seconds,
    records: s.records,
    alleles: s.variants,
    annotations,
    recordsPerSecond: s.records / seconds,
    peakRssMb: peakRssMb(),
  };
}

function bcftools(file: string): Record<string, number> | null {
  const t = performance.now();
  const r = spawnSync('bcftools', ['view', '-Ov', '-o', '/dev/null', file], { stdio: 'ignore' });
  if (r.error || r.status !== 0) return null;
  return { seconds: (performance.now() - t) / 1000 };
}

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    big: { type: 'string', default: '5000000' },
    dir: { type: 'string', default: '/tmp/facepheno-bench-vcf' },
    step: { type: 'string' },
    file: { type: 'string' },
    'import-big': { type: 'boolean', default: false },
  },
});
const dir = values.dir;

if (values.step === 'import') console.log(JSON.stringify(await stepImport(values.file ?? '', dir)));
else if (values.step === 'stream') console.log(JSON.stringify(await stepStream(values.file ?? '')));
else {
  mkdirSync(dir, { recursive: true });
  const exome = join(dir, `exome-${values.records}.vcf.gz`);
  const big = join(dir, `big-${values.big}.vcf.gz`);
  await ensure(exome, Number(values.records));
  const imported = (file: string) => {
    const r = child('import', ['--file', file, '--dir', dir]);
    console.log(
      `import ${r.records} records (${r.stored} alleles carried by the proband) into a case store: ` +
        `${r.seconds?.toFixed(2)} s, peak RSS ${r.importPeakRssMb?.toFixed(0)} MB; ` +
        `then ranking ${r.candidates} candidates: ${r.rankSeconds?.toFixed(2)} s, peak RSS ${r.peakRssMb?.toFixed(0)} MB`,
    );
  };
  imported(exome);
  console.log('  (target: the 100,000-record exome imports in <= 3 s)');
  await ensure(big, Number(values.big));
  const stream = child('stream', ['--file', big]);
  console.log(
    `stream ${stream.records} records (${stream.alleles} alleles, ${stream.annotations} annotations): ` +
      `${stream.seconds?.toFixed(1)} s, ${Math.round(stream.recordsPerSecond ?? 0)} records/s, ` +
      `peak RSS ${stream.peakRssMb?.toFixed(0)} MB (target <= 300 MB)`,
  );
  const bcf = bcftools(big);
  if (bcf === null)
    console.log('bcftools not found: install it (apt-get install bcftools) for the comparison');
  else {
    const rate = (stream.records ?? 0) / (bcf.seconds ?? 1);
    console.log(
      `bcftools view -Ov -o /dev/null: ${bcf.seconds?.toFixed(1)} s, ${Math.round(rate)} records/s; ` +
        `FacePheno parses at ${((stream.recordsPerSecond ?? 0) / rate).toFixed(2)}x bcftools' rate`,
    );
  }
  if (values['import-big']) imported(big);
}
