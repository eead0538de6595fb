import type { ReactNode } from 'react';
import type { Order, OrderLine } from '../api/types';
import { formatMoney } from '../money';
import { keepFocus } from './focus';

interface Props {
  order: Order | null;
  /** While a payment is under way the cart is read-only. */
  locked: boolean;
  /** Changes a line's quantity by one; the screen applies it to the latest order. */
  onStep: (line: OrderLine, delta: 1 | -1) => void;
  onRemove: (line: OrderLine) => void;
  /** Shown at the right of the heading (the Cancel sale button). */
  actions?: ReactNode;
}

export function Cart({ order, locked, onStep, onRemove, actions }: Props) {
  const lines = order?.lines ?? [];
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  const currency = order?.currency ?? 'usd';
  return (
    <div className={`cart${locked ? ' is-locked' : ''}`}>
      <div className="cart-head">
        <h2 id="cart-title" className="panel-title">
          Current sale
        </h2>
        <span className="muted cart-count">{count === 1 ? '1 item' : `${count} items`}</span>
        {actions}
      </div>
      {lines.length === 0 ? (
        <p className="empty cart-empty">No items yet. Tap an item or type an amount on the keypad.</p>
      ) : (
        <ul className="cart-lines" aria-labelledby="cart-title">
          {lines.map((line) => (
            <li key={line.id} className="cart-line">
              <div className="line-info">
                <span className="line-name">{line.name}</span>
                <span className="line-unit">{formatMoney(line.unit_amount, currency)} each</span>
              </div>
              {locked ? (
                <span className="line-qty-static" aria-label={`Quantity ${line.quantity}`}>
                  × {line.quantity}
                </span>
              ) : (
                <div className="qty" role="group" aria-label={`Quantity of ${line.name}`}>
                  <button
                    type="button"
                    className="btn-icon qty-btn"
                    onMouseDown={keepFocus}
                    aria-label={`Decrease quantity of ${line.name}`}
                    disabled={line.quantity <= 1}
                    onClick={() => onStep(line, -1)}
                  >
                    −
                  </button>
                  <span className="qty-value" aria-live="polite">
                    {line.quantity}
                  </span>
                  <button
                    type="button"
                    className="btn-icon qty-btn"
                    onMouseDown={keepFocus}
                    aria-label={`Increase quantity of ${line.name}`}
                    onClick={() => onStep(line, 1)}
                  >
                    +
                  </button>
                </div>
              )}
              <span className="line-amount">{formatMoney(line.amount, currency)}</span>
              {locked ? null : (
                <button
                  type="button"
                  className="btn-icon line-remove"
                  aria-label={`Remove ${line.name}`}
                  onClick={() => onRemove(line)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {order?.taxes.map((t) => (
        <div className="cart-tax" key={t.id} data-testid="cart-tax">
          <span>
            {t.name}
            {t.inclusive ? ' (included)' : ''}
          </span>
          <span>{formatMoney(t.tax, currency)}</span>
        </div>
      ))}
      <div className="cart-total">
        <span>Total</span>
        <strong data-testid="cart-total">{formatMoney(order?.total ?? 0, currency)}</strong>
      </div>
      {order?.cash ? (
        <>
          <div className="cart-tax">
            <span>Cash</span>
            <span data-testid="cart-cash">{formatMoney(order.cash.amount, currency)}</span>
          </div>
          <div className="cart-tax">
            <span>Due by card</span>
            <span data-testid="cart-due">{formatMoney(order.due, currency)}</span>
          </div>
        </>
      ) : null}
    </div>
  );
}
