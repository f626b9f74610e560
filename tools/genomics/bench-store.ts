import { GenomicsRepository } from '../../src/main/genomics/repository.js';
import { Store } from '../../src/main/store/store.js';

/** A case store with one patient, for the benchmark. */
export function openBenchStore(file: string, pseudonym: string): { repo: GenomicsRepository; close(): void } {
  const store = Store.open(file);
  store.patients.create({ pseudonym });
  return { repo: new GenomicsRepository(store), close: () => store.close() };
}
