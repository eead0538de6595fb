import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChargeInfo, PaymentStatus } from '../api/types';
import { Progress } from '../components/Progress';
import { formatMoney } from '../money';
import type { PayOutcome } from './flow';
import { PayFrame, type PayFrameHandle } from './PayFrame';
import type { Appearance, ConfirmResult } from './protocol';

export type { PayOutcome } from './flow';

/** Who stands at the screen: the cashier (a customer pays at the counter) or the customer at the kiosk. */
export type PayVariant = 'cashier' | 'kiosk';

const TEXTS: Record<PayVariant, { authenticating: string; authDetail: string; unfinished: string; processing: string }> = {
  cashier: {
    authenticating: 'Waiting for the customer to authenticate…',
    authDetail: '3-D Secure: the customer confirms with their bank.',
    unfinished: 'The customer did not finish authenticating. Press Pay to try again.',
    processing: 'Processing payment…',
  },
  kiosk: {
    authenticating: 'Please confirm the payment with your bank…',
    authDetail: 'Follow the steps in your bank’s window.',
    unfinished: 'The check with your bank was not finished. Press Pay to try again.',
    processing: 'Processing payment…',
  },
};

/** Stripe's Appearance API, handed to the payment page with the client secret. */
export const APPEARANCE: Record<PayVariant, Appearance> = {
  cashier: { theme: 'stripe', variables: { colorPrimary: '#4338ca', borderRadius: '8px', fontSizeBase: '16px' } },
  kiosk: {
    theme: 'stripe',
    variables: { colorPrimary: '#1e3a8a', colorText: '#0b1020', borderRadius: '10px', fontSizeBase: '20px', spacingUnit: '5px' },
  },
};

interface Props {
  charge: ChargeInfo;
  /** Bumped to remount the Payment Element on the same intent (after a decline). */
  attempt: number;
  /** The intent's status as the core last reported it (order events). */
  intentStatus: PaymentStatus | null;
  onOutcome: (outcome: PayOutcome) => void;
  onBusyChange: (busy: boolean) => void;
  variant?: PayVariant;
  /** The customer is typing in the card form (its iframe's keys never reach this document). */
  onActivity?: () => void;
}

export const PAY_FORM_ID = 'pay-form';

/**
 * The payment step: the backend's payment page (Stripe.js and the Payment Element, on the backend's https:
 * origin) in a frame, with the Pay button, progress and errors here in the till.
 */
export function PaymentPanel({ charge, attempt, intentStatus, onOutcome, onBusyChange, variant = 'cashier', onActivity }: Props) {
  const texts = TEXTS[variant];
  const frame = useRef<PayFrameHandle | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const [reload, setReload] = useState(0);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [paying, setPaying] = useState(false);
  const [challenge, setChallenge] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const authenticating = paying && (challenge || intentStatus === 'requires_action');

  function retryLoad() {
    setLoadError(null);
    setReady(false);
    setChallenge(false);
    setReload((n) => n + 1);
  }

  async function pay(e?: FormEvent) {
    e?.preventDefault();
    if (!frame.current || !ready || paying) return;
    setFormError(null);
    setPaying(true);
    onBusyChange(true);
    let outcome: PayOutcome | null = null;
    try {
      const result = await frame.current.confirm();
      const next = outcomeOf(result, texts.unfinished);
      if ('outcome' in next) outcome = next.outcome;
      else if (alive.current) setFormError(next.formError);
    } finally {
      if (alive.current) setPaying(false);
      onBusyChange(false);
    }
    if (outcome) onOutcome(outcome);
  }

  return (
    <div className="payment">
      <form id={PAY_FORM_ID} ref={form} className="pay-form" onSubmit={pay} aria-busy={!ready || paying} noValidate>
        {!ready && !loadError ? <Progress label="Loading card form…" /> : null}
        {paying ? (
          authenticating ? (
            <Progress label={texts.authenticating} detail={texts.authDetail} />
          ) : (
            <Progress label={texts.processing} />
          )
        ) : null}
        {loadError ? (
          <div className="error-notice error-prominent" role="alert">
            <span className="error-icon" aria-hidden="true">
              !
            </span>
            <p className="error-message">
              <strong>Couldn’t load the card form.</strong> {loadError}
            </p>
            <button type="button" className="btn btn-small" onClick={retryLoad}>
              Retry
            </button>
          </div>
        ) : (
          <div className={`payment-element${ready ? '' : ' is-loading'}`}>
            <PayFrame
              key={`${charge.payment_intent_id}:${attempt}:${reload}`}
              src={charge.pay_page_url}
              init={{
                clientSecret: charge.client_secret,
                publishableKey: charge.publishable_key,
                appearance: APPEARANCE[variant],
                amount: charge.amount,
                currency: charge.currency,
              }}
              handle={frame}
              onReady={() => setReady(true)}
              onLoadError={(message) => {
                setReady(false);
                setLoadError(message);
              }}
              onActivity={onActivity}
              onSubmit={() => form.current?.requestSubmit()}
              onChallenge={setChallenge}
            />
          </div>
        )}
        {formError ? (
          <div className="error-notice" role="alert">
            <span className="error-icon" aria-hidden="true">
              !
            </span>
            <p className="error-message">{formError}</p>
            <button type="button" className="btn-icon error-dismiss" aria-label="Dismiss error" onClick={() => setFormError(null)}>
              ×
            </button>
          </div>
        ) : null}
        <button
          type="submit"
          className={`btn btn-primary btn-large btn-block${variant === 'kiosk' ? ' btn-kiosk' : ''}`}
          disabled={!ready || paying}
          aria-keyshortcuts="Enter"
        >
          {paying ? 'Processing…' : `Pay ${formatMoney(charge.amount, charge.currency)}`}
          {!paying ? <kbd aria-hidden="true">Enter</kbd> : null}
        </button>
      </form>
    </div>
  );
}

/** What the page's answer means here: an outcome for the screen, or an error to show on the form. */
export function outcomeOf(result: ConfirmResult, unfinished: string): { outcome: PayOutcome } | { formError: string } {
  switch (result.kind) {
    case 'invalid':
      return { formError: result.message || 'Check the card details.' };
    case 'failed':
      return { formError: result.message || 'The payment could not be sent.' };
    case 'error':
      return { outcome: { kind: 'declined', message: result.message || 'The card was declined.', code: result.decline_code ?? result.code ?? null } };
    case 'intent':
      switch (result.status) {
        case 'succeeded':
        case 'requires_capture':
          return { outcome: { kind: 'succeeded' } };
        case 'processing':
          return { outcome: { kind: 'processing' } };
        case 'requires_payment_method': {
          const last = result.last_payment_error;
          return {
            outcome: {
              kind: 'declined',
              message: last?.message ?? 'The payment was not completed. Try another card.',
              code: last?.decline_code ?? last?.code ?? null,
            },
          };
        }
        case 'canceled':
          return { formError: 'This payment was canceled.' };
        default:
          return { formError: unfinished };
      }
  }
}
