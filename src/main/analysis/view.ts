import type { GalleryAnalysis } from './report.js';
import type { SpaceView } from '../../shared/api.js';

/** The analysis as the app shows it is part of the API contract; figures travel as base64 PNG. */
export { HeatmapView, SpaceView } from '../../shared/api.js';

/** The analysis of `analyseGallery` as the app receives it. */
export function spaceView(a: GalleryAnalysis): SpaceView {
  const png = (file: string) => (a.figures.get(file) ?? Buffer.alloc(0)).toString('base64');
  return {
    model: a.model,
    galleryVersion: a.galleryVersion,
    appVersion: a.appVersion,
    seed: a.seed,
    spaces: a.spaces.map((s) => ({
      space: s.space,
      note: s.note,
      pcaExplained: s.pcaExplained,
      clusters: s.clusters,
      placement: s.placement,
      points: s.map.map((p) => ({ ...p, photoId: String(p.photoId) })),
    })),
    averages: a.averages.map((v) => ({
      label: v.label,
      cases: v.cases,
      controls: v.controls,
      meanDisplacementPx: v.displacement.meanPx,
      png: png(v.file),
    })),
  };
}
