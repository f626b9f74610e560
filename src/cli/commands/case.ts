import type { ParseArgsConfig } from 'node:util';
import { resolveDataDir, storeFileIn } from '../../main/data-dir.js';
import { UsageError } from '../../main/errors.js';
import {
  createCase,
  exportCase,
  importCase,
  listCases,
  openCase,
  sexes,
  type CaseView,
  type Sex,
} from '../../main/usecases/cases.js';
import {
  addToGallery,
  deleteCase,
  deletePhoto,
  deleteVcfImport,
  solveCase,
  vcfImports,
  type VcfImport,
} from '../../main/usecases/case-life.js';
import { addPhotos } from '../../main/usecases/photos.js';
import { withWorkspace, type Workspace } from '../../main/usecases/workspace.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { printable } from '../printable.js';

const usage = `Usage:
  facepheno case create --id ID [--sex female|male|other|unknown] [--birth-year YYYY] [--control]
  facepheno case list [--kind clinic|reference] [--filter TEXT] [--limit N] [--offset N] [--json]
  facepheno case show --id ID [--json]               patient, photos, faces, diagnoses, terms, VCFs
  facepheno case add-photo --id ID IMAGE...          runs the face pipeline and stores its results
  facepheno case delete --id ID --yes                the case with its photos, terms, diagnoses, VCFs
  facepheno case delete-photo --id ID --photo N      one photo (its number in case show)
  facepheno case delete-vcf --id ID --vcf N          one VCF import and its variants (case show)
  facepheno case solve --id ID --syndrome NAME|OMIM:N|ORPHA:N|MONDO:N [--gene GENE]
  facepheno case add-to-gallery --id ID              a solved case becomes a gallery (reference) case
  facepheno case export --id ID --phenopacket OUT.json
  facepheno case import --phenopacket IN.json

Every subcommand takes --db FILE (the case database; photos are kept in FILE's name with .photos,
beside it) or --data-dir DIR (its facepheno.db); without either, the data directory is
FACEPHENO_DATA_DIR, else the app's own (see facepheno serve --help).

list matches --filter against ids, notes, syndrome names and genes, and shows each case's counts;
--kind clinic lists the clinic's own cases newest first, --kind reference the gallery's (a case
created with --control is the gallery's).
Deleting removes the rows in one transaction and the photo files no other case shares; the audit
log records who removed what. solve records the diagnosis as confirmed and marks the case solved;
it reaches the gallery (and moves the gallery version) only with add-to-gallery.
add-photo stores every photo or, when one cannot be read, none; a photo with no face found is stored
and reported. export/import write and read a GA4GH Phenopacket v2 (subject, HPO features, diagnoses).`;

const storeOptions = { db: { type: 'string' }, 'data-dir': { type: 'string' } } as const;
type Options = NonNullable<ParseArgsConfig['options']>;

function parse<O extends Options, P extends boolean = false>(
  args: string[],
  options: O,
  positionals = false as P,
) {
  return parseCommandArgs(args, { ...storeOptions, ...options }, positionals);
}

/** The case database --db names, else the data directory's (--data-dir, else the default one). */
function databaseOf(values: {
  db?: string | boolean | undefined;
  'data-dir'?: string | boolean | undefined;
}): string {
  const db = typeof values.db === 'string' ? values.db : undefined;
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
  if (db && dataDir) throw new UsageError('give --db or --data-dir, not both');
  return db ?? storeFileIn(resolveDataDir({ option: dataDir }).dir);
}

function need(v: string | boolean | undefined, flag: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`${flag} is required`);
  return v;
}

