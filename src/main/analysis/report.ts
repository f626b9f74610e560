import { UserError } from '../errors.js';
import { decodePhoto } from '../face/decode.js';
import type { Point } from '../face/geometry.js';
import type { Inference, ModelEntry } from '../models/inference.js';
import { indexGallery, rankByNearestCases } from '../match/nearest.js';
import { project, trainHead, type ProjectionHead } from '../match/head.js';
import { SearchIndex } from '../match/topk.js';
import { l2Normalize, stack } from '../match/vectors.js';
import { appVersion } from '../version.js';
import type { Agreement } from './agreement.js';
import { averageFaces, type FaceSource, matchControls, type StoredPhoto } from './average-face.js';
import { ageBand } from '../../shared/vocabulary.js';
import { categoryOf, type Colouring, type Member } from './gallery.js';
import { placeAmongNeighbours, type Placement } from './layout.js';
import { occlusionMap, occlusionOverlay } from './occlusion.js';
import { scatterPng } from './scatter.js';
import { analyseSpace, centred, type SpaceAnalysis, type SpaceName } from './space.js';

export interface AnalysisOptions {
  modelId: string;
  seed: number;
  spaces: SpaceName[];
  colourBy: Colouring;
  /** Average faces of each syndrome against matched controls (needs stored meshes and photos). */
  averages: boolean;
  /** Cases per average face at most (the first patients in gallery order). */
  maxAverage: number;
  /** A case to place on the maps among its nearest gallery faces. */
  patient?: string;
}

export interface MapPoint {
  patient: string;
  photoId: number;
  label: string;
  sex: string;
  ageBand: string;
  umap: [number, number];
  pca: [number, number];
  dbscan: number;
  agglomerative: number;
}

export interface SpaceReport {
  space: SpaceName;
  /** How the learnt space was obtained, stated beside its figures. */
  note: string;
  points: number;
  dim: number;
  pcaExplained: number[];
  umapParameters: Record<string, number>;
  distanceSpace: SpaceAnalysis['distanceSpace'];
  clusters: { dbscan: Agreement; agglomerative: Agreement };
  placement:
    | (Omit<Placement, 'neighbours'> & {
        patient: string;
        neighbours: { patient: string; label: string; similarity: number }[];
      })
    | null;
  timingsMs: Record<string, number>;
  map: MapPoint[];
}

export interface AverageReport {
  label: string;
  cases: number;
  controls: number;
  displacement: { meanPx: number; maxPx: number; magnification: number };
  file: string;
}

