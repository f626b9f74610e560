import { QueryClient } from '@tanstack/react-query';
import type { EventPayload, JobKind } from '../../../shared/api.js';
import { api } from '../api.js';
import { keys } from './queries.js';

/**
 * The renderer's one query cache. The Service is on this machine (IPC or 127.0.0.1), so the browser's idea
 * of being online does not apply, and a refused call is the user's to correct: it is not tried again.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        networkMode: 'always',
        retry: false,
        staleTime: 30_000,
        // Every read of a case is audited: a window coming back into focus is no reason to read it again.
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}

/** What a finished job changed, as the query keys to read again. */
const changedBy: Record<JobKind, readonly (readonly unknown[])[]> = {
  // The gallery: its counts and syndromes, every match and map, the face component of variant priorities.
  'gallery.import': [keys.appInfo, keys.syndromeSearches, keys.faces, keys.spaces, keys.variants],
  // A learnt space may now be used for matching.
  'model.train': [keys.faces, keys.spaces, keys.variants],
  // The result names no case: every case's variants are read again when next shown.
  'variants.import': [keys.variants],
  'model.evaluate': [],
  'analysis.space': [],
};

/**
 * Jobs end by event, whichever window started them: once one is done, the queries it changed are read
 * again. Returns the unsubscribe function.
 */
export function invalidateOnJobEnd(client: QueryClient): () => void {
  return api.on('job.finished', (f: EventPayload<'job.finished'>) => {
    if (f.status !== 'done') return;
    for (const queryKey of changedBy[f.kind]) void client.invalidateQueries({ queryKey });
  });
}
