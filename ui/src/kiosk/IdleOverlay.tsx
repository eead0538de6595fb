import { useEffect, useRef } from 'react';

/** "Are you still there?" with the seconds left. A tap anywhere, a key, or the button keeps the order. */
export function IdleOverlay({ remaining, onStillHere }: { remaining: number; onStillHere: () => void }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    button.current?.focus();
  }, []);
  return (
    <div
      className="modal-backdrop kiosk-overlay"
      onClick={onStillHere}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onStillHere();
      }}
    >
      <div
        className="kdialog idle-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="idle-title"
        aria-describedby="idle-count"
        data-testid="idle-countdown"
      >
        <h2 id="idle-title">Are you still there?</h2>
        <p id="idle-count" className="idle-count" aria-live="polite" aria-atomic="true">
          Returning to start in <strong data-testid="idle-seconds">{remaining}</strong>…
        </p>
        <p className="kmuted">Your order will be cleared.</p>
        <button ref={button} type="button" className="kbtn kbtn-primary kbtn-wide" onClick={onStillHere}>
          I’m still here
        </button>
      </div>
    </div>
  );
}
