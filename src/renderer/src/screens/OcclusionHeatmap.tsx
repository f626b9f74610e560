import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../api.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { heatmapQuery } from '../data/queries.js';

/**
 * Which parts of the case's aligned face make it look like `label`: the occlusion heatmap, for the
 * Compare and Matches screens.
 */
export function OcclusionHeatmap({ caseId, label }: { caseId: string; label: string }) {
  const heat = useQuery(heatmapQuery(caseId, label));
  return (
    <figure className="panel" data-testid="occlusion-heatmap">
      <ErrorBox error={errorMessage(heat.error)} />
      {heat.isPending && <Loading what={`the heatmap for ${label}`} />}
      {heat.data && (
        <>
          <img
            className="aligned"
            src={dataUrl('image/png', heat.data.png)}
            alt={`occlusion heatmap of ${caseId} for ${label}`}
          />
          <figcaption className="muted">
            Red: covering the region lowers the score for {heat.data.label} ({heat.data.score.toFixed(3)},
            model {heat.data.model}); blue: covering it raises the score.
          </figcaption>
        </>
      )}
    </figure>
  );
}
