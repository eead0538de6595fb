// The card-payment part of a sale, shared by the cashier and the kiosk: where a payment stands and how the
// core's news moves it. 'paid' is never reached from here: a screen enters it only when the core reports the
// order paid (till://order or refresh_order), never from the client-side confirmPayment result.
import { useCallback, useEffect, useState } from 'react';
import type { ChargeInfo, Order, TillError } from '../api/types';
import { till } from '../api/till';
import { toTillError } from '../errors';

/** What the customer's attempt came to, as far as the client knows. Never "paid": only the core says that. */
export type PayOutcome =
  | { kind: 'succeeded' }
  | { kind: 'processing' }
  /** code: Stripe's decline_code, else its error code (as the core stores last_error.code). */
  | { kind: 'declined'; message: string; code: string | null };

export type PayingStage =
  | { kind: 'pay'; charge: ChargeInfo; attempt: number }
  | { kind: 'declined'; charge: ChargeInfo; attempt: number; message: string; code: string | null; retrying: boolean }
  | { kind: 'confirming'; charge: ChargeInfo; since: number }
  | { kind: 'processing'; charge: ChargeInfo; since: number };

export type WaitingStage = Extract<PayingStage, { kind: 'confirming' | 'processing' }>;

export function isPaying(s: { kind: string }): s is PayingStage {
  return s.kind === 'pay' || s.kind === 'declined' || s.kind === 'confirming' || s.kind === 'processing';
}

export function isWaiting(s: { kind: string }): s is WaitingStage {
  return s.kind === 'confirming' || s.kind === 'processing';
}

/**
 * The core's news about the order (not 'paid' or 'canceled', which each screen handles first) while the client
 * waits: a decline reported by the webhook, or an intent that went to processing. Anything else: no change.
 */
export function stageOnOrder<S extends { kind: string }>(s: S, o: Order): S | PayingStage {
  if (!isWaiting(s)) return s;
  if (o.payment_status === 'requires_payment_method' && o.last_error) {
    return { kind: 'declined', charge: s.charge, attempt: 1, message: o.last_error.message, code: o.last_error.code, retrying: false };
  }
  if (s.kind === 'confirming' && o.payment_status === 'processing') {
    return { kind: 'processing', charge: s.charge, since: s.since };
  }
  return s;
}

/** What confirmPayment said, applied to the 'pay' stage (a paid or canceled sale is left alone: the core wins). */
export function stageOnOutcome<S extends { kind: string }>(s: S, out: PayOutcome): S | PayingStage {
  if (s.kind !== 'pay') return s;
  const p = s as unknown as Extract<PayingStage, { kind: 'pay' }>;
  if (out.kind === 'declined') {
    return { kind: 'declined', charge: p.charge, attempt: p.attempt, message: out.message, code: out.code, retrying: false };
  }
  if (out.kind === 'processing') return { kind: 'processing', charge: p.charge, since: Date.now() };
  return { kind: 'confirming', charge: p.charge, since: Date.now() };
}

/** Where an order that already has an intent resumes (the app was restarted mid-payment). */
export function stageForCharge(charge: ChargeInfo): PayingStage {
  if (charge.status === 'succeeded' || charge.status === 'requires_capture') return { kind: 'confirming', charge, since: Date.now() };
  if (charge.status === 'processing') return { kind: 'processing', charge, since: Date.now() };
  return { kind: 'pay', charge, attempt: 1 };
}

/**
 * The fallback while waiting for the webhook: asks the core about the intent every few seconds (events come
 * first). `orderId` null: not waiting.
 */
export function useRefreshWhileWaiting(orderId: string | null, apply: (o: Order) => void, intervalMs: number) {
  const [error, setError] = useState<TillError | null>(null);
  const refreshNow = useCallback(async () => {
    if (!orderId) return;
    try {
      apply(await till.refreshOrder(orderId));
      setError(null);
    } catch (e) {
      setError(toTillError(e));
    }
  }, [orderId, apply]);
  useEffect(() => setError(null), [orderId]);
  useEffect(() => {
    if (!orderId) return;
    const t = setInterval(() => void refreshNow(), intervalMs);
    return () => clearInterval(t);
  }, [orderId, refreshNow, intervalMs]);
  return { refreshNow, error, clearError: () => setError(null) };
}
