import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReaderInfo, TillError } from '../api/types';
import { till } from '../api/till';
import { ErrorNotice } from '../components/ErrorNotice';
import { Progress } from '../components/Progress';
import { toTillError } from '../errors';
import { formatMoney } from '../money';
import type { PayVariant } from './PaymentPanel';

/** How often the screen asks about the reader while the customer pays (the backend's fallback for a late webhook). */
export const READER_POLL_MS = 1_000;

/** Stripe's test card that declines (generic_decline), for the demo's "Simulate declined card". */
export const DECLINED_TEST_CARD = '4000000000000002';

/**
 * Where the reader stands for this sale. 'approved' is not 'paid': the sale is paid only when the core says so
 * (payment_intent.succeeded), which moves the whole screen on.
 */
export type ReaderStage =
  | { kind: 'starting' }
  | { kind: 'waiting' }
  | { kind: 'approved' }
  | { kind: 'declined'; message: string; code: string | null }
  | { kind: 'stopped'; reason: string }
  | { kind: 'error'; error: TillError };

/** What the reader's action says, for the sale waiting on it. */
export function stageOfReader(r: ReaderInfo, paymentIntentId: string | null): ReaderStage | null {
  const a = r.action;
  if (!a) return { kind: 'stopped', reason: `The payment on ${r.label} was stopped.` };
  if (a.kind !== 'process_payment_intent') return null;
  if (paymentIntentId && a.payment_intent_id && a.payment_intent_id !== paymentIntentId) return null;
  switch (a.status) {
    case 'succeeded':
      return { kind: 'approved' };
    case 'failed':
      return {
        kind: 'declined',
        message: a.failure_message || 'The card was declined.',
        code: a.failure_code,
      };
    default:
      return { kind: 'waiting' };
  }
}

const TEXTS: Record<PayVariant, { present: (label: string) => string; presentDetail: string; approved: string }> = {
  cashier: {
    present: (label) => `Present card on ${label}`,
    presentDetail: 'The customer taps, inserts or swipes their card on the reader.',
    approved: 'Card approved — completing the sale…',
  },
  kiosk: {
    present: () => 'Tap, insert or swipe your card on the reader',
    presentDetail: 'Follow the instructions on the reader.',
    approved: 'Card approved — one moment…',
  },
};

interface Props {
  orderId: string;
  amount: number;
  currency: string;
  reader: ReaderInfo;
  /** The sale's PaymentIntent once known, so a reader busy with another sale is not mistaken for this one. */
  paymentIntentId: string | null;
  variant?: PayVariant;
  /**
   * The reader is being asked, or has approved the card and the sale is completing: the screen holds the sale.
   * Waiting for the card is not busy: the cashier may switch to a typed card or cash (which frees the reader), and
   * the kiosk's idle reset may abandon the sale.
   */
  onBusyChange?: (busy: boolean) => void;
}

/**
 * The card-present payment step: the backend asks the reader to collect the sale, and this shows what the reader
 * is doing — waiting for the card, approved, declined with the reason and "Try again" — with Cancel. A simulated
 * reader (the demo) also gets "Simulate tap". Leaving the step cancels a collection still in progress.
 */
