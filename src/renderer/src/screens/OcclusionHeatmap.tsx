import type { HeatmapView } from '../../../shared/api.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { useAsync } from '../components/useAsync.js';

/**
 * Which parts of the case's aligned face make it look like `label`: the occlusion heatmap, for the
 * Compare and Matches screens. `load` is the 'analysis.heatmap' call.
 */
export function OcclusionHeatmap({
  caseId,
  label,
  load,
}: {
  caseId: string;
  label: string;
  load: (input: { caseId: string; label: string }) => Promise<HeatmapView>;
}) {
  const heat = useAsync(() => load({ caseId, label }), `${caseId}/${label}`);
  return (
    <figure className="panel" data-testid="occlusion-heatmap">
      <ErrorBox error={heat.error} />
      {heat.loading && !heat.data && <Loading what={`the heatmap for ${label}`} />}
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
