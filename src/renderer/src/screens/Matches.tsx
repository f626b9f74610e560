import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { MatchResult, Neighbour, Ranked } from '../../../shared/api.js';
import { errorMessage } from '../api.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { matchesQuery } from '../data/queries.js';
import { OcclusionHeatmap } from './OcclusionHeatmap.js';

export function MatchesScreen({ caseId }: { caseId: string }) {
  const result = useQuery(matchesQuery(caseId));
  const navigate = useNavigate();
  return (
    <section>
      <div className="heading">
        <h1>Matches for {caseId}</h1>
        <button onClick={() => void navigate({ to: '/cases/$caseId', params: { caseId } })}>
          Back to case
        </button>
      </div>
      <ErrorBox error={errorMessage(result.error)} />
      {result.isPending && <Loading what="matches" />}
      {result.data && <Ranking result={result.data} caseId={caseId} />}
    </section>
  );
}

/** A label's nearest cases that have a photo here: those the comparison flips through. */
export function comparable(ranked: Ranked): Neighbour[] {
  return ranked.nearest.filter((n) => n.photoId !== null);
}

function Ranking({ result, caseId }: { result: MatchResult; caseId: string }) {
  const navigate = useNavigate();
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
                  ranked={r}
                  open={(index) =>
                    void navigate({
                      to: '/cases/$caseId/compare',
                      params: { caseId },
                      search: { label: r.label, index },
                    })
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
          <OcclusionHeatmap caseId={caseId} label={best.label} />
        </>
      )}
    </>
  );
}

/**
 * A label's nearest cases: those with a photo here open the side-by-side comparison; a member of another
 * centre's gallery pack has no photo, so it shows the centre instead.
 */
function Nearest({ ranked, open }: { ranked: Ranked; open: (index: number) => void }) {
  const withPhotos = comparable(ranked);
  return ranked.nearest.map((n) =>
    n.photoId === null ? (
      <span key={n.patientId} className="pack-case" data-testid="pack-case">
        {n.patientId} ({n.similarity.toFixed(2)}, from {n.centre ?? 'another centre'}, no photo)
      </span>
    ) : (
      <button key={n.patientId} className="link" onClick={() => open(withPhotos.indexOf(n))}>
        {n.patientId} ({n.similarity.toFixed(2)})
      </button>
    ),
  );
}
