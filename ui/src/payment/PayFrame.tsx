// The till's side of the payment page: the backend's /pay in an iframe, spoken to only by postMessage at its
// exact origin. The page says hello; the till answers with `init` (the client secret, the publishable key and the
// look) and later `confirm`; the page reports what happened. Nothing about the payment is ever in the frame's URL.
import { useEffect, useRef, useState, type RefObject } from 'react';
import { TAG, isFromPage, type Appearance, type ConfirmResult, type ToPage } from './protocol';

export interface PayFrameHandle {
  /** Validates the card form and confirms the intent in the page; resolves with what Stripe.js said. */
  confirm(): Promise<ConfirmResult>;
}

export interface PayFrameInit {
  clientSecret: string;
  publishableKey: string;
  appearance: Appearance;
  amount: number;
  currency: string;
}

export interface PayFrameProps {
  /** The backend's payment page (…/pay). */
  src: string;
  init: PayFrameInit;
  handle: RefObject<PayFrameHandle | null>;
  onReady: () => void;
  onLoadError: (message: string) => void;
  onActivity?: () => void;
  /** The customer pressed Enter in the card form. */
  onSubmit?: () => void;
  /** A 3-D Secure challenge is open in the page. */
  onChallenge?: (open: boolean) => void;
  /** How long the page may take to answer before the till calls it unreachable. */
  helloTimeoutMs?: number;
}

export const HELLO_TIMEOUT_MS = 10_000;
/** After the frame's load event, the page's script says hello at once; an error page never does. */
const AFTER_LOAD_GRACE_MS = 3_000;

export function unreachableMessage(origin: string): string {
  return `The card form could not be loaded from ${origin}: the backend did not answer, or its certificate is not trusted.`;
}

export function PayFrame({ src, init, handle, onReady, onLoadError, onActivity, onSubmit, onChallenge, helloTimeoutMs = HELLO_TIMEOUT_MS }: PayFrameProps) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState<number | null>(null);
  const [challenge, setChallenge] = useState(false);
  // The latest callbacks and init, without re-running the effect (which would re-send init) when they change.
  const latest = useRef({ init, onReady, onLoadError, onActivity, onSubmit, onChallenge });
  latest.current = { init, onReady, onLoadError, onActivity, onSubmit, onChallenge };

  let origin: string | null = null;
  try {
    origin = new URL(src).origin;
  } catch {
    origin = null;
  }

  useEffect(() => {
    if (!origin) {
      latest.current.onLoadError(`The payment page's address is not valid: ${src}`);
      return;
    }
    const target = origin;
    let greeted = false;
    let ready = false;
    let failed = false;
    let seq = 0;
    const pending = new Map<number, (r: ConfirmResult) => void>();
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      latest.current.onLoadError(message);
    };
    const post = (msg: ToPage) => frame.current?.contentWindow?.postMessage(msg, target);

    // A page that loads again after it was ready has navigated or reloaded: whatever it was doing is gone, and
    // it gets no second secret. A confirm in flight ends as failed (the core still learns the intent's outcome).
    const reloaded = () => {
      for (const resolve of pending.values()) {
        resolve({ kind: 'failed', message: 'The card form was reloaded before the payment finished; check the sale before paying again.' });
      }
      pending.clear();
      setChallenge(false);
      latest.current.onChallenge?.(false);
      fail('The card form was reloaded. Press Retry to show it again.');
    };
    const timer = setTimeout(() => greeted || fail(unreachableMessage(target)), helloTimeoutMs);
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const onLoad = () => {
      if (ready) return reloaded();
      clearTimeout(graceTimer);
      graceTimer = setTimeout(() => greeted || fail(unreachableMessage(target)), AFTER_LOAD_GRACE_MS);
    };
    const el = frame.current;
    el?.addEventListener('load', onLoad);

    const onMessage = (ev: MessageEvent) => {
      if (ev.origin !== target || ev.source !== frame.current?.contentWindow || !isFromPage(ev.data)) return;
      const msg = ev.data;
      const cb = latest.current;
      switch (msg.type) {
        case 'hello': {
          // Repeated hellos cross the init in flight; one after ready means the page started over.
          if (greeted) return ready ? reloaded() : undefined;
          greeted = true;
          const i = cb.init;
          post({ tag: TAG, type: 'init', clientSecret: i.clientSecret, publishableKey: i.publishableKey, appearance: i.appearance, amount: i.amount, currency: i.currency });
          break;
        }
        case 'ready':
          ready = true;
          if (!failed) cb.onReady();
          break;
        case 'load-error':
          fail(msg.message);
          break;
        case 'activity':
          cb.onActivity?.();
          break;
        case 'submit':
          cb.onSubmit?.();
          break;
        case 'challenge':
          setChallenge(msg.open);
          cb.onChallenge?.(msg.open);
          break;
        case 'size':
          if (Number.isFinite(msg.height) && msg.height > 0) setHeight(Math.min(Math.ceil(msg.height), 2000));
          break;
        case 'result': {
          // Whatever the challenge did, it is over once the page answers: the frame goes back to its place.
          setChallenge(false);
          cb.onChallenge?.(false);
          const resolve = pending.get(msg.id);
          pending.delete(msg.id);
          resolve?.(msg.result);
          break;
        }
      }
    };
    window.addEventListener('message', onMessage);
    handle.current = {
      confirm: () =>
        new Promise<ConfirmResult>((resolve) => {
          if (!greeted) return resolve({ kind: 'failed', message: 'The card form is not ready yet.' });
          seq += 1;
          pending.set(seq, resolve);
          post({ tag: TAG, type: 'confirm', id: seq });
        }),
    };
    return () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      el?.removeEventListener('load', onLoad);
      window.removeEventListener('message', onMessage);
      handle.current = null;
      for (const resolve of pending.values()) resolve({ kind: 'failed', message: 'The card form was closed before the payment finished.' });
    };
  }, [src, origin, handle, helloTimeoutMs]);

  return (
    <iframe
      ref={frame}
      src={src}
      title="Card payment"
      className={`pay-frame${challenge ? ' is-challenge' : ''}`}
      style={height && !challenge ? { height } : undefined}
      referrerPolicy="no-referrer"
      allow="payment"
    />
  );
}
