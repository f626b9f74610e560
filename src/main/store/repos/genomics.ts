import { inputPath, inputSize, type InputFile } from '../../input-file.js';
import { basename } from 'node:path';
import { UserError } from '../../errors.js';
import type { Annotation, Impact } from '../../genomics/annotation.js';
import type { Catalogue } from '../../genomics/catalogue.js';
import { readCatalogue } from '../../genomics/catalogue.js';
import type { GenomeBuild } from '../../genomics/header.js';
import { fileSha256 } from '../../genomics/lines.js';
import type { CandidateFilter, GeneSyndrome, RankInput } from '../../genomics/rank.js';
import type { Segregation } from '../../genomics/genotype.js';
import type { ReadOptions } from '../../genomics/vcf.js';
import { readVcf, readVcfHeader } from '../../genomics/vcf.js';
import { appVersion } from '../../version.js';
import { beginWrite, bySql, commitWrite, dialectOf, insertMany, rollbackWrite, type Db } from '../db.js';
import { storageError } from '../storage-errors.js';
import { AuditLog } from './audit.js';
import { write } from './write.js';

export interface VcfImport {
  id: number;
  patientId: number;
  fileName: string;
  sha256: string;
  bytes: number;
  vcfVersion: string;
  sample: string;
  samples: string[];
  build: GenomeBuild | null;
  buildEvidence: string | null;
  annotationSources: string[];
  records: number;
  /** Alleles stored: those the proband carries. */
  variants: number;
  notCarried: number;
  /** POS 0 records (telomeres): read, not stored. */
  telomeres: number;
  /** The proband's parents' sample columns, where the pedigree names them. */
  father: string | null;
  mother: string | null;
  /** Where gnomadAf was read from (INFO keys, 'CSQ/field'). */
  frequencyFields: string[];
  warnings: string[];
  importedAt: string;
  appVersion: string;
}

/** What a VCF import reads besides the file: the proband, the pedigree, further frequency fields. */
export type VcfImportOptions = Pick<ReadOptions, 'sample' | 'pedigree' | 'frequencyFields'>;

export interface ImportResult {
  import: VcfImport;
  /** True when this file (same bytes, same sample) was already imported for the patient: nothing changed. */
  alreadyImported: boolean;
  /** How the proband was chosen: asked for with --sample, or the first sample column. */
  sampleChosen: 'asked' | 'pedigree' | 'first';
}

/** What the genomics tables need of the Store that holds them: its connections, file and audit log. */
export interface GenomicsStore {
  readonly db: Db;
  readonly file: string;
  /** A further connection to the same database. */
  connect(): Db;
  readonly audit: {
    readonly osUser: string;
    record(action: string, patient: string | null, details?: unknown): void;
  };
}

interface ImportRow {
  id: number;
  patient_id: number;
  file_name: string;
  sha256: string;
  bytes: number;
  vcf_version: string;
  sample: string;
  samples: string;
  build: GenomeBuild | null;
  legacy_build: GenomeBuild | null;
  build_evidence: string | null;
  annotation_sources: string;
  records: number;
  variants: number;
  not_carried: number;
  telomeres: number;
  father: string | null;
  mother: string | null;
  frequency_fields: string;
  warnings: string;
  imported_at: string;
  app_version: string;
}

function toImport(r: ImportRow): VcfImport {
  return {
    id: r.id,
    patientId: r.patient_id,
    fileName: r.file_name,
    sha256: r.sha256,
    bytes: r.bytes,
    vcfVersion: r.vcf_version,
    sample: r.sample,
    samples: JSON.parse(r.samples) as string[],
    build: r.build ?? r.legacy_build,
    buildEvidence: r.build_evidence,
    annotationSources: JSON.parse(r.annotation_sources) as string[],
    records: r.records,
    variants: r.variants,
    notCarried: r.not_carried,
    telomeres: r.telomeres,
    father: r.father,
    mother: r.mother,
    frequencyFields: JSON.parse(r.frequency_fields) as string[],
    warnings: JSON.parse(r.warnings) as string[],
    importedAt: r.imported_at,
    appVersion: r.app_version,
  };
}

