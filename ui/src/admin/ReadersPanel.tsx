import { useEffect, useRef, useState } from 'react';
import type { ReaderInfo, TillError } from '../api/types';
import { till } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { toTillError } from '../errors';

/** What a reader is doing, in words. */
export function readerActivity(r: ReaderInfo): string {
  const a = r.action;
  if (!a) return 'Idle';
  const what = a.kind === 'process_payment_intent' ? 'Payment' : a.kind.replace(/_/g, ' ');
  if (a.status === 'in_progress') return `${what}: waiting for the card`;
  if (a.status === 'failed') return `${what} failed${a.failure_message ? `: ${a.failure_message}` : ''}`;
  return `${what}: done`;
}

/** The till's card readers (Stripe Terminal), with what Stripe says of each now. */
export function ReadersPanel({ refreshTick }: { refreshTick: number }) {
  const [readers, setReaders] = useState<ReaderInfo[] | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [retry, setRetry] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const n = ++seq.current;
    till.readers().then(
      (list) => {
        if (n !== seq.current) return;
        setReaders(Array.isArray(list) ? list : []);
        setError(null);
      },
      (e: unknown) => n === seq.current && setError(toTillError(e)),
    );
  }, [refreshTick, retry]);

  return (
    <section className="panel side-panel" aria-labelledby="readers-title" data-testid="readers-panel">
      <h2 id="readers-title" className="panel-title">
        Card readers
      </h2>
      <ErrorNotice error={error} onRetry={() => setRetry((n) => n + 1)} />
      {!readers ? null : readers.length === 0 ? (
        <p className="muted">No card reader is assigned to this till: cards are typed. An admin registers one at the backend (POST /api/readers).</p>
      ) : (
        <ul className="readers-list">
          {readers.map((r) => (
            <li key={r.reader_id} className="reader-row">
              <span className="reader-row-top">
                <strong>{r.label}</strong>
                <span className={`reader-status reader-${r.status}`}>{r.status === 'online' ? 'Online' : r.status === 'offline' ? 'Offline' : 'Unknown'}</span>
              </span>
              <span className="muted">
                {r.simulated ? 'Simulated reader' : r.device_type.replace(/_/g, ' ')} · <span className="mono">{r.reader_id}</span>
              </span>
              <span>{readerActivity(r)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
