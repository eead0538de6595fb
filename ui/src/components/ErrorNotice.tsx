import type { TillError } from '../api/types';

interface Props {
  error: TillError | null | undefined;
  onDismiss?: () => void;
  onRetry?: () => void;
  retryLabel?: string;
  className?: string;
}

/** A command's error, shown where it happened: its message, and a way to dismiss (or retry). */
export function ErrorNotice({ error, onDismiss, onRetry, retryLabel = 'Retry', className }: Props) {
  if (!error) return null;
  return (
    <div className={`error-notice${className ? ` ${className}` : ''}`} role="alert">
      <span className="error-icon" aria-hidden="true">!</span>
      <p className="error-message">{error.message}</p>
      {onRetry ? (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {retryLabel}
        </button>
      ) : null}
      {onDismiss ? (
        <button type="button" className="btn-icon error-dismiss" aria-label="Dismiss error" onClick={onDismiss}>
          ×
        </button>
      ) : null}
    </div>
  );
}
