import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../api.js';
import { useLoadCatalogue } from '../data/mutations.js';
import { catalogueQuery } from '../data/queries.js';
import { FilePicker } from './FilePicker.js';
import { ErrorBox } from './Notice.js';

/** The gene-syndrome catalogue that links variants to syndromes, and loading the department's newer one. */
export function CatalogueLoader() {
  const info = useQuery(catalogueQuery());
  const load = useLoadCatalogue();
  const c = info.data;
  return (
    <div>
      {c ? (
        <span data-testid="catalogue">
          {c.fileName} ({c.layout}): {c.links} gene-syndrome links for {c.genes} genes (loaded{' '}
          {c.importedAt.slice(0, 10)})
        </span>
      ) : (
        <span className="muted">
          No catalogue loaded: variants are linked to syndromes only through the genes of the case
          store&apos;s syndromes. Load OMIM genemap2.txt or HPO genes_to_disease.txt.
        </span>
      )}
      <div className="toolbar">
        <FilePicker
          kind="catalogue"
          accept=".txt,.tsv"
          label="Gene-syndrome catalogue file"
          button="Load catalogue…"
          disabled={load.isPending}
          onPick={() => load.reset()}
          onFile={(f) => load.mutate(f)}
        />
        {load.isPending && <span className="muted">Loading the catalogue…</span>}
      </div>
      <ErrorBox error={errorMessage(info.error ?? load.error)} />
    </div>
  );
}
