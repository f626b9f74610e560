import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import type { AlignedFace } from '../../../shared/api.js';
import { errorMessage } from '../api.js';
import { FaceView } from '../components/FaceView.js';
import { ErrorBox, Loading } from '../components/Notice.js';
import { dataUrl } from '../components/files.js';
import { comparisonQuery, matchesQuery } from '../data/queries.js';
import { comparable } from './Matches.js';
import { OcclusionHeatmap } from './OcclusionHeatmap.js';

interface CompareProps {
  caseId: string;
  /** The ranked label whose nearest cases are flipped through, and which of them is shown. */
  label: string;
  index: number;
}

/**
 * The patient beside one of the nearest gallery cases, both in the same aligned 112x112 frame. The cases
 * to flip through are the label's in the case's matches (from the cache, or asked for again after a
 * reload), so that the address alone opens the comparison.
 */
export function CompareScreen({ caseId, label, index }: CompareProps) {
  const navigate = useNavigate();
  const matches = useQuery(matchesQuery(caseId));
  const ranked = matches.data?.ranking.find((r) => r.label === label);
  const nearest = ranked ? comparable(ranked) : [];
  const galleryPhotoId = nearest[index]?.photoId ?? null;
  // Flipping keeps the last pair on screen until the next is ready.
  const pair = useQuery({ ...comparisonQuery(caseId, galleryPhotoId), placeholderData: keepPreviousData });
  const flip = (to: number) =>
    void navigate({ to: '/cases/$caseId/compare', params: { caseId }, search: { label, index: to } });
  const missing =
    matches.data && galleryPhotoId === null ? `no gallery case of ${label} to compare with` : null;
  return (
    <section>
      <div className="heading">
        <h1>
          {caseId} beside {label}
        </h1>
        <button onClick={() => void navigate({ to: '/cases/$caseId/matches', params: { caseId } })}>
          Back to matches
        </button>
      </div>
      {ranked && (
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
      )}
      <ErrorBox error={errorMessage(matches.error ?? pair.error) ?? missing} />
      {(matches.isPending || (galleryPhotoId !== null && pair.isPending)) && (
        <Loading what="the comparison" />
      )}
      {galleryPhotoId !== null && pair.data && (
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
          {!ranked?.isControl && <OcclusionHeatmap caseId={caseId} label={label} />}
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
