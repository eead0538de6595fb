import { useEffect, useRef, useState } from 'react';
import type { AttentionItem, TillError } from '../api/types';
import { admin } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { formatDuration, formatShortDateTime } from '../time';
import { STATUS_META, StatusBadge } from './status';

export function attentionReason(item: AttentionItem, now = Date.now() / 1000): string {
  if (item.reason === 'stripe_disagrees') {
    return `Stripe disagrees with an event: ${item.detail ?? 'its status was overridden'}.`;
  }
  if (item.reason === 'paid_not_fulfilled') {
    return `Paid but not fulfilled since ${formatShortDateTime(item.since)}: the payment succeeded but the order was never completed.`;
  }
  const label = STATUS_META[item.row.status]?.label ?? item.row.status;
  return `Stuck in “${label}” for ${formatDuration(now - item.since)}: no news from Stripe since ${formatShortDateTime(item.since)}.`;
}

export function NeedsAttention({ refreshTick, onOpen }: { refreshTick: number; onOpen: (orderId: string) => void }) {
  const [items, setItems] = useState<AttentionItem[] | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const seq = useRef(0);
  const [retry, setRetry] = useState(0);

  useEffect(() => {
    const n = ++seq.current;
    admin.needsAttention().then(
      (list) => {
        if (n !== seq.current) return;
        setItems(list);
        setError(null);
      },
      (e: unknown) => n === seq.current && setError(toTillError(e)),
    );
  }, [refreshTick, retry]);

  return (
    <section className="panel side-panel" aria-labelledby="attention-title" data-testid="needs-attention">
      <h2 id="attention-title" className="panel-title">
        Needs attention {items && items.length > 0 ? <span className="count-pill">{items.length}</span> : null}
      </h2>
      <ErrorNotice error={error} onRetry={() => setRetry((n) => n + 1)} />
      {!items ? null : items.length === 0 ? (
        <p className="all-good">
          <span aria-hidden="true">✓ </span>Nothing needs attention.
        </p>
      ) : (
        <ul className="attention-list">
          {items.map((it) => (
            <li key={`${it.row.order_id}:${it.reason}`}>
              <button type="button" className={`attention-item attention-${it.reason}`} onClick={() => onOpen(it.row.order_id)} data-order-id={it.row.order_id}>
                <span className="attention-top">
                  <span className="mono">{it.row.order_id}</span>
                  <StatusBadge status={it.row.status} />
                  <strong>{formatMoney(it.row.amount, it.row.currency)}</strong>
                </span>
                <span className="attention-reason">{attentionReason(it)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
