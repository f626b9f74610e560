import type { Migration } from '../migrate.js';

/**
 * Genomics: a patient's imported VCFs (one row per file and proband sample, identified by the file's
 * sha256), the proband's variants (one row per ALT allele, only those the proband carries), their
 * VEP/SnpEff annotations, and the department's gene-syndrome catalogue.
 */
export const migration: Migration = {
  version: 2,
  name: 'genomics',
  sql: `
CREATE TABLE vcf_imports (
  id INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  bytes INTEGER NOT NULL CHECK (bytes > 0),
  vcf_version TEXT NOT NULL,
  sample TEXT NOT NULL,
  samples TEXT NOT NULL CHECK (json_valid(samples)),
  build TEXT CHECK (build IS NULL OR build IN ('GRCh37', 'GRCh38', 'T2T-CHM13')),
  build_evidence TEXT,
  annotation_sources TEXT NOT NULL CHECK (json_valid(annotation_sources)),
  records INTEGER NOT NULL CHECK (records >= 0),
  -- ALT alleles the proband does not carry (0/0, other ALT) or has no call for: counted, not stored
  not_carried INTEGER NOT NULL CHECK (not_carried >= 0),
  imported_at TEXT NOT NULL,
  app_version TEXT NOT NULL,
  UNIQUE (patient_id, sha256, sample)
) STRICT;

CREATE TABLE variants (
  id INTEGER PRIMARY KEY,
  import_id INTEGER NOT NULL REFERENCES vcf_imports (id) ON DELETE CASCADE,
  line INTEGER NOT NULL CHECK (line > 0),
  chrom TEXT NOT NULL,
  pos INTEGER NOT NULL CHECK (pos > 0),
  ref TEXT NOT NULL,
  alt TEXT NOT NULL,
  alt_index INTEGER NOT NULL CHECK (alt_index > 0),
  rsid TEXT,
  qual REAL,
  filter TEXT,
  genotype TEXT,
  zygosity TEXT NOT NULL CHECK (zygosity IN ('het', 'hom', 'hemi')),
  depth INTEGER,
  genotype_quality REAL,
  gnomad_af REAL CHECK (gnomad_af IS NULL OR gnomad_af BETWEEN 0 AND 1),
  clinvar TEXT,
  cadd REAL,
  revel REAL
) STRICT;
CREATE INDEX variants_by_import ON variants (import_id);

-- the most severe annotation per gene; ordinal 0, the most severe of all, is the one a variant is listed under
CREATE TABLE variant_annotations (
  variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),
  source TEXT NOT NULL CHECK (source IN ('CSQ', 'ANN')),
  gene TEXT COLLATE NOCASE,
  transcript TEXT,
  hgvs_c TEXT,
  hgvs_p TEXT,
  consequence TEXT,
  impact TEXT CHECK (impact IS NULL OR impact IN ('HIGH', 'MODERATE', 'LOW', 'MODIFIER')),
  canonical INTEGER NOT NULL CHECK (canonical IN (0, 1)),
  PRIMARY KEY (variant_id, ordinal)
) STRICT, WITHOUT ROWID;
CREATE INDEX variant_annotations_by_gene ON variant_annotations (gene);

-- the department's catalogue: one at a time, replaced whole by the next import
CREATE TABLE gene_catalogue (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  layout TEXT NOT NULL CHECK (layout IN ('genemap2', 'genes_to_disease')),
  entries INTEGER NOT NULL CHECK (entries >= 0),
  imported_at TEXT NOT NULL
) STRICT;

CREATE TABLE gene_syndromes (
  gene TEXT NOT NULL COLLATE NOCASE CHECK (length(gene) > 0),
  disease_id TEXT NOT NULL CHECK (disease_id GLOB '[A-Z]*:?*'),
  disease_name TEXT,
  inheritance TEXT,
  evidence TEXT,
  PRIMARY KEY (gene, disease_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX gene_syndromes_by_disease ON gene_syndromes (disease_id);
`,
};
