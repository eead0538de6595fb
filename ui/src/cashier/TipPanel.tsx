import { useEffect, useRef } from 'react';
import type { Order, TillError } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatPercent } from '../admin/percent';
import { formatMoney } from '../money';

/** The core's rounding of a tip (kassa_till::tip::tip_of): basis points of the amount, half up. */
export function tipOf(amount: number, basisPoints: number): number {
  return Math.floor((amount * basisPoints * 2 + 10_000) / 20_000);
}

interface Props {
  order: Order;
  choices: number[];
  busy: boolean;
  error: TillError | null;
  onDismissError: () => void;
  /** 0: no tip. */
  onPick: (basisPoints: number) => void;
  onBack: () => void;
}

/** Before the card pays: the customer adds a tip from the store's choices, or none. */
export function TipPanel({ order, choices, busy, error, onDismissError, onPick, onBack }: Props) {
  const money = (n: number) => formatMoney(n, order.currency);
  const none = useRef<HTMLButtonElement>(null);
  useEffect(() => none.current?.focus(), []);
  return (
    <div className="cash-panel" role="group" aria-labelledby="tip-title">
      <h2 id="tip-title" className="panel-title">
        Add a tip?
      </h2>
      <p className="cash-due">
        Card pays <strong>{money(order.due)}</strong>
      </p>
      <div className="cash-quick" role="group" aria-label="Tips">
        {choices.map((bp) => (
          <button key={bp} type="button" className="btn btn-large" disabled={busy} onClick={() => onPick(bp)}>
            {formatPercent(bp)} · {money(tipOf(order.due, bp))}
          </button>
        ))}
        <button ref={none} type="button" className="btn btn-large" disabled={busy} onClick={() => onPick(0)}>
          No tip
        </button>
      </div>
      <ErrorNotice error={error} onDismiss={onDismissError} />
      <button type="button" className="btn" onClick={onBack} disabled={busy}>
        Back
      </button>
    </div>
  );
}
