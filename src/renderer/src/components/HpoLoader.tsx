import { useState } from 'react';
import type { FileSource, HpoRelease } from '../../../shared/api.js';
import { api, errorText } from '../api.js';
import { FilePicker } from './FilePicker.js';
import { ErrorBox } from './Notice.js';

/** Shows the loaded HPO release and loads a newer one from the department's hp.json or hp.obo. */
export function HpoLoader({ release, onLoaded }: { release: HpoRelease | null; onLoaded: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function load(file: FileSource) {
    setBusy(true);
    setError(null);
    try {
      await api.call('terms.load', { file });
      onLoaded();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div>
      {release ? (
        <span>
          HPO {release.version}, {release.terms} terms (loaded {release.loadedAt.slice(0, 10)})
        </span>
      ) : (
        <span className="muted">
          No ontology loaded: phenotype search needs the HPO release (hp.json or hp.obo).
        </span>
      )}
      <div className="toolbar">
        <FilePicker
          kind="ontology"
          accept=".json,.obo"
          label="HPO release file"
          button="Load HPO release…"
          disabled={busy}
          onPick={() => setError(null)}
          onFile={(f) => void load(f)}
        />
        {busy && <span className="muted">Loading the ontology…</span>}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}
