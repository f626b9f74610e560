import { useEffect, useState } from 'react';
import type { EventPayload, JobRef } from '../../../shared/api.js';
import { api, errorText } from '../api.js';

export interface JobState {
  job: JobRef | null;
  progress: EventPayload<'job.progress'> | null;
  finished: EventPayload<'job.finished'> | null;
  error: string | null;
}

/** Starts long work, follows its progress events, and cancels it on request. */
export function useJob() {
  const [state, setState] = useState<JobState>({ job: null, progress: null, finished: null, error: null });
  const jobId = state.job?.jobId;
  useEffect(() => {
    if (!jobId) return;
    const offProgress = api.on('job.progress', (p) => {
      if (p.jobId === jobId) setState((s) => ({ ...s, progress: p }));
    });
    const offFinished = api.on('job.finished', (f) => {
      if (f.jobId === jobId) setState((s) => ({ ...s, finished: f, error: f.error }));
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, [jobId]);

  return {
    ...state,
    running: state.job !== null && state.finished === null,
    async start(begin: () => Promise<JobRef>) {
      setState({ job: null, progress: null, finished: null, error: null });
      try {
        const job = await begin();
        setState((s) => ({ ...s, job }));
      } catch (err) {
        setState((s) => ({ ...s, error: errorText(err) }));
      }
    },
    async cancel() {
      if (jobId) await api.call('jobs.cancel', { jobId });
    },
  };
}
