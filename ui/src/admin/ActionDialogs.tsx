import { useState, type FormEvent } from 'react';
import type { AdminRow, PaymentDetail, TillError } from '../api/types';
import { admin } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { toTillError } from '../errors';
import { amountInputValue, formatMoney, parseAmount } from '../money';
import { Dialog } from './Dialog';
import { newIdempotencyKey } from './idempotency';

interface Props {
  row: AdminRow;
  onDone: (d: PaymentDetail) => void;
  onClose: () => void;
}

/** Full or partial refund. One idempotency key per dialog: a retry of the same dialog cannot refund twice. */
export function RefundDialog({ row, onDone, onClose }: Props) {
  const [key] = useState(newIdempotencyKey);
  const max = row.amount - row.amount_refunded;
  const [mode, setMode] = useState<'full' | 'partial'>('full');
  const [text, setText] = useState(() => amountInputValue(max, row.currency));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const money = (n: number) => formatMoney(n, row.currency);

  const partial = parseAmount(text, row.currency);
  const invalid = mode === 'partial' && (partial === null || partial <= 0 || partial > max);

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (busy || invalid) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await admin.refund(row.order_id, mode === 'full' ? null : partial, key));
    } catch (err) {
      setError(toTillError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Refund ${row.order_id}`} onClose={onClose} busy={busy} testId="refund-dialog">
      <form className="admin-form" onSubmit={submit} noValidate>
        <p className="muted">
          Paid {money(row.amount)}
          {row.amount_refunded > 0 ? `, already refunded ${money(row.amount_refunded)}` : ''}. At most{' '}
          <strong data-testid="refund-max">{money(max)}</strong> can be refunded.
        </p>
        <fieldset className="admin-choice">
          <legend className="sr-only">Refund amount</legend>
          <label>
            <input type="radio" name="refund-mode" checked={mode === 'full'} onChange={() => setMode('full')} disabled={busy} />
            Full refund ({money(max)})
          </label>
          <label>
            <input type="radio" name="refund-mode" checked={mode === 'partial'} onChange={() => setMode('partial')} disabled={busy} />
            Partial amount
          </label>
        </fieldset>
        {mode === 'partial' ? (
          <label className="admin-field">
            <span>Amount ({row.currency.toUpperCase()}, max {amountInputValue(max, row.currency)})</span>
            <input
              type="text"
              inputMode="decimal"
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-invalid={invalid}
              aria-describedby="refund-amount-help"
              disabled={busy}
              data-testid="refund-amount"
              data-autofocus
            />
            <span id="refund-amount-help" className={invalid ? 'field-error' : 'muted'}>
              {invalid ? `Enter an amount above zero and at most ${money(max)}.` : partial ? `Refunds ${money(partial)}.` : ''}
            </span>
          </label>
        ) : null}
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        <div className="confirm-actions">
          <button type="button" className="btn btn-large" onClick={onClose} disabled={busy}>
            Close
          </button>
          <button type="submit" className="btn btn-danger btn-large" disabled={busy || invalid} data-testid="confirm-refund">
            {busy ? 'Refunding…' : error ? 'Try again' : `Refund ${mode === 'full' ? money(max) : partial ? money(partial) : ''}`}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function CancelDialog({ row, onDone, onClose }: Props) {
  const [key] = useState(newIdempotencyKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  async function submit() {
    setBusy(true);
    setError(null);
    try {
      onDone(await admin.cancel(row.order_id, key));
    } catch (err) {
      setError(toTillError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title={`Cancel ${row.order_id}?`} onClose={onClose} busy={busy} role="alertdialog" testId="cancel-dialog">
      <p className="muted">
        The PaymentIntent is canceled and the customer is not charged {formatMoney(row.amount, row.currency)}. This cannot be undone.
      </p>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <div className="confirm-actions">
        <button type="button" className="btn btn-large" onClick={onClose} disabled={busy} data-autofocus>
          Keep payment
        </button>
        <button type="button" className="btn btn-danger btn-large" onClick={() => void submit()} disabled={busy} data-testid="confirm-cancel">
          {busy ? 'Canceling…' : 'Yes, cancel payment'}
        </button>
      </div>
    </Dialog>
  );
}

export function CaptureDialog({ row, onDone, onClose }: Props) {
  const [key] = useState(newIdempotencyKey);
  const [text, setText] = useState(() => amountInputValue(row.amount, row.currency));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TillError | null>(null);
  const money = (n: number) => formatMoney(n, row.currency);
  const amount = parseAmount(text, row.currency);
  const invalid = amount === null || amount <= 0 || amount > row.amount;

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (busy || invalid) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await admin.capture(row.order_id, amount === row.amount ? null : amount, key));
    } catch (err) {
      setError(toTillError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Capture ${row.order_id}`} onClose={onClose} busy={busy} testId="capture-dialog">
      <form className="admin-form" onSubmit={submit} noValidate>
        <p className="muted">Authorized {money(row.amount)}. Capture all of it or less; the rest is released.</p>
        <label className="admin-field">
          <span>Amount to capture ({row.currency.toUpperCase()})</span>
          <input
            type="text"
            inputMode="decimal"
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={invalid}
            disabled={busy}
            data-testid="capture-amount"
            data-autofocus
          />
          {invalid ? <span className="field-error">Enter an amount above zero and at most {money(row.amount)}.</span> : null}
        </label>
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        <div className="confirm-actions">
          <button type="button" className="btn btn-large" onClick={onClose} disabled={busy}>
            Close
          </button>
          <button type="submit" className="btn btn-primary btn-large" disabled={busy || invalid} data-testid="confirm-capture">
            {busy ? 'Capturing…' : `Capture ${amount && !invalid ? money(amount) : ''}`}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
