/** Every wait: a spinner and words, announced politely. */
export function Progress({ label, detail, size = 'normal' }: { label: string; detail?: string; size?: 'normal' | 'large' }) {
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
