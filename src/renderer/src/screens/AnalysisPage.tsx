import { useCallback } from 'react';
import { useNavigate } from '@tanstack/react-router';
import type { SpaceView } from '../../../shared/api.js';
import { api } from '../api.js';
import { JobStatus } from '../components/JobStatus.js';
import { useJob } from '../components/useJob.js';
import { AnalysisScreen } from './Analysis.js';

/** The face-space analysis, computed as a job (progress, Cancel); a gallery case opens on click. */
export function AnalysisPage() {
  const navigate = useNavigate();
  const job = useJob();
  const { run } = job;
  const load = useCallback(
    async ({ seed }: { seed: number }): Promise<SpaceView> => {
      const end = await run(() => api.call('analysis.space', { seed }));
      if (end?.result?.kind === 'analysis.space') return end.result.view;
      throw new Error(
        end === null || end.status === 'done'
          ? 'the analysis could not start'
          : end.status === 'cancelled'
            ? 'The analysis was cancelled; change the seed to start it again.'
            : (end.error ?? 'the analysis failed'),
      );
    },
    [run],
  );
  return (
    <>
      {/* Errors and cancellation are the screen's to show, from load. */}
      {job.running && <JobStatus job={job} verb="Analysis" />}
      <AnalysisScreen
        load={load}
        openCase={(patient) => void navigate({ to: '/cases/$caseId', params: { caseId: patient } })}
      />
    </>
  );
}
