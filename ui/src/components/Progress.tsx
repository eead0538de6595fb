import { useEffect, useState } from 'react';

/** How long start-up may take before its spinner shows: most starts are done well within it. */
export const START_SPINNER_DELAY_MS = 400;

/**
 * Every wait: a spinner and words, announced politely. With `delayMs`, the spinner appears only if the wait lasts:
 * a fast start shows no flash of it, and does not spend its first frames animating one.
 */
export function Progress({
  label,
  detail,
  size = 'normal',
  delayMs = 0,
}: {
  label: string;
  detail?: string;
  size?: 'normal' | 'large';
  delayMs?: number;
}) {
  const [shown, setShown] = useState(delayMs <= 0);
  useEffect(() => {
    if (shown) return;
    const t = setTimeout(() => setShown(true), delayMs);
    return () => clearTimeout(t);
  }, [shown, delayMs]);
  if (!shown) return <div className={`progress progress-${size}`} role="status" aria-label={label} />;
  return (
    <div className={`progress progress-${size}`} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span className="progress-text">
        <span className="progress-label">{label}</span>
        {detail ? <span className="progress-detail">{detail}</span> : null}
      </span>
    </div>
  );
}
