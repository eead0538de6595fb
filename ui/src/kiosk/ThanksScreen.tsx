import { useEffect, useRef, useState } from 'react';
import type { Order, Receipt } from '../api/types';
import { till } from '../api/till';
import { cardLabel, ReceiptPaper } from '../components/ReceiptPaper';
import { formatMoney } from '../money';

interface Props {
  order: Order;
  seconds: number;
  onDone: () => void;
}

/** Shown only once the core reports the order paid. Back to Welcome after `seconds`, or on a tap. */
export function ThanksScreen({ order, seconds, onDone }: Props) {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [failed, setFailed] = useState(false);
  const [left, setLeft] = useState(seconds);
  const heading = useRef<HTMLHeadingElement>(null);
  const fired = useRef(false);
  const doneRef = useRef(onDone);
  doneRef.current = onDone;
  const done = useRef(() => {
    if (fired.current) return;
    fired.current = true;
    doneRef.current();
  });

  useEffect(() => {
    let alive = true;
    till.receipt(order.id).then(
      (r) => alive && setReceipt(r),
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
    };
  }, [order.id]);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  useEffect(() => {
    if (left <= 0) {
      done.current();
      return;
    }
    const t = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(t);
  }, [left]);

  const card = receipt ? cardLabel(receipt.card_brand, receipt.card_last4) : cardLabel(order.card_brand, order.card_last4);
  return (
    <main className="kscreen kthanks" data-testid="kiosk-thanks" aria-labelledby="thanks-title" onClick={() => done.current()}>
      <div className="kthanks-main">
      <div className="kthanks-head">
        <span className="kthanks-check" aria-hidden="true">
          ✓
        </span>
        <div>
          <h1 id="thanks-title" ref={heading} tabIndex={-1}>
            Thank you!
          </h1>
          <p role="status">
            Your payment of {formatMoney(order.total, order.currency)} was received{card ? ` (${card})` : ''}.
          </p>
        </div>
      </div>
      <div className="kthanks-foot">
        <button type="button" className="kbtn kbtn-primary kbtn-wide" onClick={() => done.current()}>
          Done
        </button>
        <p className="kmuted" aria-live="off">
          Returning to start in {left} s · tap anywhere
        </p>
      </div>
      </div>
      {receipt ? (
        <ReceiptPaper receipt={receipt} className="kreceipt" />
      ) : failed ? (
        <p className="kmuted">Your receipt could not be shown, but your payment went through.</p>
      ) : (
        <p className="kmuted">Loading your receipt…</p>
      )}
    </main>
  );
}
