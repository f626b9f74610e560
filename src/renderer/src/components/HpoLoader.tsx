import { useState } from 'react';
import type { FileSource, HpoRelease } from '../../../shared/api.js';
import { api, errorText } from '../api.js';
import { hasFileDialog } from '../host.js';
import { fileToBase64 } from './files.js';
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
  async function choose() {
    const picked = await api.call('files.open', { kind: 'ontology' });
    const first = picked.files[0];
    if (first) await load({ kind: 'token', token: first.token });
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
        {hasFileDialog ? (
          <button disabled={busy} onClick={() => void choose()}>
            Load HPO release…
          </button>
        ) : (
          <input
            type="file"
            accept=".json,.obo"
            aria-label="HPO release file"
            disabled={busy}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void fileToBase64(f).then((data) => load({ kind: 'bytes', name: f.name, data }));
            }}
          />
        )}
        {busy && <span className="muted">Loading the ontology…</span>}
      </div>
      <ErrorBox error={error} />
    </div>
  );
}