const IMPORT_SELECT = `SELECT i.*, (SELECT count(*) FROM variants v WHERE v.import_id = i.id) AS variants
  FROM vcf_imports i`;

// Where SQLite's and PostgreSQL's SQL differ. Genes are matched whatever their case (SQLite: COLLATE
// NOCASE columns; PostgreSQL: nocase(), which its unique index on gene_syndromes is built on).
const dialectSql = {
  patient: {
    sqlite: 'SELECT id, pseudonym FROM patients WHERE pseudonym = ?',
    postgres: 'SELECT id, pseudonym FROM patients WHERE nocase(pseudonym) = nocase(?)',
  },
  catalogueUpsert: {
    sqlite: `INSERT INTO gene_syndromes (gene, disease_id, disease_name, inheritance, evidence)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (gene, disease_id) DO UPDATE SET
        disease_name = coalesce(excluded.disease_name, disease_name),
        inheritance = coalesce(excluded.inheritance, inheritance),
        evidence = coalesce(excluded.evidence, evidence)`,
    postgres: `INSERT INTO gene_syndromes (gene, disease_id, disease_name, inheritance, evidence)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (nocase(gene), disease_id) DO UPDATE SET
        disease_name = coalesce(excluded.disease_name, gene_syndromes.disease_name),
        inheritance = coalesce(excluded.inheritance, gene_syndromes.inheritance),
        evidence = coalesce(excluded.evidence, gene_syndromes.evidence)`,
  },
  distinctGenes: { sqlite: 'count(DISTINCT gene)', postgres: 'count(DISTINCT nocase(gene))' },
  catalogueGene: { sqlite: 'g.gene = @gene', postgres: 'nocase(g.gene) = nocase(@gene)' },
  storeGene: { sqlite: 'sg.gene = @gene COLLATE NOCASE', postgres: 'nocase(sg.gene) = nocase(@gene)' },
  impacts: {
    sqlite: 'SELECT value FROM json_each(@impacts)',
    postgres: 'SELECT json_array_elements_text(@impacts::json)',
  },
};

interface VariantRow {
  id: number;
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  genotype: string | null;
  zygosity: 'het' | 'hom' | 'hemi';
  father_genotype: string | null;
  mother_genotype: string | null;
  segregation: Segregation | null;
  gnomad_af: number | null;
  clinvar: string | null;
  cadd: number | null;
  revel: number | null;
  gene: string | null;
  transcript: string | null;
  hgvs_c: string | null;
  hgvs_p: string | null;
  consequence: string | null;
  impact: Impact | null;
}

/** The genomics tables of the case store (migration 0002). */
export class GenomicsRepository {
  private readonly db: Db;

  constructor(private readonly store: GenomicsStore) {
    this.db = store.db;
  }

  /** The patient's row id and pseudonym as the store spells it (the audit log names it so). */
  private patient(pseudonym: string): { id: number; pseudonym: string } {
    const row = this.db.prepare(bySql(this.db, dialectSql.patient)).get(pseudonym.trim()) as
      { id: number; pseudonym: string } | undefined;
    if (!row) throw new UserError(`no patient with id '${pseudonym}'`);
    return row;
  }

