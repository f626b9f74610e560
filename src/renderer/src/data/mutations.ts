import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { CallInput, CaseDetail, FileSource } from '../../../shared/api.js';
import { api } from '../api.js';
import { toFileSource } from '../components/files.js';
import { caseQuery, catalogueQuery, keys } from './queries.js';

/** The case as a call saved it becomes the cached copy; the lists show its photos, diagnosis and notes. */
function remember(client: QueryClient, saved: CaseDetail): void {
  client.setQueryData(caseQuery(saved.id).queryKey, saved);
  void client.invalidateQueries({ queryKey: keys.caseLists });
}

export function useCreateCase() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<'cases.create'>) => api.call('cases.create', input),
    onSuccess: (created) => remember(client, created),
  });
}

type CaseEdit =
  | 'cases.update'
  | 'cases.setTerm'
  | 'cases.setDiagnosis'
  | 'cases.solve'
  | 'cases.addToGallery'
  | 'photos.delete';

/** Edits that change a case's faces (its matches, its variants' face component) or the gallery itself. */
const changesFaces: ReadonlySet<CaseEdit> = new Set(['photos.delete', 'cases.addToGallery']);

/** A change to the case's own record, which the Service answers with the case as saved. */
export function useCaseEdit<K extends CaseEdit>(name: K) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CallInput<K>): Promise<CaseDetail> => api.call(name, input),
    onSuccess: (saved) => {
      remember(client, saved);
      if (changesFaces.has(name))
        for (const queryKey of [keys.faces, keys.appInfo, keys.spaces, keys.variants])
          void client.invalidateQueries({ queryKey });
    },
  });
}

/** Deletes the case; its screens go, the lists and the gallery (if it was a member) are read again. */
export function useDeleteCase() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.call('cases.delete', { id }),
    onSuccess: (gone) => {
      client.removeQueries({ queryKey: keys.case(gone.id) });
      void client.invalidateQueries({ queryKey: keys.caseLists });
      void client.invalidateQueries({ queryKey: keys.faces });
      void client.invalidateQueries({ queryKey: keys.appInfo });
    },
  });
}

/** Deletes one VCF import of the case: its variants are read again. */
export function useDeleteVcfImport(caseId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (importId: string) => api.call('variants.deleteImport', { caseId, importId }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.variantsOf(caseId) }),
  });
}

export function useAddPhotos(caseId: string) {
  const client = useQueryClient();
  return useMutation({
    // Files the page holds are sent (streamed up under serve) first, as part of adding them.
    mutationFn: async (files: (FileSource | File)[]) =>
      api.call('photos.add', {
        caseId,
        files: await Promise.all(files.map((f) => (f instanceof File ? toFileSource(f) : f))),
      }),
    onSuccess: (r) => {
      remember(client, r.case);
      // A new face changes the case's matches and the face component of its variants.
      if (r.results.some((x) => x.photoId !== null)) {
        void client.invalidateQueries({ queryKey: keys.facesOf(caseId) });
        void client.invalidateQueries({ queryKey: keys.variantsOf(caseId) });
      }
    },
  });
}

export function useLoadHpo() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (file: FileSource) => api.call('terms.load', { file }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.appInfo });
      void client.invalidateQueries({ queryKey: keys.termSearches });
    },
  });
}

export function useLoadCatalogue() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (file: FileSource) => api.call('catalogue.import', { file }),
    onSuccess: (info) => {
      client.setQueryData(catalogueQuery().queryKey, info);
      // The catalogue links variants' genes to syndromes.
      void client.invalidateQueries({ queryKey: keys.variants });
    },
  });
}
