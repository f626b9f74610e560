/** What a long use case gets from whoever runs it (the Service's jobs, a command): progress and cancel. */
/** Thrown inside a job's work when the user cancelled it. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

export interface JobContext {
  /** Reports progress; throws Cancelled once the job was cancelled, which ends the work at that point. */
  progress(stage: string, done: number, total: number): void;
  readonly signal: AbortSignal;
}
