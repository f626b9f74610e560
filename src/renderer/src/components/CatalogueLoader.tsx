import { useState } from 'react';
import type { FileSource } from '../../../shared/api.js';
import { api, errorText } from '../api.js';
import { FilePicker } from './FilePicker.js';
import { ErrorBox } from './Notice.js';
import { useAsync } from './useAsync.js';

/** The gene-syndrome catalogue that links variants to syndromes, and loading the department's newer one. */
export function CatalogueLoader() {
  const info = useAsync(() => api.call('catalogue.info', {}), 'catalogue');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function load(file: FileSource) {
    setBusy(true);
    setError(null);
    try {
      info.set(await api.call('catalogue.import', { file }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
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
          disabled={busy}
          onPick={() => setError(null)}
          onFile={(f) => void load(f)}
        />
        {busy && <span className="muted">Loading the catalogue…</span>}
      </div>
      <ErrorBox error={info.error ?? error} />
    </div>
  );
}
