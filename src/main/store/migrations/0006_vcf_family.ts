import type { Migration } from '../migrate.js';

/**
 * What VCF reading learnt from real-world files (issue 16), added to 0002's tables:
 * - vcf_imports.father / mother: the proband's parents' sample columns, where a pedigree (PED file or
 *   ##PEDIGREE) names them; variants.father_genotype / mother_genotype their GT as written, and
 *   segregation whom the proband has the allele from (de novo when both parents are called without it).
 * - vcf_imports.frequency_fields: the INFO keys and CSQ/ANN/BCSQ fields gnomad_af was read from (its
 *   provenance); warnings: what the import told the user (e.g. that the file holds no frequency at all).
 * - vcf_imports.telomeres: POS 0 records (telomeres, valid since VCF 4.3) read but not stored, since
 *   variants.pos is 1-based by 0002's check.
 * - vcf_imports.legacy_build: NCBI36 (hg18), which 0002's build check does not name; build stays NULL then.
 */
export const migration: Migration = {
  version: 6,
  name: 'vcf_family',
  sql: `
ALTER TABLE vcf_imports ADD COLUMN father TEXT;
ALTER TABLE vcf_imports ADD COLUMN mother TEXT;
ALTER TABLE vcf_imports ADD COLUMN frequency_fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(frequency_fields));
ALTER TABLE vcf_imports ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings));
ALTER TABLE vcf_imports ADD COLUMN telomeres INTEGER NOT NULL DEFAULT 0 CHECK (telomeres >= 0);
ALTER TABLE vcf_imports ADD COLUMN legacy_build TEXT CHECK (legacy_build IS NULL OR legacy_build IN ('NCBI36'));
ALTER TABLE variants ADD COLUMN father_genotype TEXT;
ALTER TABLE variants ADD COLUMN mother_genotype TEXT;
ALTER TABLE variants ADD COLUMN segregation TEXT
  CHECK (segregation IS NULL OR segregation IN ('de_novo', 'paternal', 'maternal', 'both_parents', 'unknown'));
`,
  postgres: `
ALTER TABLE vcf_imports ADD COLUMN father TEXT COLLATE "C";
ALTER TABLE vcf_imports ADD COLUMN mother TEXT COLLATE "C";
ALTER TABLE vcf_imports ADD COLUMN frequency_fields TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (json_valid(frequency_fields));
ALTER TABLE vcf_imports ADD COLUMN warnings TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (json_valid(warnings));
ALTER TABLE vcf_imports ADD COLUMN telomeres BIGINT NOT NULL DEFAULT 0 CHECK (telomeres >= 0);
ALTER TABLE vcf_imports ADD COLUMN legacy_build TEXT COLLATE "C" CHECK (legacy_build IS NULL OR legacy_build IN ('NCBI36'));
ALTER TABLE variants ADD COLUMN father_genotype TEXT COLLATE "C";
ALTER TABLE variants ADD COLUMN mother_genotype TEXT COLLATE "C";
ALTER TABLE variants ADD COLUMN segregation TEXT COLLATE "C"
  CHECK (segregation IS NULL OR segregation IN ('de_novo', 'paternal', 'maternal', 'both_parents', 'unknown'));
`,
};
