import type { HpoRelease } from '../../../shared/api.js';
import { errorMessage } from '../api.js';
import { useLoadHpo } from '../data/mutations.js';
import { FilePicker } from './FilePicker.js';
import { ErrorBox } from './Notice.js';

/** Shows the loaded HPO release and loads a newer one from the department's hp.json or hp.obo. */
export function HpoLoader({ release }: { release: HpoRelease | null }) {
  const load = useLoadHpo();
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
          disabled={load.isPending}
          onPick={() => load.reset()}
          onFile={(f) => load.mutate(f)}
        />
        {load.isPending && <span className="muted">Loading the ontology…</span>}
      </div>
      <ErrorBox error={errorMessage(load.error)} />
    </div>
  );
}