function count(v: string | boolean | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} must be a whole number`);
  return n;
}

function print(json: boolean | string | undefined, doc: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(doc, null, 2) : text());
}

type Subcommand = (args: string[], open: OpenWorkspace) => Promise<number>;
/** Runs `use` on the workspace of the database the subcommand's options name. */
type OpenWorkspace = <T>(
  values: Parameters<typeof databaseOf>[0],
  use: (ws: Workspace) => T | Promise<T>,
) => Promise<T>;

const subcommands: Record<string, Subcommand> = {
  async create(args, withStore) {
    const { values } = parse(args, {
      id: { type: 'string' },
      sex: { type: 'string' },
      'birth-year': { type: 'string' },
      control: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const id = need(values.id, '--id');
    const sex = (values.sex ?? 'unknown') as Sex;
    if (!sexes.includes(sex)) throw new UsageError(`--sex must be one of ${sexes.join(', ')}`);
    const by = values['birth-year'];
    if (by !== undefined && !/^\d{4}$/.test(by)) throw new UsageError('--birth-year must be a year YYYY');
    const p = await withStore(values, (ws) =>
      createCase(ws, {
        pseudonym: id,
        sex,
        birthYear: by === undefined ? null : Number(by),
        isControl: values.control ?? false,
        // An unaffected control is a gallery member by nature: it is no clinic patient to solve.
        ...(values.control ? { kind: 'reference' as const } : {}),
      }),
    );
    print(values.json, p, () => printable`created case ${p.pseudonym}`);
    return 0;
  },

  async list(args, withStore) {
    const { values } = parse(args, {
      kind: { type: 'string' },
      filter: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      json: { type: 'boolean' },
    });
    const list = await withStore(values, (ws) =>
      listCases(ws, {
        filter: values.filter,
        kind: caseKind(values.kind),
        limit: count(values.limit, '--limit', 50),
        offset: count(values.offset, '--offset', 0),
      }),
    );
    print(values.json, list, () => {
      const head = printable`${list.total} case${list.total === 1 ? '' : 's'}${values.filter ? printable` matching '${values.filter}'` : ''}`;
      const rows = list.rows.map(
        (r) =>
          printable`${r.pseudonym.padEnd(16)} ${r.sex.padEnd(8)} ${String(r.birthDate ?? r.birthYear ?? '-').padEnd(10)} ` +
          printable`${r.photos} photo(s), ${r.faces} face(s), ${r.terms} term(s)` +
          (r.isControl ? '; unaffected control' : '') +
          (r.diagnoses.length ? printable`; ${r.diagnoses.join(', ')}` : ''),
      );
      return [head, ...rows].join('\n');
    });
    return 0;
  },

  async show(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' }, json: { type: 'boolean' } });
    const id = need(values.id, '--id');
    const { view, vcfs } = await withStore(values, (ws) => ({
      view: openCase(ws, id),
      vcfs: vcfImports(ws, id),
    }));
    print(values.json, { ...view, vcfImports: vcfs }, () => describeCase(view, vcfs));
    return 0;
  },

  async delete(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' }, yes: { type: 'boolean' } });
    const id = need(values.id, '--id');
    if (!values.yes)
      throw new UsageError(
        `deleting case ${id} removes its photos, terms, diagnoses and VCFs: confirm with --yes`,
      );
    const removed = await withStore(values, (ws) => deleteCase(ws, id));
    console.log(
      printable`deleted case ${id}: ${removed.photos} photo${removed.photos === 1 ? '' : 's'}, ` +
        printable`${removed.vcfImports} VCF import${removed.vcfImports === 1 ? '' : 's'}`,
    );
    return 0;
  },

  async 'delete-photo'(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' }, photo: { type: 'string' } });
    const id = need(values.id, '--id');
    const photoId = rowNumber(values.photo, '--photo');
    const photo = await withStore(values, (ws) => deletePhoto(ws, id, photoId));
    console.log(printable`deleted photo ${photo.id} (${photo.originalName}) of case ${id}`);
    return 0;
  },

  async 'delete-vcf'(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' }, vcf: { type: 'string' } });
    const id = need(values.id, '--id');
    const importId = rowNumber(values.vcf, '--vcf');
    const gone = await withStore(values, (ws) => deleteVcfImport(ws, id, importId));
    console.log(
      printable`deleted VCF import ${gone.id} (${gone.fileName}, sample ${gone.sample}, ${gone.variants} variants) of case ${id}`,
    );
    return 0;
  },

  async solve(args, withStore) {
    const { values } = parse(args, {
      id: { type: 'string' },
      syndrome: { type: 'string' },
      gene: { type: 'string' },
    });
    const id = need(values.id, '--id');
    const syndrome = need(values.syndrome, '--syndrome');
    await withStore(values, (ws) => solveCase(ws, id, { syndrome, gene: values.gene ?? null }));
    console.log(
      printable`case ${id} solved: ${syndrome} confirmed; add it to the gallery with facepheno case add-to-gallery`,
    );
    return 0;
  },

  async 'add-to-gallery'(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' } });
    const id = need(values.id, '--id');
    await withStore(values, (ws) => addToGallery(ws, id));
    console.log(printable`case ${id} added to the gallery (a reference case from now on)`);
    return 0;
  },

  async 'add-photo'(args, withStore) {
    const { values, positionals } = parse(args, { id: { type: 'string' }, json: { type: 'boolean' } }, true);
    const id = need(values.id, '--id');
    if (positionals.length === 0) throw new UsageError('name at least one photo');
    const added = await withStore(values, (ws) => addPhotos(ws, id, positionals));
    print(values.json, { id, photos: added }, () =>
      added
        .map((a) =>
          a.faceFound
            ? printable`${a.file}: stored as photo ${a.photoId}, ${a.faces} face${a.faces === 1 ? '' : 's'}`
            : printable`${a.file}: stored as photo ${a.photoId}, but no face was found in it`,
        )
        .join('\n'),
    );
    return 0;
  },

  async export(args, withStore) {
    const { values } = parse(args, { id: { type: 'string' }, phenopacket: { type: 'string' } });
    const id = need(values.id, '--id');
    const out = need(values.phenopacket, '--phenopacket');
    await withStore(values, (ws) => exportCase(ws, id, out));
    console.log(printable`wrote case ${id} to ${out}`);
    return 0;
  },

  async import(args, withStore) {
    const { values } = parse(args, { phenopacket: { type: 'string' }, json: { type: 'boolean' } });
    const file = need(values.phenopacket, '--phenopacket');
    const view = await withStore(values, (ws) => importCase(ws, file));
    print(
      values.json,
      view,
      () =>
        printable`created case ${view.patient.pseudonym} from ${file}: ${view.terms.length} term(s), ` +
        printable`${view.diagnoses.length} diagnosis(es)`,
    );
    return 0;
  },
};

function caseKind(v: string | undefined): 'clinic' | 'reference' | undefined {
  if (v === undefined || v === 'clinic' || v === 'reference') return v;
  throw new UsageError('--kind must be clinic or reference');
}

/** A row number as case show prints it (#N). */
function rowNumber(v: string | undefined, flag: string): number {
  const n = Number(need(v, flag).replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a number as case show prints it`);
  return n;
}

