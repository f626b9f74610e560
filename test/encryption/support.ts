import { existsSync, readFileSync } from 'node:fs';
import type { Store } from '../../src/main/store/store.js';

/** One patient's identifying text, each string distinctive enough that finding it in raw bytes means a leak. */
export const patient = {
  pseudonym: 'ENC-PSEUDO-4711',
  notes: 'Mother reports hypotonia since birth; referred by Dr Quimby',
  term: { termId: 'HP:0000582', label: 'Upslanted palpebral fissure' },
};

/** Records the patient, with notes and an HPO term, in a store. */
export function recordPatient(store: Store): void {
  const p = store.patients.create({ pseudonym: patient.pseudonym, notes: patient.notes });
  store.terms.set(p, patient.term);
}

/** The patient's strings found in the raw bytes of a database file and its WAL (as UTF-8 or UTF-16). */
export function clearText(dbFile: string): string[] {
  const found: string[] = [];
  for (const file of [dbFile, `${dbFile}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const s of [patient.pseudonym, patient.notes, patient.term.label])
      if (bytes.includes(Buffer.from(s, 'utf8')) || bytes.includes(Buffer.from(s, 'utf16le')))
        found.push(`${s} in ${file}`);
  }
  return found;
}

/** SQLite's own file header: an encrypted database does not start with it. */
export function startsAsPlainSqlite(file: string): boolean {
  return readFileSync(file).subarray(0, 16).toString('latin1') === 'SQLite format 3\0';
}
