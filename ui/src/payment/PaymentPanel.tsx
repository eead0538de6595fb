import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe, StripeElementsOptions } from '@stripe/stripe-js';
import type { ChargeInfo, PaymentStatus } from '../api/types';
import { Progress } from '../components/Progress';
import { formatMoney } from '../money';
import { getStripe } from '../stripe/stripe';
import type { PayOutcome } from './flow';

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

const APPEARANCE: Record<PayVariant, NonNullable<StripeElementsOptions['appearance']>> = {
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

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; stripe: Promise<Stripe | null> };

/** Loads Stripe.js from the URL the core gave and mounts the Payment Element for this intent. */
export function PaymentPanel({ charge, attempt, intentStatus, onOutcome, onBusyChange, variant = 'cashier', onActivity }: Props) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [reload, setReload] = useState(0);
  const { stripe_js_url: url, publishable_key: pk, client_secret: clientSecret } = charge;

  useEffect(() => {
    let alive = true;
    setLoad({ state: 'loading' });
    const p = getStripe(url, pk);
    p.then(
      () => alive && setLoad({ state: 'ready', stripe: p }),
      (e: unknown) => alive && setLoad({ state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      alive = false;
    };
  }, [url, pk, reload]);

  // The client secret lives only here, in memory, and in what Stripe.js is handed.
  const options = useMemo<StripeElementsOptions>(
    () => ({
      clientSecret,
      appearance: APPEARANCE[variant],
    }),
    [clientSecret, variant],
  );

  return (
    <div className="payment">
      {load.state === 'loading' ? (
        <Progress label="Loading card form…" />
      ) : load.state === 'error' ? (
        <div className="error-notice error-prominent" role="alert">
          <span className="error-icon" aria-hidden="true">
            !
          </span>
          <p className="error-message">
            <strong>Couldn’t load the card form.</strong> {load.message}
          </p>
          <button type="button" className="btn btn-small" onClick={() => setReload((n) => n + 1)}>
            Retry
          </button>
        </div>
      ) : (
        <Elements key={`${charge.payment_intent_id}:${attempt}:${reload}`} stripe={load.stripe} options={options}>
          <PayForm
            amountLabel={formatMoney(charge.amount, charge.currency)}
            intentStatus={intentStatus}
            onOutcome={onOutcome}
            onBusyChange={onBusyChange}
            onReloadForm={() => setReload((n) => n + 1)}
            variant={variant}
            onActivity={onActivity}
          />
        </Elements>
      )}
    </div>
  );
}

interface FormProps {
  amountLabel: string;
  intentStatus: PaymentStatus | null;
  onOutcome: (outcome: PayOutcome) => void;
  onBusyChange: (busy: boolean) => void;
  onReloadForm: () => void;
  variant: PayVariant;
  onActivity?: () => void;
}

function PayForm({ amountLabel, intentStatus, onOutcome, onBusyChange, onReloadForm, variant, onActivity }: FormProps) {
  const texts = TEXTS[variant];
  const stripe = useStripe();
  const elements = useElements();
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [paying, setPaying] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const alive = useRef(true);
  const challenge = useChallengeWatcher(paying);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const authenticating = paying && (challenge || intentStatus === 'requires_action');

  async function pay(e?: FormEvent) {
    e?.preventDefault();
    if (!stripe || !elements || !ready || paying) return;
    setFormError(null);
    setPaying(true);
    onBusyChange(true);
    let outcome: PayOutcome | null = null;
    try {
      const { error: submitError } = await elements.submit();
      if (submitError) {
        if (alive.current) setFormError(submitError.message ?? 'Check the card details.');
        return;
      }
      const { error, paymentIntent } = await stripe.confirmPayment({
        elements,
        redirect: 'if_required',
        confirmParams: { return_url: window.location.href },
      });
      if (error) {
        outcome = {
          kind: 'declined',
          message: error.message ?? 'The card was declined.',
          code: error.decline_code ?? error.code ?? null,
        };
      } else {
        switch (paymentIntent.status) {
          case 'succeeded':
          case 'requires_capture':
            outcome = { kind: 'succeeded' };
            break;
          case 'processing':
            outcome = { kind: 'processing' };
            break;
          case 'requires_payment_method':
            outcome = {
              kind: 'declined',
              message: paymentIntent.last_payment_error?.message ?? 'The payment was not completed. Try another card.',
              code: paymentIntent.last_payment_error?.decline_code ?? paymentIntent.last_payment_error?.code ?? null,
            };
            break;
          case 'canceled':
            if (alive.current) setFormError('This payment was canceled.');
            break;
          default:
            if (alive.current) setFormError(texts.unfinished);
        }
      }
    } catch (err) {
      if (alive.current) setFormError(err instanceof Error ? err.message : 'The payment could not be sent.');
    } finally {
      if (alive.current) setPaying(false);
      onBusyChange(false);
    }
    if (outcome) onOutcome(outcome);
  }

  return (
    <form id={PAY_FORM_ID} className="pay-form" onSubmit={pay} aria-busy={!ready || paying} noValidate>
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
          <button type="button" className="btn btn-small" onClick={onReloadForm}>
            Retry
          </button>
        </div>
      ) : null}
      <div className={`payment-element${ready ? '' : ' is-loading'}`}>
        <PaymentElement
          options={{ layout: 'tabs' }}
          onReady={() => setReady(true)}
          onChange={onActivity}
          onFocus={onActivity}
          onLoadError={(ev) => setLoadError(ev.error.message ?? 'The card form did not load.')}
        />
      </div>
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
        disabled={!stripe || !ready || paying}
        aria-keyshortcuts="Enter"
      >
        {paying ? 'Processing…' : `Pay ${amountLabel}`}
        {!paying ? <kbd aria-hidden="true">Enter</kbd> : null}
      </button>
    </form>
  );
}

/**
 * True while a 3-D Secure challenge is open: Stripe.js (and our stand-in) adds it to <body>, outside the app,
 * as a modal dialog or an iframe titled for authentication.
 */
function useChallengeWatcher(active: boolean): boolean {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!active) {
      setOpen(false);
      return;
    }
    const check = () => setOpen(challengeOpen());
    check();
    const mo = new MutationObserver(check);
    mo.observe(document.body, { childList: true });
    return () => mo.disconnect();
  }, [active]);
  return open;
}

function challengeOpen(): boolean {
  for (const el of Array.from(document.body.children)) {
    if (el.id === 'root' || el.tagName === 'SCRIPT') continue;
    if (el.matches('[role="dialog"], [aria-modal="true"], [data-kassa-sim="challenge"]')) return true;
    if (el.querySelector('iframe[title*="3D Secure" i], iframe[title*="3-D Secure" i], iframe[title*="authenticat" i]')) return true;
  }
  return false;
}