export interface GalleryAnalysis {
  model: string;
  galleryVersion: string;
  appVersion: string;
  seed: number;
  colourBy: Colouring;
  members: number;
  labels: { label: string; isControl: boolean; faces: number; patients: number }[];
  spaces: SpaceReport[];
  averages: AverageReport[];
  /** Figures by file name, written by the caller. */
  figures: Map<string, Buffer>;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'label';

function labelSummary(members: readonly Member[]): GalleryAnalysis['labels'] {
  const by = new Map<string, { isControl: boolean; faces: number; patients: Set<string> }>();
  for (const m of members) {
    const l = by.get(m.label) ?? { isControl: m.isControl, faces: 0, patients: new Set<string>() };
    l.faces++;
    l.patients.add(m.patient);
    by.set(m.label, l);
  }
  return [...by]
    .map(([label, l]) => ({ label, isControl: l.isControl, faces: l.faces, patients: l.patients.size }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** The gallery as an analysis reads it, taken from the case store by the caller. */
export interface GalleryData {
  /** The gallery's own faces in the options' model. */
  members: Member[];
  galleryVersion: string;
  /** The case to place (AnalysisOptions.patient), its faces fused into one direction. */
  query: Float32Array | null;
  /**
   * A member's stored mesh and photo, null where either is missing. Asked for the average faces only, and
   * only until each patient has one: each answer is a read of the store.
   */
  storedFace(m: Member): Pick<FaceSource, 'mesh' | 'photo'> | null;
}

/**
 * Everything `analyze-space` writes: for each space, the UMAP and PCA maps (PNG, and every point in the
 * report), the DBSCAN and average-linkage clusters compared with the labels, and the case placed among
 * its neighbours; then each syndrome's average face beside its matched controls'.
 */
export async function analyseGallery(gallery: GalleryData, o: AnalysisOptions): Promise<GalleryAnalysis> {
  const { members, query } = gallery;
  const labels = labelSummary(members);
  const figures = new Map<string, Buffer>();
  const spaces: SpaceReport[] = [];
  for (const space of o.spaces) {
    let head: ProjectionHead | null = null;
    if (space === 'learnt') {
      if (labels.length < 2) throw new UserError('the learnt space needs at least two labels in the gallery');
      head = trainHead(members, { seed: o.seed });
    }
    const trained = head;
    const view = (v: Float32Array) => (trained ? project(trained, v) : l2Normalize(v));
    const points = members.map((m) => ({ patient: m.patient, label: m.label, vector: view(m.vector) }));
    const analysis = analyseSpace(points, { seed: o.seed });
    let placement: SpaceReport['placement'] = null;
    if (query && o.patient !== undefined) {
      // A gallery patient is placed among the others, never among their own photos.
      const own = o.patient.toLowerCase();
      const skip = new Set(points.flatMap((p, i) => (p.patient.toLowerCase() === own ? [i] : [])));
      const index = new SearchIndex(stack(points.map((p) => centred(p.vector, analysis.centre))));
      const p = placeAmongNeighbours(analysis.umap, index, centred(view(query), analysis.centre), { skip });
      placement = {
        patient: o.patient,
        x: p.x,
        y: p.y,
        neighbours: p.neighbours.map((n) => {
          const m = members[n.index] as Member;
          return { patient: m.patient, label: m.label, similarity: n.similarity };
        }),
      };
    }
    const categories = members.map((m) => categoryOf(m, o.colourBy));
    const marks = placement ? [{ x: placement.x, y: placement.y, label: placement.patient }] : [];
    const title = (method: string) =>
      `${method} of ${members.length} gallery faces, ${o.modelId} ${space} space, by ${o.colourBy}`;
    figures.set(
      `map-${space}-umap.png`,
      await scatterPng(analysis.umap, { title: title('UMAP'), categories, marks }),
    );
    figures.set(`map-${space}-pca.png`, await scatterPng(analysis.pca, { title: title('PCA'), categories }));
    spaces.push({
      space,
      note:
        space === 'raw'
          ? 'the embedding model as it is'
          : 'projection head trained on this same gallery (in-sample: agreement with labels is optimistic; patient-level figures come from facepheno evaluate)',
      points: analysis.points,
      dim: analysis.dim,
      pcaExplained: analysis.pca.explained,
      umapParameters: analysis.umap.parameters,
      distanceSpace: analysis.distanceSpace,
      clusters: { dbscan: analysis.dbscan, agglomerative: analysis.agglomerative },
      placement,
      timingsMs: analysis.timings,
      map: members.map((m, i) => ({
        patient: m.patient,
        photoId: m.photoId,
        label: m.label,
        sex: m.sex,
        ageBand: ageBand(m.ageYears),
        umap: [analysis.umap.coords[2 * i] as number, analysis.umap.coords[2 * i + 1] as number],
        pca: [analysis.pca.coords[2 * i] as number, analysis.pca.coords[2 * i + 1] as number],
        dbscan: analysis.partitions.dbscan[i] as number,
        agglomerative: analysis.partitions.agglomerative[i] as number,
      })),
    });
  }
  const averages = o.averages ? await averageReports(gallery, o.maxAverage, figures) : [];
  return {
    model: o.modelId,
    galleryVersion: gallery.galleryVersion,
    appVersion,
    seed: o.seed,
    colourBy: o.colourBy,
    members: members.length,
    labels,
    spaces,
    averages,
    figures,
  };
}

/** One face per patient (their first), with its mesh and stored photo; faces without a mesh are skipped. */
function faceSources(gallery: GalleryData, members: readonly Member[]): FaceSource[] {
  const seen = new Set<string>();
  return members.flatMap((m) => {
    if (seen.has(m.patient)) return [];
    const face = gallery.storedFace(m);
    if (!face) return [];
    seen.add(m.patient);
    return [{ patient: m.patient, sex: m.sex, ageYears: m.ageYears, mesh: face.mesh, photo: face.photo }];
  });
}

async function averageReports(
  gallery: GalleryData,
  maxCases: number,
  figures: Map<string, Buffer>,
): Promise<AverageReport[]> {
  const { members } = gallery;
  const pool = faceSources(
    gallery,
    members.filter((m) => m.isControl),
  );
  const syndromes = [...new Set(members.filter((m) => !m.isControl).map((m) => m.label))].sort();
  const out: AverageReport[] = [];
  for (const label of syndromes) {
    const cases = faceSources(
      gallery,
      members.filter((m) => m.label === label),
    ).slice(0, maxCases);
    if (cases.length === 0) continue;
    const faces = await averageFaces(label, cases, matchControls(cases, pool));
    const file = `average-${slug(label)}.png`;
    figures.set(file, faces.figurePng);
    out.push({ label, cases: faces.cases, controls: faces.controls, displacement: faces.displacement, file });
  }
  return out;
}

export interface HeatmapReport {
  patient: string;
  label: string;
  model: string;
  baseline: number;
  patches: number;
  /** The patient's labels by nearest-case score, best first, for the record. */
  ranking: { label: string; score: number }[];
  file: string;
}

/** The case face a heatmap is drawn on, taken from the case store by the caller. */
export interface HeatmapFace {
  /** The case id as asked for. */
  patient: string;
  /** The case's first photo whose primary face has an embedding in the model; */
  photo: StoredPhoto;
  /** that face's alignment points and embedding. */
  points5: Point[];
  vector: Float32Array;
}

/**
 * The occlusion heatmap of a case's face, for `label` or else its best-scoring syndrome, scored against
 * the gallery `members` (the case itself left out), overlaid on the aligned face.
 */
export async function caseHeatmap(
  inference: Inference,
  model: ModelEntry,
  members: readonly Member[],
  face: HeatmapFace,
  label: string | undefined,
): Promise<{ report: HeatmapReport; png: Buffer }> {
  const pseudonym = face.patient;
  const index = indexGallery(members.map((m) => ({ patient: m.patient, label: m.label, vector: m.vector })));
  const ranking = rankByNearestCases(index, [face.vector], { excludePatient: pseudonym });
  const controls = new Set(members.filter((m) => m.isControl).map((m) => m.label));
  const target = label ?? ranking.find((r) => !controls.has(r.label))?.label;
  if (!target || !ranking.some((r) => r.label === target))
    throw new UserError(
      `no '${label ?? 'syndrome'}' patients in the gallery of model '${model.id}' to score case '${pseudonym}' against`,
    );
  const img = await decodePhoto(face.photo.file, face.photo.read());
  const map = await occlusionMap(inference, model, img, face.points5, index, {
    label: target,
    excludePatient: pseudonym,
  });
  const file = `heatmap-${slug(pseudonym)}-${slug(target)}.png`;
  return {
    report: {
      patient: pseudonym,
      label: target,
      model: model.id,
      baseline: map.baseline,
      patches: map.patches,
      ranking: ranking.map((r) => ({ label: r.label, score: r.score })),
      file,
    },
    png: await occlusionOverlay(map),
  };
}
