import { Store } from '../../src/main/store/store.js';
import { Genomics } from '../../src/main/usecases/variants.js';

/** A case store with one patient, for the benchmark. */
export function openBenchStore(file: string, pseudonym: string): { genomics: Genomics; close(): void } {
  const store = Store.open(file);
  store.patients.create({ pseudonym });
  return { genomics: new Genomics(store), close: () => store.close() };
}
