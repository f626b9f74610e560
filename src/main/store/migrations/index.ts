// Every schema migration, one line each; the runner takes every export of this module and orders them
// by version. 0002 is the genomics schema, 0003 the matching schema, 0004 the audit log's hash chain,
// 0005 reference (gallery) cases kept apart from the clinic's, 0006 the VCF import's family (trio)
// columns, frequency provenance and warnings.
export { migration as m0001 } from './0001_core.js';
export { migration as m0002 } from './0002_genomics.js';
export { migration as m0003 } from './0003_matching.js';
export { migration as m0004 } from './0004_audit_chain.js';
export { migration as m0005 } from './0005_case_kinds.js';
export { migration as m0006 } from './0006_vcf_family.js';
