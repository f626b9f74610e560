import { z } from 'zod';
import type { GalleryAnalysis } from './report.js';

/**
 * The analysis as the app shows it: proposed additions to the API contract (src/shared/api.ts), kept
 * here, with the conversion, until the Service serves them. Figures travel as base64 PNG.
 */
const partition = z.object({
  method: z.string(),
  clusters: z.number().int(),
  noise: z.number().int(),
  adjustedRandIndex: z.number(),
  normalisedMutualInformation: z.number(),
  overallPurity: z.number(),
  perCluster: z.array(
    z.object({
      cluster: z.number().int(),
      size: z.number().int(),
      majority: z.string(),
      purity: z.number(),
      labels: z.array(z.object({ label: z.string(), count: z.number().int() })),
    }),
  ),
  shared: z.array(
    z.object({ labels: z.tuple([z.string(), z.string()]), clusters: z.array(z.number().int()) }),
  ),
});

export const SpaceView = z.object({
  model: z.string(),
  galleryVersion: z.string(),
  appVersion: z.string(),
  seed: z.number().int(),
  spaces: z.array(
    z.object({
      space: z.enum(['raw', 'learnt']),
      note: z.string(),
      pcaExplained: z.array(z.number()),
      clusters: z.object({ dbscan: partition, agglomerative: partition }),
      placement: z
        .object({
          patient: z.string(),
          x: z.number(),
          y: z.number(),
          neighbours: z.array(z.object({ patient: z.string(), label: z.string(), similarity: z.number() })),
        })
        .nullable(),
      points: z.array(
        z.object({
          patient: z.string(),
          photoId: z.string(),
          label: z.string(),
          sex: z.string(),
          ageBand: z.string(),
          umap: z.tuple([z.number(), z.number()]),
          pca: z.tuple([z.number(), z.number()]),
          dbscan: z.number().int(),
          agglomerative: z.number().int(),
        }),
      ),
    }),
  ),
  averages: z.array(
    z.object({
      label: z.string(),
      cases: z.number().int(),
      controls: z.number().int(),
      meanDisplacementPx: z.number(),
      png: z.string(),
    }),
  ),
});
export type SpaceView = z.infer<typeof SpaceView>;

export const HeatmapView = z.object({
  caseId: z.string(),
  label: z.string(),
  model: z.string(),
  /** The case's score for the label, unoccluded (mean similarity of its closest gallery patients). */
  score: z.number(),
  png: z.string(),
});
export type HeatmapView = z.infer<typeof HeatmapView>;

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
