import type { AlignedFace, Neighbour } from '../../../shared/api.js';
import { api } from '../api.js';
import { FaceView } from '../components/FaceView.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { useAsync } from '../components/useAsync.js';
import type { Go } from '../route.js';
import { loadHeatmap } from './Matches.js';
import { OcclusionHeatmap } from './OcclusionHeatmap.js';

interface CompareProps {
  caseId: string;
  label: string;
  isControl: boolean;
  nearest: Neighbour[];
  index: number;
  go: Go;
}

/** The patient beside one of the nearest gallery cases, both in the same aligned 112x112 frame. */
export function CompareScreen({ caseId, label, isControl, nearest, index, go }: CompareProps) {
  const current = nearest[index];
  const pair = useAsync(
    () =>
      current?.photoId
        ? api.call('compare.faces', { caseId, galleryPhotoId: current.photoId })
        : Promise.reject(new Error('no gallery photo to compare with')),
    `${caseId}/${current?.photoId ?? ''}`,
  );
  const flip = (to: number) => go({ screen: 'compare', caseId, label, isControl, nearest, index: to });
  return (
    <section>
      <div className="heading">
        <h1>
          {caseId} beside {label}
        </h1>
        <button onClick={() => go({ screen: 'matches', caseId })}>Back to matches</button>
      </div>
      <div className="toolbar">
        <button disabled={index <= 0} onClick={() => flip(index - 1)}>
          ◀ Previous
        </button>
        <span>
          case {index + 1} of {nearest.length}
        </span>
        <button disabled={index >= nearest.length - 1} onClick={() => flip(index + 1)}>
          Next ▶
        </button>
      </div>
      <ErrorBox error={pair.error} />
      {pair.loading && !pair.data && <Loading what="the comparison" />}
      {pair.data && (
        <>
          <div className="compare" data-testid="compare">
            <Side face={pair.data.patient} title={`Patient ${caseId}`} />
            <Side
              face={pair.data.gallery}
              title={`Gallery ${pair.data.gallery.patientId} (${pair.data.gallery.label ?? ''})`}
            />
          </div>
          <p className="similarity" data-testid="similarity">
            Similarity {pair.data.similarity.toFixed(3)} (cosine, model {pair.data.provenance.model.id},
            gallery version {pair.data.provenance.galleryVersion})
          </p>
          {/* Controls are no syndrome: there is no score of theirs to explain. */}
          {!isControl && <OcclusionHeatmap caseId={caseId} label={label} load={loadHeatmap} />}
        </>
      )}
    </section>
  );
}

function Side({ face, title }: { face: AlignedFace; title: string }) {
  return (
    <figure>
      <FaceView
        src={dataUrl('image/png', face.png)}
        width={112}
        height={112}
        points5={face.points5}
        landmarks={face.landmarks}
        size={336}
        label={title}
      />
      <figcaption>{title}</figcaption>
    </figure>
  );
}
