import { useCallback, useEffect, useRef, useState } from 'react';
import type { Receipt, TillError } from '../api/types';
import { till } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { formatDateTime } from '../time';

export const MERCHANT_NAME = 'Kassa demo store';

export function cardLabel(brand: string | null, last4: string | null): string | null {
  if (!brand && !last4) return null;
  const names: Record<string, string> = {
    amex: 'American Express', diners: 'Diners Club', discover: 'Discover', eftpos_au: 'eftpos', jcb: 'JCB',
    mastercard: 'Mastercard', unionpay: 'UnionPay', visa: 'Visa', cartes_bancaires: 'Cartes Bancaires', interac: 'Interac',
  };
  const b = brand ? names[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1) : 'Card';
  return last4 ? `${b} •••• ${last4}` : b;
}

interface Props {
  orderId: string;
  onNewSale: () => void;
  newSaleBusy: boolean;
  newSaleError: TillError | null;
  onDismissNewSaleError: () => void;
}

/** After the core says "paid": the receipt, to print, and the way to the next sale. */
export function ReceiptView({ orderId, onNewSale, newSaleBusy, newSaleError, onDismissNewSaleError }: Props) {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const newSaleRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(() => {
    setError(null);
    till.receipt(orderId).then(setReceipt, (e: unknown) => setError(toTillError(e)));
  }, [orderId]);

  useEffect(load, [load]);

  useEffect(() => {
    newSaleRef.current?.focus();
  }, []);

  return (
    <main className="receipt-view" aria-labelledby="paid-title">
      <div className="paid-banner no-print">
        <span className="paid-check" aria-hidden="true">
          ✓
        </span>
        <div>
          <h1 id="paid-title" tabIndex={-1}>
            Paid
          </h1>
          <p role="status" aria-live="polite">
            {receipt
              ? `${formatMoney(receipt.total, receipt.currency)} received${cardLabel(receipt.card_brand, receipt.card_last4) ? ` · ${cardLabel(receipt.card_brand, receipt.card_last4)}` : ''}`
              : 'The bank confirmed the payment.'}
          </p>
        </div>
      </div>

      <div className="receipt-actions no-print">
        <button type="button" className="btn btn-large" onClick={() => window.print()} disabled={!receipt} aria-keyshortcuts="Control+P">
          Print receipt
        </button>
        <button
          ref={newSaleRef}
          type="button"
          className="btn btn-primary btn-large"
          onClick={onNewSale}
          disabled={newSaleBusy}
          aria-keyshortcuts="Enter"
        >
          {newSaleBusy ? 'Starting…' : 'New sale'}
        </button>
      </div>
      <ErrorNotice error={newSaleError} onDismiss={onDismissNewSaleError} className="no-print" />

      {error ? (
        <ErrorNotice error={error} onRetry={load} className="no-print" />
      ) : !receipt ? (
        <Progress label="Loading receipt…" />
      ) : (
        <ReceiptPaper receipt={receipt} />
      )}
    </main>
  );
}

export function ReceiptPaper({ receipt }: { receipt: Receipt }) {
  const card = cardLabel(receipt.card_brand, receipt.card_last4);
  const money = (n: number) => formatMoney(n, receipt.currency);
  return (
    <article className="receipt-paper" aria-label="Receipt">
      <header className="receipt-header">
        <h2 className="receipt-merchant">{MERCHANT_NAME}</h2>
        <p>{formatDateTime(receipt.paid_at)}</p>
        <p>Terminal {receipt.terminal}</p>
      </header>
      <table className="receipt-lines">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num">
              Qty
            </th>
            <th scope="col" className="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {receipt.lines.map((l) => (
            <tr key={l.id}>
              <td>
                {l.name}
                {l.quantity > 1 ? <span className="receipt-unit"> @ {money(l.unit_amount)}</span> : null}
              </td>
              <td className="num">{l.quantity}</td>
              <td className="num">{money(l.amount)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              Total
            </th>
            <td className="num">
              <strong>{money(receipt.total)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>
      <dl className="receipt-meta">
        <div>
          <dt>Paid by</dt>
          <dd>{card ?? 'Card'}</dd>
        </div>
        <div>
          <dt>Payment</dt>
          <dd className="mono">{receipt.payment_intent_id}</dd>
        </div>
        <div>
          <dt>Order</dt>
          <dd className="mono">{receipt.order_id}</dd>
        </div>
      </dl>
      <p className="receipt-thanks">Thank you!</p>
    </article>
  );
}
