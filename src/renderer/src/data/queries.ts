import { queryOptions, skipToken } from '@tanstack/react-query';
import type { CaseKind } from '../../../shared/api.js';
import { api } from '../api.js';

/**
 * Query keys, by what they depend on: everything under `faces` follows the gallery and the learnt space,
 * and a case's own entry there follows its photos.
 */
export const keys = {
  appInfo: ['app.info'],
  auditState: ['audit.state'],
  catalogue: ['catalogue.info'],
  caseLists: ['cases', 'list'],
  caseList: (kind: CaseKind, filter: string) => ['cases', 'list', kind, filter],
  case: (id: string) => ['cases', 'detail', id],
  photoImage: (photoId: string, kind: 'original' | 'aligned') => ['photos.image', photoId, kind],
  termSearches: ['terms.search'],
  termSearch: (text: string) => ['terms.search', text],
  syndromeSearches: ['syndromes.search'],
  syndromeSearch: (text: string) => ['syndromes.search', text],
  faces: ['face'],
  facesOf: (caseId: string) => ['face', caseId],
  matches: (caseId: string) => ['face', caseId, 'matches'],
  comparison: (caseId: string, galleryPhotoId: string | null) => ['face', caseId, 'compare', galleryPhotoId],
  heatmap: (caseId: string, label: string) => ['face', caseId, 'heatmap', label],
  variants: ['variants'],
  variantsOf: (caseId: string) => ['variants', caseId],
  variantList: (caseId: string, maxAf: number | null) => ['variants', caseId, maxAf],
  spaces: ['analysis.space'],
  space: (seed: number) => ['analysis.space', seed],
} as const;

/** Computed once and kept until what they depend on changes (which invalidates them). */
const UNTIL_INVALIDATED = Infinity;

export const appInfoQuery = () =>
  queryOptions({ queryKey: keys.appInfo, queryFn: () => api.call('app.info', {}) });

export const auditStateQuery = () =>
  queryOptions({ queryKey: keys.auditState, queryFn: () => api.call('audit.state', {}) });

export const catalogueQuery = () =>
  queryOptions({ queryKey: keys.catalogue, queryFn: () => api.call('catalogue.info', {}) });

// Cases live in a store other workstations may share: each showing reads them again, the cached copy
// standing in meanwhile. Every read of a case is also the audited opening of it.
export const caseListQuery = (filter: string, kind: CaseKind = 'clinic') =>
  queryOptions({
    queryKey: keys.caseList(kind, filter),
    queryFn: () => api.call('cases.list', { filter, kind }),
    staleTime: 0,
  });

export const caseQuery = (id: string) =>
  queryOptions({ queryKey: keys.case(id), queryFn: () => api.call('cases.get', { id }), staleTime: 0 });

/** A photo's bytes never change under its id. */
export const photoImageQuery = (photoId: string, kind: 'original' | 'aligned') =>
  queryOptions({
    queryKey: keys.photoImage(photoId, kind),
    queryFn: () => api.call('photos.image', { photoId, kind }),
    staleTime: Infinity,
  });

/** Shorter searches than the Service answers usefully are answered here, with nothing. */
export const termSearchQuery = (text: string) =>
  queryOptions({
    queryKey: keys.termSearch(text),
    queryFn: () =>
      text.trim().length < 2 ? { terms: [] } : api.call('terms.search', { query: text, limit: 12 }),
  });

export const syndromeSearchQuery = (text: string) =>
  queryOptions({
    queryKey: keys.syndromeSearch(text),
    queryFn: () =>
      text.trim() === '' ? { syndromes: [] } : api.call('syndromes.search', { query: text, limit: 10 }),
  });

export const matchesQuery = (caseId: string) =>
  queryOptions({ queryKey: keys.matches(caseId), queryFn: () => api.call('match.case', { caseId }) });

/** The case beside a gallery photo; none is asked for without one (`null`). */
export const comparisonQuery = (caseId: string, galleryPhotoId: string | null) =>
  queryOptions({
    queryKey: keys.comparison(caseId, galleryPhotoId),
    queryFn:
      galleryPhotoId === null ? skipToken : () => api.call('compare.faces', { caseId, galleryPhotoId }),
    staleTime: UNTIL_INVALIDATED,
  });

/** The occlusion heatmap runs the model over many masked copies of the face: worth keeping. */
export const heatmapQuery = (caseId: string, label: string) =>
  queryOptions({
    queryKey: keys.heatmap(caseId, label),
    queryFn: () => api.call('analysis.heatmap', { caseId, label }),
    staleTime: UNTIL_INVALIDATED,
  });

/** The case's candidate variants, rare up to `maxAf`; null leaves the filter to the Service's default. */
export const variantsQuery = (caseId: string, maxAf: number | null) =>
  queryOptions({
    queryKey: keys.variantList(caseId, maxAf),
    queryFn: () =>
      api.call('variants.list', {
        caseId,
        filter:
          maxAf === null
            ? null
            : { maxGnomadAf: maxAf, impacts: ['HIGH', 'MODERATE'], clinvarPathogenic: true },
      }),
  });
