import { useCallback, useEffect, useState } from 'react';
import type { EventPayload, JobRef } from '../../../shared/api.js';
import { api, errorText } from '../api.js';

type Finished = EventPayload<'job.finished'>;

// Every job's end is heard from the start of the app, so that a job which ends before its starter has
// its id (a map already computed, a file already imported) is not missed.
const ended = new Map<string, Finished>();
const waiting = new Map<string, (f: Finished) => void>();
api.on('job.finished', (f) => {
  const waiter = waiting.get(f.jobId);
  waiting.delete(f.jobId);
  if (waiter) waiter(f);
  else ended.set(f.jobId, f);
  // Ends nobody here waits for (jobs another window started) are forgotten, oldest first.
  if (ended.size > 50) ended.delete(ended.keys().next().value as string);
});

function jobEnd(jobId: string): Promise<Finished> {
  const f = ended.get(jobId);
  ended.delete(jobId);
  return f ? Promise.resolve(f) : new Promise((resolve) => waiting.set(jobId, resolve));
}

export interface JobState {
  job: JobRef | null;
  progress: EventPayload<'job.progress'> | null;
  finished: Finished | null;
  error: string | null;
}

/** Starts long work, follows its progress events, and cancels it on request. */
export function useJob() {
  const [state, setState] = useState<JobState>({ job: null, progress: null, finished: null, error: null });
  const jobId = state.job?.jobId;
  useEffect(() => {
    if (!jobId) return;
    return api.on('job.progress', (p) => {
      if (p.jobId === jobId) setState((s) => ({ ...s, progress: p }));
    });
  }, [jobId]);

  /** Starts the job and resolves with its end (null when it could not start: the error is in the state). */
  const run = useCallback(async (begin: () => Promise<JobRef>): Promise<Finished | null> => {
    setState({ job: null, progress: null, finished: null, error: null });
    let job: JobRef;
    try {
      job = await begin();
    } catch (err) {
      setState((s) => ({ ...s, error: errorText(err) }));
      return null;
    }
    setState((s) => ({ ...s, job }));
    const f = await jobEnd(job.jobId);
    setState((s) => (s.job?.jobId === f.jobId ? { ...s, finished: f, error: f.error } : s));
    return f;
  }, []);

  return {
    ...state,
    running: state.job !== null && state.finished === null,
    run,
    /** Clears the last job's outcome: a new file was picked, so its message no longer applies. */
    reset() {
      setState({ job: null, progress: null, finished: null, error: null });
    },
    async start(begin: () => Promise<JobRef>) {
      await run(begin);
    },
    async cancel() {
      if (jobId) await api.call('jobs.cancel', { jobId });
    },
  };
}
