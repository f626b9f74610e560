import type { MatchResult, Neighbour } from '../../../shared/api.js';
import { api } from '../api.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { OcclusionHeatmap } from './OcclusionHeatmap.js';
import { useAsync } from '../components/useAsync.js';
import type { Go } from '../route.js';

export function MatchesScreen({ caseId, go }: { caseId: string; go: Go }) {
  const result = useAsync(() => api.call('match.case', { caseId }), caseId);
  return (
    <section>
      <div className="heading">
        <h1>Matches for {caseId}</h1>
        <button onClick={() => go({ screen: 'case', id: caseId })}>Back to case</button>
      </div>
      <ErrorBox error={result.error} />
      {result.loading && !result.data && <Loading what="matches" />}
      {result.data && <Ranking result={result.data} caseId={caseId} go={go} />}
    </section>
  );
}

function Ranking({ result, caseId, go }: { result: MatchResult; caseId: string; go: Go }) {
  const p = result.provenance;
  const best = result.ranking.find((r) => !r.isControl);
  return (
    <>
      <p className="muted" data-testid="provenance">
        From {result.photos} photo{result.photos === 1 ? '' : 's'}; model {p.model.id} (
        {p.model.sha256.slice(0, 8)}), gallery version {p.galleryVersion}, {p.method}, FacePheno{' '}
        {p.appVersion}.
      </p>
      {result.noneOfThese && (
        <div className="error" role="status">
          None of these: the closest gallery case has similarity {result.bestSimilarity.toFixed(2)}, less than
          gallery cases have to each other. Read the probabilities below with that in mind.
        </div>
      )}
      <table className="ranking" data-testid="ranking">
        <thead>
          <tr>
            <th>Syndrome</th>
            <th>Probability</th>
            <th>Nearest cases (similarity)</th>
          </tr>
        </thead>
        <tbody>
          {result.ranking.map((r) => (
            <tr key={r.label}>
              <td>{r.isControl ? 'unaffected (controls)' : r.label}</td>
              <td className="bar-cell">
                <div className="bar" style={{ width: `${(r.probability * 100).toFixed(1)}%` }} />
                <span>{(r.probability * 100).toFixed(1)}%</span>
              </td>
              <td>
                <Nearest
                  nearest={r.nearest}
                  open={(nearest, index) =>
                    go({ screen: 'compare', caseId, label: r.label, isControl: r.isControl, nearest, index })
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {best && (
        <>
          <h2>What looks like {best.label}</h2>
          <OcclusionHeatmap caseId={caseId} label={best.label} load={loadHeatmap} />
        </>
      )}
    </>
  );
}

/**
 * A label's nearest cases: those with a photo here open the side-by-side comparison; a member of another
 * centre's gallery pack has no photo, so it shows the centre instead.
 */
function Nearest({
  nearest,
  open,
}: {
  nearest: Neighbour[];
  open: (withPhotos: Neighbour[], index: number) => void;
}) {
  const withPhotos = nearest.filter((n) => n.photoId !== null);
  return nearest.map((n) =>
    n.photoId === null ? (
      <span key={n.patientId} className="pack-case" data-testid="pack-case">
        {n.patientId} ({n.similarity.toFixed(2)}, from {n.centre ?? 'another centre'}, no photo)
      </span>
    ) : (
      <button key={n.patientId} className="link" onClick={() => open(withPhotos, withPhotos.indexOf(n))}>
        {n.patientId} ({n.similarity.toFixed(2)})
      </button>
    ),
  );
}

export const loadHeatmap = (input: { caseId: string; label: string }) => api.call('analysis.heatmap', input);