  /**
   * Imports the proband's variants from a VCF into the patient's case, all or nothing: any malformed
   * line rolls everything back. The same file (by sha256) and sample again changes nothing.
   * The write transaction lasts as long as the file streams, so it runs on a connection of its own:
   * the store's connection never sees it half done, and its writers wait for the lock rather than
   * joining (and being rolled back with) the import.
   */
  async importVcf(
    pseudonym: string,
    input: InputFile,
    opts: VcfImportOptions & {
      /** Called with each record's line number as it is stored; a throw stops the import, storing nothing. */
      onRecord?: (line: number) => void;
    } = {},
  ): Promise<ImportResult> {
    const { id: patientId, pseudonym: spelt } = this.patient(pseudonym);
    const file = inputPath(input);
    const size = await inputSize(input).catch((err: unknown) => {
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot read: ${(err as Error).message}`, { file, cause: err });
    });
    if (size === 0) throw new UserError('empty file: not a VCF', { file });
    const sha256 = await fileSha256(input);
    // The proband may be chosen by the file's own ##PEDIGREE: the header says whom an earlier import took.
    const header = await readVcfHeader(input, opts);
    const existing = this.findImport(this.db, patientId, sha256, header.sample);
    if (existing) return { import: existing, alreadyImported: true, sampleChosen: header.sampleChosen };

    const db = this.store.connect();
    try {
      const importId = await this.writeImport(db, {
        patientId,
        pseudonym: spelt,
        input,
        size,
        sha256,
        ...opts,
      });
      const row = db.prepare(`${IMPORT_SELECT} WHERE i.id = ?`).get(importId) as ImportRow;
      return { import: toImport(row), alreadyImported: false, sampleChosen: header.sampleChosen };
    } catch (err) {
      throw storageError(err, this.store.file);
    } finally {
      db.close();
    }
  }

  /** An earlier import of these bytes for the patient and proband. */
  private findImport(db: Db, patientId: number, sha256: string, sample: string): VcfImport | null {
    const row = db
      .prepare(`${IMPORT_SELECT} WHERE i.patient_id = ? AND i.sha256 = ? AND i.sample = ?`)
      .get(patientId, sha256, sample) as ImportRow | undefined;
    return row ? toImport(row) : null;
  }

  private async writeImport(
    db: Db,
    f: {
      patientId: number;
      pseudonym: string;
      input: InputFile;
      size: number;
      sha256: string;
      onRecord?: (line: number) => void;
    } & VcfImportOptions,
  ): Promise<number> {
    const insertImport =
      db.prepare(`INSERT INTO vcf_imports (patient_id, file_name, sha256, bytes, vcf_version,
      sample, samples, build, legacy_build, build_evidence, annotation_sources, records, not_carried,
      father, mother, frequency_fields, imported_at, app_version)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)`);
    const variants = variantWriter(db);
    let importId = 0;
    let notCarried = 0;
    let telomeres = 0;
    beginWrite(db);
    try {
      const file = inputPath(f.input);
      const summary = await readVcf(
        f.input,
        { sample: f.sample, pedigree: f.pedigree, frequencyFields: f.frequencyFields },
        (v) => {
          f.onRecord?.(v.line);
          if (v.zygosity !== 'het' && v.zygosity !== 'hom' && v.zygosity !== 'hemi') {
            notCarried += 1;
            return;
          }
          if (v.pos === 0) {
            telomeres += 1;
            return;
          }
          const variant = [
            importId,
            v.line,
            v.chrom,
            v.pos,
            v.ref,
            v.alt,
            v.altIndex,
            v.id,
            v.qual,
            v.filter,
            v.genotype,
            v.zygosity,
            v.depth,
            v.genotypeQuality,
            v.gnomadAf,
            v.clinvar,
            v.cadd,
            v.revel,
            v.fatherGenotype,
            v.motherGenotype,
            v.segregation,
          ];
          const annotations = perGene(v.annotations).map((a, i) => [
            i,
            // variant_annotations.source predates BCSQ and its check cannot widen (migrations only add):
            // bcftools csq's rows are stored as 'CSQ', and the import's annotation_sources names BCSQ.
            a.source === 'BCSQ' ? 'CSQ' : a.source,
            a.gene,
            a.transcript,
            a.hgvsC,
            a.hgvsP,
            a.consequence,
            a.impact,
            a.canonical ? 1 : 0,
          ]);
          variants.add(variant, annotations);
        },
        (h) => {
          // Another process may have imported the same file since the check above; now we hold the lock.
          if (this.findImport(db, f.patientId, f.sha256, h.sample))
            throw new UserError('was imported for this patient by another process just now', {
              file,
            });
          importId = Number(
            insertImport.run(
              f.patientId,
              basename(file),
              f.sha256,
              f.size,
              h.version,
              h.sample,
              JSON.stringify(h.samples),
              h.build === 'NCBI36' ? null : h.build,
              h.build === 'NCBI36' ? h.build : null,
              h.buildEvidence,
              JSON.stringify([h.csq && 'CSQ', h.ann && 'ANN', h.bcsq && 'BCSQ'].filter(Boolean)),
              h.father?.sample ?? null,
              h.mother?.sample ?? null,
              JSON.stringify(h.frequencyFields),
              new Date().toISOString(),
              appVersion,
            ).lastInsertRowid,
          );
        },
      );
      variants.flush();
      const warnings = [...summary.warnings];
      if (telomeres > 0)
        warnings.push(
          `${telomeres} telomere record(s) (POS 0) carried by the proband were read but not stored: a telomere has no base to rank`,
        );
      db.prepare(
        'UPDATE vcf_imports SET records = ?, not_carried = ?, telomeres = ?, warnings = ? WHERE id = ?',
      ).run(summary.records, notCarried, telomeres, JSON.stringify(warnings), importId);
      new AuditLog(db, this.store.audit.osUser).record('vcf.import', f.pseudonym, {
        file: basename(file),
        sha256: f.sha256,
        sample: summary.header.sample,
        build: summary.header.build,
        records: summary.records,
      });
      commitWrite(db);
      return importId;
    } catch (err) {
      rollbackWrite(db);
      throw err;
    }
  }

  /** The patient's VCF imports, newest first. */
  imports(pseudonym: string): VcfImport[] {
    const rows = this.db
      .prepare(`${IMPORT_SELECT} WHERE i.patient_id = ? ORDER BY i.imported_at DESC, i.id DESC`)
      .all(this.patient(pseudonym).id) as ImportRow[];
    return rows.map(toImport);
  }

  /**
   * Deletes one of the patient's VCF imports with its variants and their annotations, in one transaction;
   * the audit entry names the file, its sha256, the sample and how many variants went. The VCF itself was
   * never copied into the data directory: there is no file to remove.
   */
  deleteImport(pseudonym: string, importId: number): VcfImport {
    return write(this.db, () => {
      const patient = this.patient(pseudonym);
      const row = this.db
        .prepare(`${IMPORT_SELECT} WHERE i.id = ? AND i.patient_id = ?`)
        .get(importId, patient.id) as ImportRow | undefined;
      if (!row) throw new UserError(`case '${patient.pseudonym}' has no VCF import ${importId}`);
      const imp = toImport(row);
      this.db.prepare('DELETE FROM vcf_imports WHERE id = ?').run(imp.id);
      this.store.audit.record('vcf.delete', patient.pseudonym, {
        importId: imp.id,
        file: imp.fileName,
        sha256: imp.sha256,
        sample: imp.sample,
        variants: imp.variants,
      });
      return imp;
    });
  }

  /** Replaces the gene-syndrome catalogue with the file's, in one transaction. */
  async importCatalogue(input: InputFile): Promise<Catalogue & { sha256: string }> {
    const file = inputPath(input);
    const catalogue = await readCatalogue(input);
    const sha256 = await fileSha256(input);
    const upsert = this.db.prepare(bySql(this.db, dialectSql.catalogueUpsert));
    write(this.db, () => {
      this.db.exec('DELETE FROM gene_syndromes; DELETE FROM gene_catalogue;');
      for (const e of catalogue.entries)
        upsert.run(e.gene, e.diseaseId, e.diseaseName, e.inheritance, e.evidence);
      this.db
        .prepare(
          `INSERT INTO gene_catalogue (id, file_name, sha256, layout, entries, imported_at)
          VALUES (1, ?, ?, ?, (SELECT count(*) FROM gene_syndromes), ?)`,
        )
        .run(basename(file), sha256, catalogue.layout, new Date().toISOString());
      this.store.audit.record('catalogue.import', null, {
        file: basename(file),
        sha256,
        layout: catalogue.layout,
      });
    });
    return { ...catalogue, sha256 };
  }

  /** The catalogue in use: its file, layout and size; null before one is imported. */
  catalogueInfo(): {
    fileName: string;
    layout: string;
    links: number;
    genes: number;
    sha256: string;
    importedAt: string;
  } | null {
    const row = this.db
      .prepare(
        `SELECT file_name AS fileName, layout, entries AS links, sha256, imported_at AS importedAt,
          (SELECT ${bySql(this.db, dialectSql.distinctGenes)} FROM gene_syndromes) AS genes
        FROM gene_catalogue WHERE id = 1`,
      )
      .get() as
      | { fileName: string; layout: string; links: number; genes: number; sha256: string; importedAt: string }
      | undefined;
    return row ?? null;
  }

  /**
   * The syndromes of a gene: the catalogue's diseases, joined to the case store's syndromes by
   * OMIM/ORPHA/MONDO id, and the store's own syndrome-gene links.
   */
  syndromesOfGene(gene: string): GeneSyndrome[] {
    return this.db
      .prepare(
        `SELECT g.disease_id AS diseaseId, coalesce(s.name, g.disease_name) AS name,
          g.inheritance AS inheritance, s.id AS syndromeId
        FROM gene_syndromes g LEFT JOIN syndromes s ON g.disease_id IN (s.omim, s.orpha, s.mondo)
        WHERE ${bySql(this.db, dialectSql.catalogueGene)}
        UNION
        SELECT coalesce(s.omim, s.orpha, s.mondo, 'syndrome:' || s.id), s.name, NULL, s.id
        FROM syndrome_genes sg JOIN syndromes s ON s.id = sg.syndrome_id
        WHERE ${bySql(this.db, dialectSql.storeGene)}
          AND NOT EXISTS (SELECT 1 FROM gene_syndromes g WHERE ${bySql(this.db, dialectSql.catalogueGene)}
            AND g.disease_id IN (s.omim, s.orpha, s.mondo))
        ORDER BY 1`,
      )
      .all({ gene }) as GeneSyndrome[];
  }

  /**
   * The import's alleles that can pass the candidate filter, each with its primary annotation: SQL narrows
   * a genome's millions of rows to these; ranking (isCandidate) decides.
   */
  possibleCandidates(importId: number, filter: CandidateFilter): RankInput[] {
    const rows = this.db
      .prepare(
        `SELECT v.id, v.chrom, v.pos, v.ref, v.alt, v.genotype, v.zygosity, v.father_genotype,
          v.mother_genotype, v.segregation, v.gnomad_af, v.clinvar, v.cadd, v.revel, a.gene, a.transcript, a.hgvs_c, a.hgvs_p, a.consequence, a.impact
        FROM variants v LEFT JOIN variant_annotations a ON a.variant_id = v.id AND a.ordinal = 0
        WHERE v.import_id = @importId AND (v.gnomad_af IS NULL OR v.gnomad_af <= @maxAf)
          AND (a.impact IN (${bySql(this.db, dialectSql.impacts)}) OR (@clinvar = 1 AND v.clinvar IS NOT NULL))`,
      )
      .all({
        importId,
        maxAf: filter.maxGnomadAf,
        impacts: JSON.stringify(filter.impacts),
        clinvar: filter.clinvarPathogenic ? 1 : 0,
      }) as VariantRow[];
    return rows.map(toRankInput);
  }
}

const variantColumns = [
  'import_id',
  'line',
  'chrom',
  'pos',
  'ref',
  'alt',
  'alt_index',
  'rsid',
  'qual',
  'filter',
  'genotype',
  'zygosity',
  'depth',
  'genotype_quality',
  'gnomad_af',
  'clinvar',
  'cadd',
  'revel',
  'father_genotype',
  'mother_genotype',
  'segregation',
];
const annotationColumns = [
  'variant_id',
  'ordinal',
  'source',
  'gene',
  'transcript',
  'hgvs_c',
  'hgvs_p',
  'consequence',
  'impact',
  'canonical',
];

/**
 * Stores carried alleles (values in variantColumns order) with their annotations (annotationColumns less
 * the variant id). SQLite: row by row as they come. PostgreSQL: a few thousand alleles per statement,
 * their ids returned by (line, ALT index), since each statement there is a round trip to the server;
 * flush() stores what is left.
 */
function variantWriter(db: Db): {
  add(variant: unknown[], annotations: unknown[][]): void;
  flush(): void;
} {
  const placeholders = (n: number) => Array<string>(n).fill('?').join(', ');
  if (dialectOf(db) === 'sqlite') {
    const insertVariant = db.prepare(
      `INSERT INTO variants (${variantColumns.join(', ')}) VALUES (${placeholders(variantColumns.length)})`,
    );
    const insertAnnotation = db.prepare(
      `INSERT INTO variant_annotations (${annotationColumns.join(', ')})
      VALUES (${placeholders(annotationColumns.length)})`,
    );
    return {
      add: (variant, annotations) => {
        const id = insertVariant.run(...variant).lastInsertRowid;
        for (const a of annotations) insertAnnotation.run(id, ...a);
      },
      flush: () => undefined,
    };
  }
  const cols = variantColumns.join(', ');
  const insertVariants = db.prepare(`INSERT INTO variants (${cols})
    SELECT ${cols} FROM json_populate_recordset(NULL::variants, ?) RETURNING id, line, alt_index`);
  const line = variantColumns.indexOf('line');
  const altIndex = variantColumns.indexOf('alt_index');
  let pending: { variant: unknown[]; annotations: unknown[][] }[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const json = pending.map((p) => Object.fromEntries(variantColumns.map((c, k) => [c, p.variant[k]])));
    const rows = insertVariants.all(JSON.stringify(json)) as {
      id: number;
      line: number;
      alt_index: number;
    }[];
    const ids = new Map(rows.map((r) => [`${r.line}:${r.alt_index}`, r.id]));
    const annotations = pending.flatMap((p) => {
      const id = ids.get(`${String(p.variant[line])}:${String(p.variant[altIndex])}`);
      return p.annotations.map((a) => [id, ...a]);
    });
    insertMany(db, 'variant_annotations', annotationColumns, annotations);
    pending = [];
  };
  return {
    add: (variant, annotations) => {
      pending.push({ variant, annotations });
      if (pending.length >= 2000) flush();
    },
    flush,
  };
}

/**
 * The annotations worth keeping: the most severe per gene (canonical first among equals), in the
 * reader's order. Other transcripts of the same gene add rows, not information a ranking uses.
 */
function perGene(annotations: Annotation[]): Annotation[] {
  const seen = new Set<string | null>();
  return annotations.filter((a) => !seen.has(a.gene) && seen.add(a.gene));
}

function toRankInput(r: VariantRow): RankInput {
  return {
    id: r.id,
    chrom: r.chrom,
    pos: r.pos,
    ref: r.ref,
    alt: r.alt,
    genotype: r.genotype,
    zygosity: r.zygosity,
    fatherGenotype: r.father_genotype,
    motherGenotype: r.mother_genotype,
    segregation: r.segregation,
    gene: r.gene,
    transcript: r.transcript,
    hgvsC: r.hgvs_c,
    hgvsP: r.hgvs_p,
    consequence: r.consequence,
    impact: r.impact,
    gnomadAf: r.gnomad_af,
    clinvar: r.clinvar,
    cadd: r.cadd,
    revel: r.revel,
  };
}
