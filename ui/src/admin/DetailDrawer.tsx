import { useCallback, useEffect, useRef, useState } from 'react';
import { open } from '@tauri-apps/plugin-shell';
import type { PaymentDetail, TillError } from '../api/types';
import { admin, till } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { cardLabel, readMethodLabel } from '../components/ReceiptPaper';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { formatDateTime, formatShortDateTimeSeconds } from '../time';
import { CancelDialog, CaptureDialog, RefundDialog } from './ActionDialogs';
import { CANCELABLE, outcomeLabel, StatusBadge, statusWords } from './status';

interface Props {
  orderId: string;
  /** Bumped on live news: the detail is fetched again. */
  refreshTick: number;
  onClose: () => void;
  /** After an action: the table and panels refresh. */
  onChanged: () => void;
  /** The till's receipt printer, if it has one: a paid sale's receipt can be printed again. */
  printer?: string | null;
}

type DialogKind = 'refund' | 'cancel' | 'capture';

/** One payment: summary, actions, the event timeline and the fulfilment record. */
export function DetailDrawer({ orderId, refreshTick, onClose, onChanged, printer = null }: Props) {
  const [reprinted, setReprinted] = useState<string | null>(null);
  const reprint = async () => {
    setOpenError(null);
    setReprinted(null);
    try {
      const done = await till.printReceipt(orderId, true);
      setReprinted(`Receipt printed on ${done.printer}`);
    } catch (e) {
      setOpenError(toTillError(e));
    }
  };
  const [detail, setDetail] = useState<PaymentDetail | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [dialog, setDialog] = useState<{ kind: DialogKind; n: number } | null>(null);
  const [openError, setOpenError] = useState<TillError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const seq = useRef(0);
  const dialogSeq = useRef(0);

  const load = useCallback(() => {
    const n = ++seq.current;
    admin.detail(orderId).then(
      (d) => {
        if (n !== seq.current) return;
        setDetail(d);
        setError(null);
      },
      (e: unknown) => n === seq.current && setError(toTillError(e)),
    );
  }, [orderId]);

  useEffect(() => {
    setDetail(null);
    setError(null);
    setDialog(null);
  }, [orderId]);
  useEffect(load, [load, refreshTick]);
  useEffect(() => {
    heading.current?.focus();
  }, [orderId]);

  // Escape closes the drawer wherever focus is (a dialog on top handles its own Escape first).
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const dialogOpen = dialog !== null;
  useEffect(() => {
    if (dialogOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        closeRef.current();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialogOpen]);
  // Back from a dialog whose button is gone (e.g. fully refunded): focus stays in the drawer.
  useEffect(() => {
    if (!dialogOpen && document.activeElement === document.body) heading.current?.focus();
  }, [dialogOpen]);

  const show = (kind: DialogKind) => setDialog({ kind, n: ++dialogSeq.current });
  const done = (d: PaymentDetail) => {
    seq.current++; // an older fetch must not overwrite the action's answer
    setDetail(d);
    setDialog(null);
    onChanged();
  };

  const openDashboard = async (url: string) => {
    setOpenError(null);
    try {
      await open(url);
    } catch (e) {
      setOpenError(toTillError(e));
    }
  };

  const row = detail?.row;
  const money = (n: number) => formatMoney(n, row?.currency ?? 'usd');
  const refundable = row && row.status === 'succeeded' && row.amount_refunded < row.amount;
  const cancelable = row && CANCELABLE.includes(row.status);
  const capturable = row && row.status === 'requires_capture';

  return (
    <div
      className="drawer-backdrop"
      onClick={(e) => {
        if (e.target === e.currentTarget && !dialog) onClose();
      }}
    >
      <aside className="drawer" role="dialog" aria-modal="true" aria-labelledby="detail-title" data-testid="payment-detail" inert={!!dialog}>
        <header className="drawer-head">
          <h2 id="detail-title" ref={heading} tabIndex={-1}>
            Payment <span className="mono">{orderId}</span>
          </h2>
          <button type="button" className="btn-icon" aria-label="Close payment details" onClick={onClose}>
            ×
          </button>
        </header>

        {error ? <ErrorNotice error={error} onRetry={load} /> : null}
        {!detail && !error ? <Progress label="Loading payment…" /> : null}

        {detail && row ? (
          <div className="drawer-body">
            <div className="detail-summary">
              <StatusBadge status={row.status} />
              <strong className="detail-amount">{money(row.amount)}</strong>
              {row.amount_refunded > 0 ? <span className="refund-note">Refunded {money(row.amount_refunded)}</span> : null}
            </div>
            <dl className="detail-list">
              <div>
                <dt>Terminal</dt>
                <dd>{row.terminal}</dd>
              </div>
              <div>
                <dt>PaymentIntent</dt>
                <dd className="mono">{row.payment_intent_id ?? '—'}</dd>
              </div>
              <div>
                <dt>Card</dt>
                <dd>{cardLabel(row.card_brand, row.card_last4) ?? '—'}</dd>
              </div>
              <div>
                <dt>Card read</dt>
                <dd>{readMethodLabel(row.card_read_method) ?? (row.card_last4 ? 'Typed in (card not present)' : '—')}</dd>
              </div>
              <div>
                <dt>Fulfilment</dt>
                <dd>{row.fulfilment === 'fulfilled' ? 'Fulfilled' : 'Not fulfilled'}</dd>
              </div>
              <div>
                <dt>Created</dt>
                <dd>{formatDateTime(row.created)}</dd>
              </div>
              <div>
                <dt>Updated</dt>
                <dd>{formatDateTime(row.updated)}</dd>
              </div>
              {detail.order.last_error ? (
                <div>
                  <dt>Last error</dt>
                  <dd>
                    {detail.order.last_error.message}
                    {detail.order.last_error.code ? <span className="mono"> ({detail.order.last_error.code})</span> : null}
                  </dd>
                </div>
              ) : null}
            </dl>

            <div className="detail-actions">
              {refundable ? (
                <button type="button" className="btn btn-danger" onClick={() => show('refund')} data-testid="refund">
                  Refund…
                </button>
              ) : null}
              {capturable ? (
                <button type="button" className="btn btn-primary" onClick={() => show('capture')} data-testid="capture">
                  Capture…
                </button>
              ) : null}
              {cancelable ? (
                <button type="button" className="btn" onClick={() => show('cancel')} data-testid="cancel-payment">
                  Cancel payment…
                </button>
              ) : null}
              {printer && row?.fulfilment === 'fulfilled' ? (
                <button type="button" className="btn" onClick={() => void reprint()} data-testid="reprint">
                  Reprint receipt
                </button>
              ) : null}
              {detail.dashboard_url ? (
                <button type="button" className="btn" onClick={() => void openDashboard(detail.dashboard_url!)} data-testid="open-dashboard">
                  Open in Stripe Dashboard ↗
                </button>
              ) : null}
            </div>
            <ErrorNotice error={openError} onDismiss={() => setOpenError(null)} />
            {reprinted ? (
              <p className="export-note" role="status">
                {reprinted}
              </p>
            ) : null}

            {detail.order.lines.length > 0 ? (
              <section aria-labelledby="lines-title">
                <h3 id="lines-title" className="panel-title">
                  Items
                </h3>
                <ul className="detail-lines">
                  {detail.order.lines.map((l) => (
                    <li key={l.id}>
                      <span>
                        {l.quantity}× {l.name}
                      </span>
                      <span>{money(l.amount)}</span>
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}

            <section aria-labelledby="timeline-title">
              <h3 id="timeline-title" className="panel-title">
                Event timeline
              </h3>
              {detail.timeline.length === 0 ? (
                <p className="muted">No events yet.</p>
              ) : (
                <table className="timeline" data-testid="timeline">
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Event</th>
                      <th scope="col">Status after</th>
                      <th scope="col">Outcome</th>
                    </tr>
                  </thead>
                  <tbody>
                    {detail.timeline.map((t) => (
                      <tr key={t.event_id} data-event-id={t.event_id}>
                        <td className="nowrap">{formatShortDateTimeSeconds(t.at)}</td>
                        <td className="mono">
                          {t.type.split('.').map((part, i) => (
                            <span key={i}>
                              {i > 0 ? '.' : ''}
                              {part}
                              <wbr />
                            </span>
                          ))}
                        </td>
                        <td>{statusWords(t.status_after)}</td>
                        <td className={`outcome outcome-${t.outcome}`}>{outcomeLabel(t.outcome)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>

            <section aria-labelledby="fulfil-title">
              <h3 id="fulfil-title" className="panel-title">
                Fulfilment
              </h3>
              {detail.fulfilment ? (
                <dl className="detail-list" data-testid="fulfilment">
                  <div>
                    <dt>Fulfilled</dt>
                    <dd>{formatDateTime(detail.fulfilment.fulfilled_at)}</dd>
                  </div>
                  <div>
                    <dt>Amount</dt>
                    <dd>{formatMoney(detail.fulfilment.amount, detail.fulfilment.currency)}</dd>
                  </div>
                  <div>
                    <dt>By event</dt>
                    <dd className="mono">{detail.fulfilment.event_id}</dd>
                  </div>
                  <div>
                    <dt>PaymentIntent</dt>
                    <dd className="mono">{detail.fulfilment.payment_intent_id}</dd>
                  </div>
                </dl>
              ) : (
                <p className="muted" data-testid="fulfilment">
                  {row.status === 'succeeded'
                    ? 'Not fulfilled: the payment succeeded but the order was not fulfilled. Reconcile, or check the timeline.'
                    : 'Not fulfilled (the payment has not succeeded).'}
                </p>
              )}
            </section>
          </div>
        ) : null}
      </aside>

      {dialog && row ? (
        dialog.kind === 'refund' ? (
          <RefundDialog key={dialog.n} row={row} onDone={done} onClose={() => setDialog(null)} />
        ) : dialog.kind === 'cancel' ? (
          <CancelDialog key={dialog.n} row={row} onDone={done} onClose={() => setDialog(null)} />
        ) : (
          <CaptureDialog key={dialog.n} row={row} onDone={done} onClose={() => setDialog(null)} />
        )
      ) : null}
    </div>
  );
}