function describeCase(v: CaseView, vcfs: readonly VcfImport[]): string {
  const p = v.patient;
  const lines = [
    printable`case ${p.pseudonym}: ${p.sex}, born ${p.birthDate ?? p.birthYear ?? 'unknown'}` +
      (p.isControl ? ', unaffected control' : '') +
      (p.kind === 'reference' ? ', gallery case' : '') +
      (p.solvedAt ? printable`, solved ${p.solvedAt.slice(0, 10)}` : ''),
  ];
  if (p.notes) lines.push(printable`  notes: ${p.notes}`);
  lines.push(printable`  photos: ${v.photos.length}`);
  for (const ph of v.photos) {
    const primary = ph.faces.find((f) => f.isPrimary);
    const face = primary
      ? printable`primary face ${Math.round(primary.box.width)}x${Math.round(primary.box.height)} px` +
        (primary.quality.flags.length ? printable` (${primary.quality.flags.join(', ')})` : '') +
        printable`, embeddings: ${primary.embeddingModels.join(', ') || 'none'}`
      : 'no face found';
    lines.push(
      printable`    #${ph.id} ${ph.originalName} ${ph.width}x${ph.height}, ${ph.faces.length} face(s); ${face}`,
    );
  }
  lines.push(printable`  diagnoses: ${v.diagnoses.length}`);
  for (const d of v.diagnoses)
    lines.push(
      printable`    ${d.status} ${d.syndrome}` +
        [d.omim, d.orpha, d.mondo, d.gene, d.variant, d.date]
          .filter(Boolean)
          .map((x) => printable` ${x}`)
          .join(''),
    );
  lines.push(printable`  terms: ${v.terms.length}`);
  for (const t of v.terms)
    lines.push(printable`    ${t.excluded ? 'excluded' : 'present '} ${t.termId} ${t.label}`);
  lines.push(printable`  VCF imports: ${vcfs.length}`);
  for (const i of vcfs)
    lines.push(
      printable`    #${i.id} ${i.fileName} sample ${i.sample}, ${i.variants} variants, ${i.importedAt}`,
    );
  return lines.join('\n');
}

export const command: Command = {
  summary: 'create, list, show, add photos to, delete, solve, export and import patient cases',
  usage,
  async run(args, ctx: CommandContext) {
    const [sub, ...rest] = args;
    const run = sub === undefined ? undefined : subcommands[sub];
    if (!run) throw new UsageError(sub === undefined ? 'name a subcommand' : `unknown subcommand '${sub}'`);
    return run(rest, (values, use) => withWorkspace(ctx.storeConfig(databaseOf(values)), use));
  },
};
