/** An error in the words the Service gave, or a quiet line while loading. */
export function ErrorBox({ error }: { error: string | null }) {
  return error ? (
    <div className="error" role="alert">
      {error}
    </div>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return <div className="muted">Loading {what}…</div>;
}

export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuenow={done}
      aria-valuemax={total}
      aria-label={label}
    >
      <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      <span className="progress-text">
        {label} {progressCount(done, total)}
      </span>
    </div>
  );
}

/** '12 / 40 (30%)'; where the total is not known yet (a VCF streamed), how far it got: '5000 so far'. */
function progressCount(done: number, total: number): string {
  if (total > 0) return `${done} / ${total} (${Math.round((100 * Math.min(done, total)) / total)}%)`;
  return done > 0 ? `${done.toLocaleString('en')} so far` : '';
}
