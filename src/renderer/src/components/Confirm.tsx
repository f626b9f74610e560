import { useState } from 'react';

/**
 * A button whose action is asked for twice: the first click shows what it will do and a second button
 * that does it (no window.confirm, which a browser may suppress).
 */
export function ConfirmButton({
  label,
  question,
  confirm,
  onConfirm,
  disabled = false,
}: {
  label: string;
  question: string;
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button className="danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label={label}>
      <span>{question}</span>
      <button
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}
