import type { AnyEvent, EventPayload } from '../../src/shared/api.js';

/** Resolves with the job's `job.finished` event once the Service has emitted it into `events`. */
export function jobEnd(events: AnyEvent[], jobId: string): Promise<EventPayload<'job.finished'>> {
  return new Promise((resolve) => {
    const poll = () => {
      const e = events.find((x) => x.name === 'job.finished' && x.payload.jobId === jobId);
      if (e) resolve(e.payload as EventPayload<'job.finished'>);
      else setTimeout(poll, 10);
    };
    poll();
  });
}
