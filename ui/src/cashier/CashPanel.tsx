import { useEffect, useRef, useState } from 'react';
import type { Order, TillError } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatMoney, parseAmount, roundCashSuggestions } from '../money';

interface Props {
  order: Order;
  busy: boolean;
  error: TillError | null;
  onDismissError: () => void;
  /** The cash handed over, in minor units: the whole sale, or the cash part of a split. */
  onTake: (given: number) => void;
  onBack: () => void;
}

/**
 * Cash tender: what the customer hands over, typed or from a quick button, and the change due, shown big. Less
 * than what is due makes a split: the cash part is taken and the card pays the rest.
 */
export function CashPanel({ order, busy, error, onDismissError, onTake, onBack }: Props) {
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const { currency, due } = order;
  const money = (n: number) => formatMoney(n, currency);
  const given = text.trim() === '' ? null : parseAmount(text, currency);
  const invalid = text.trim() !== '' && (given === null || given <= 0);

  useEffect(() => {
    input.current?.focus();
  }, []);

  const take = (amount: number | null) => {
    if (amount === null || amount <= 0 || busy) return;
    onTake(amount);
  };

  return (
    <form
      className="cash-panel"
      aria-labelledby="cash-title"
      onSubmit={(e) => {
        e.preventDefault();
        take(given);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) {
          e.preventDefault();
          onBack();
        }
      }}
    >
      <h2 id="cash-title" className="panel-title">
        Cash
      </h2>
      <p className="cash-due">
        Due <strong data-testid="cash-due">{money(due)}</strong>
      </p>
      <label className="field">
        <span>Cash given</span>
        <input
          ref={input}
          className="cash-input"
          inputMode="decimal"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={invalid}
          aria-describedby="cash-result"
          disabled={busy}
        />
      </label>
      <div className="cash-quick" role="group" aria-label="Quick amounts">
        <button type="button" className="btn" disabled={busy} onClick={() => take(due)}>
          Exact {money(due)}
        </button>
        {roundCashSuggestions(due, currency).map((n) => (
          <button key={n} type="button" className="btn" disabled={busy} onClick={() => take(n)}>
            {money(n)}
          </button>
        ))}
      </div>
      <div id="cash-result" className="cash-result" aria-live="polite">
        {invalid ? (
          <p className="field-error">Type the cash given, like {money(due).replace(/[^\d.,]/g, '')}.</p>
        ) : given !== null && given >= due ? (
          <p className="cash-change">
            Change <strong data-testid="cash-change">{money(given - due)}</strong>
          </p>
        ) : given !== null ? (
          <p className="cash-split">
            Card pays the rest: <strong data-testid="cash-card-rest">{money(due - given)}</strong>
          </p>
        ) : null}
      </div>
      <ErrorNotice error={error} onDismiss={onDismissError} />
      <div className="cash-actions">
        <button type="button" className="btn btn-large" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button type="submit" className="btn btn-primary btn-large" disabled={busy || given === null || given <= 0}>
          {busy ? 'Taking cash…' : given !== null && given > 0 && given < due ? 'Take cash, card for the rest' : 'Take cash'}
        </button>
      </div>
    </form>
  );
}
