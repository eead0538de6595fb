import { useCallback, useEffect, useRef, useState } from 'react';
import type { Receipt, TillError } from '../api/types';
import { till } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import { cardLabel, ReceiptPaper } from '../components/ReceiptPaper';

export { cardLabel, MERCHANT_NAME, ReceiptPaper } from '../components/ReceiptPaper';

interface Props {
  orderId: string;
  /** The till's receipt printer (host:port), or null: then "Print" is the system's print dialog. */
  printer: string | null;
  onNewSale: () => void;
  newSaleBusy: boolean;
  newSaleError: TillError | null;
  onDismissNewSaleError: () => void;
}

function tenderSummary(r: Receipt): string {
  const card = r.card_amount > 0 ? cardLabel(r.card_brand, r.card_last4) ?? 'Card' : null;
  if (r.cash && card) return `${formatMoney(r.cash.amount, r.currency)} cash, ${formatMoney(r.card_amount, r.currency)} ${card}`;
  if (r.cash) return 'Cash';
  return card ?? 'Card';
}

/** After the core says "paid": the receipt, to print, and the way to the next sale. */
export function ReceiptView({ orderId, printer, onNewSale, newSaleBusy, newSaleError, onDismissNewSaleError }: Props) {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<TillError | null>(null);
  const [printing, setPrinting] = useState(false);
  const [printed, setPrinted] = useState<string | null>(null);
  const [printError, setPrintError] = useState<TillError | null>(null);
  const autoPrinted = useRef(false);

  /** On the receipt printer, with no dialog; the first print of a cash sale also opens the drawer. */
  const printOnPrinter = useCallback(
    async (reprint: boolean) => {
      setPrinting(true);
      setPrintError(null);
      try {
        const done = await till.printReceipt(orderId, reprint);
        setPrinted(done.drawer_opened ? 'Receipt printed · drawer opened' : 'Receipt printed');
      } catch (e) {
        setPrintError(toTillError(e));
      } finally {
        setPrinting(false);
      }
    },
    [orderId],
  );

  // With a receipt printer, the receipt prints as soon as the sale is paid (and a cash sale's drawer opens).
  useEffect(() => {
    if (!printer || autoPrinted.current) return;
    autoPrinted.current = true;
    void printOnPrinter(false);
  }, [printer, printOnPrinter]);
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
            {receipt ? `${formatMoney(receipt.total, receipt.currency)} received · ${tenderSummary(receipt)}` : 'Payment received.'}
          </p>
        </div>
        {receipt?.cash && receipt.cash.change > 0 ? (
          <p className="change-due" role="status">
            Change <strong data-testid="change-due">{formatMoney(receipt.cash.change, receipt.currency)}</strong>
          </p>
        ) : null}
      </div>

      <div className="receipt-actions no-print">
        {printer ? (
          <button type="button" className="btn btn-large" onClick={() => void printOnPrinter(true)} disabled={printing}>
            {printing ? 'Printing…' : 'Print again'}
          </button>
        ) : (
          <button type="button" className="btn btn-large" onClick={() => window.print()} disabled={!receipt} aria-keyshortcuts="Control+P">
            Print receipt
          </button>
        )}
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
      {printed ? (
        <p className="muted no-print" role="status">
          {printed}
        </p>
      ) : null}
      <ErrorNotice error={printError} onRetry={() => void printOnPrinter(false)} onDismiss={() => setPrintError(null)} className="no-print" />
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

