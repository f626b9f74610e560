import type { useJob } from './useJob.js';
import { ErrorBox, ProgressBar } from './Notice.js';

/** A job's progress bar with its Cancel button while it runs, then how it ended. */
export function JobStatus({ job, verb }: { job: ReturnType<typeof useJob>; verb: string }) {
  return (
    <>
      {job.running && (
        <div className="toolbar">
          <ProgressBar
            done={job.progress?.done ?? 0}
            total={job.progress?.total ?? 0}
            label={job.progress?.stage ?? `${verb}…`}
          />
          <button onClick={() => void job.cancel()}>Cancel</button>
        </div>
      )}
      {job.finished?.status === 'cancelled' && (
        <div className="muted">{verb} cancelled; nothing was changed.</div>
      )}
      <ErrorBox error={job.error} />
    </>
  );
}