export function ReaderPanel({
  orderId,
  amount,
  currency,
  reader,
  paymentIntentId,
  variant = 'cashier',
  onBusyChange,
}: Props) {
  const texts = TEXTS[variant];
  const [stage, setStage] = useState<ReaderStage>({ kind: 'starting' });
  const [tapping, setTapping] = useState(false);
  const [canceling, setCanceling] = useState(false);
  const [tapError, setTapError] = useState<TillError | null>(null);
  const stageRef = useRef(stage);
  stageRef.current = stage;
  const alive = useRef(true);
  const readerId = reader.reader_id;
  const paymentIntentRef = useRef(paymentIntentId);
  paymentIntentRef.current = paymentIntentId;

  const start = useCallback(async () => {
    setStage({ kind: 'starting' });
    setTapError(null);
    try {
      const r = await till.payOnReader(orderId, readerId);
      if (alive.current) setStage(stageOfReader(r, null) ?? { kind: 'waiting' });
    } catch (e) {
      // Already collecting this sale (the app restarted mid-payment, or an answer was lost): carry on waiting.
      const now = await till.reader(readerId).catch(() => null);
      const pi = paymentIntentRef.current;
      const ours = now?.action?.status === 'in_progress' && !!pi && now.action.payment_intent_id === pi;
      if (alive.current) setStage(ours ? { kind: 'waiting' } : { kind: 'error', error: toTillError(e) });
    }
  }, [orderId, readerId]);

  useEffect(() => {
    alive.current = true;
    void start();
    return () => {
      alive.current = false;
      // Leaving the step while the reader still waits for this sale's card (the cashier switched to cash or a
      // typed card) frees it. Left because the sale was paid, the reader's action is over: nothing to cancel.
      const s = stageRef.current.kind;
      if (s === 'waiting' || s === 'starting') {
        void till
          .reader(readerId)
          .then((r) => {
            const a = r.action;
            const ours = !paymentIntentRef.current || a?.payment_intent_id === paymentIntentRef.current;
            if (a?.status === 'in_progress' && ours) return till.cancelReader(readerId);
            return undefined;
          })
          .catch(() => undefined);
      }
    };
  }, [start, readerId]);

  const waiting = stage.kind === 'waiting';
  useEffect(() => {
    onBusyChange?.(stage.kind === 'starting' || stage.kind === 'approved');
  }, [stage.kind, onBusyChange]);

  // While the customer pays, the reader is asked every second; its news moves the step.
  useEffect(() => {
    if (!waiting) return;
    let stop = false;
    const timer = window.setInterval(async () => {
      try {
        const r = await till.reader(readerId);
        const next = stageOfReader(r, paymentIntentId);
        if (!stop && alive.current && next && next.kind !== 'waiting' && stageRef.current.kind === 'waiting') setStage(next);
      } catch {
        // A missed poll is retried on the next tick; the webhook may still bring the outcome.
      }
    }, READER_POLL_MS);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [waiting, readerId, paymentIntentId]);

  const cancel = async () => {
    setCanceling(true);
    try {
      await till.cancelReader(readerId);
      if (alive.current) setStage({ kind: 'stopped', reason: `The payment on ${reader.label} was cancelled.` });
    } catch (e) {
      if (alive.current) setStage({ kind: 'error', error: toTillError(e) });
    } finally {
      if (alive.current) setCanceling(false);
    }
  };

  const simulateTap = async (cardNumber?: string) => {
    setTapping(true);
    setTapError(null);
    try {
      const r = await till.simulateTap(readerId, cardNumber);
      const next = stageOfReader(r, paymentIntentId);
      if (alive.current && next && next.kind !== 'waiting') setStage(next);
    } catch (e) {
      if (alive.current) setTapError(toTillError(e));
    } finally {
      if (alive.current) setTapping(false);
    }
  };

  const big = variant === 'kiosk' ? ' btn-kiosk' : '';
  return (
    <div className="reader-pay" data-reader-stage={stage.kind}>
      {stage.kind === 'starting' ? <Progress size="large" label={`Sending ${formatMoney(amount, currency)} to ${reader.label}…`} /> : null}
      {stage.kind === 'waiting' ? (
        <>
          <div className="reader-present" role="status">
            <span className="reader-icon" aria-hidden="true">▭</span>
            <p className="reader-title">{texts.present(reader.label)}</p>
            <p className="reader-amount">{formatMoney(amount, currency)}</p>
            <p className="muted">{texts.presentDetail}</p>
          </div>
          {reader.simulated ? (
            <div className="reader-simulate">
              <p className="muted">Demo: no card reader is attached. Play the customer:</p>
              <div className="reader-simulate-actions">
                <button type="button" className={`btn btn-primary${big}`} disabled={tapping} onClick={() => void simulateTap()}>
                  {tapping ? 'Tapping…' : 'Simulate tap'}
                </button>
                <button type="button" className="btn" disabled={tapping} onClick={() => void simulateTap(DECLINED_TEST_CARD)}>
                  Simulate declined card
                </button>
              </div>
              <ErrorNotice error={tapError} onDismiss={() => setTapError(null)} />
            </div>
          ) : null}
          <button type="button" className="btn btn-ghost btn-block reader-cancel" disabled={canceling} onClick={() => void cancel()}>
            {canceling ? 'Cancelling…' : 'Cancel'}
          </button>
        </>
      ) : null}
      {stage.kind === 'approved' ? <Progress size="large" label={texts.approved} /> : null}
      {stage.kind === 'declined' ? (
        <div className="declined">
          <div className="declined-box" role="alert">
            <p className="declined-title">Payment declined</p>
            <p className="declined-message">{stage.message}</p>
          </div>
          <button type="button" className={`btn btn-primary btn-large btn-block${big}`} onClick={() => void start()}>
            Try again
          </button>
        </div>
      ) : null}
      {stage.kind === 'stopped' ? (
        <div className="reader-stopped" role="status">
          <p>{stage.reason}</p>
          <button type="button" className={`btn btn-primary btn-large btn-block${big}`} onClick={() => void start()}>
            Try again on {reader.label}
          </button>
        </div>
      ) : null}
      {stage.kind === 'error' ? <ErrorNotice error={stage.error} onRetry={() => void start()} retryLabel="Try again" /> : null}
    </div>
  );
}
