// The payment page the backend serves at /pay, shown by the till in an iframe. Stripe.js runs here, on the
// backend's https: origin, because it refuses a live key on the till's own tauri://localhost page. The page knows
// nothing until the till sends `init` (the client secret among it) by postMessage; it never reads a secret from
// its URL and keeps it only in memory. It answers only the till that sent `init`, at that exact origin.
import type { Stripe, StripeElements } from '@stripe/stripe-js';
import { TAG, isToPage, type ConfirmResult, type FromPage, type ToPage } from '../payment/protocol';

import type { PayConfig } from '../api/generated';

export type { PayConfig };

/** The settings the backend put into the page, or null if they are missing or malformed. */
export function readConfig(doc: Document): PayConfig | null {
  try {
    const c = JSON.parse(doc.getElementById('kassa-pay-config')?.textContent ?? '') as Partial<PayConfig>;
    if (typeof c.stripe_js_url !== 'string' || !Array.isArray(c.till_origins)) return null;
    if (!c.till_origins.every((o) => typeof o === 'string')) return null;
    return { stripe_js_url: c.stripe_js_url, till_origins: c.till_origins };
  } catch {
    return null;
  }
}

type Outgoing = { [K in FromPage['type']]: Omit<Extract<FromPage, { type: K }>, 'tag'> }[FromPage['type']];

/** What the page needs from its window; a plain object in tests. */
export interface PageHost {
  document: Document;
  parent: { postMessage(message: unknown, targetOrigin: string): void } | null;
  /** location.ancestorOrigins[0] where the browser has it (WebKit, Chromium): who embeds us. */
  embedder: string | null;
  addMessageListener(fn: (ev: { origin: string; source: unknown; data: unknown }) => void): void;
}

const HELLO_EVERY_MS = 250;
const HELLO_REPEATS = 40;

export type GetStripe = (stripeJsUrl: string, publishableKey: string) => Promise<Stripe | null>;

export function hostOf(win: Window): PageHost {
  const framed = win.parent !== win;
  return {
    document: win.document,
    parent: framed ? win.parent : null,
    embedder: win.location.ancestorOrigins?.[0] ?? null,
    addMessageListener: (fn) =>
      win.addEventListener('message', (ev) => {
        if (ev.source === win.parent) fn({ origin: ev.origin, source: ev.source, data: ev.data });
      }),
  };
}

export function startPayPage(win: Window, config: PayConfig | null, getStripe: GetStripe) {
  return createPayPage(hostOf(win), config, getStripe);
}

/** Wires the page to its host; returns the message handler (for tests). */
export function createPayPage(host: PageHost, config: PayConfig | null, getStripe: GetStripe) {
  const doc = host.document;
  const statusEl = doc.getElementById('pay-status');
  const setStatus = (text: string, error = false) => {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.classList.toggle('is-error', error);
  };
  if (!config) {
    setStatus('This payment page is missing its settings; the backend serves it with them.', true);
    return null;
  }
  const parent = host.parent;
  if (!parent) {
    setStatus('This page takes card payments inside the Kassa till and does nothing on its own.', true);
    return null;
  }

  let tillOrigin: string | null = null;
  let stripe: Stripe | null = null;
  let elements: StripeElements | null = null;

  const post = (msg: Outgoing) => {
    if (tillOrigin) parent.postMessage({ ...msg, tag: TAG }, tillOrigin);
  };

  async function mount(init: Extract<ToPage, { type: 'init' }>) {
    try {
      stripe = await getStripe(config!.stripe_js_url, init.publishableKey);
      if (!stripe) throw new Error('Stripe.js did not start.');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setStatus(message, true);
      post({ type: 'load-error', message });
      return;
    }
    elements = stripe.elements({ clientSecret: init.clientSecret, appearance: init.appearance as never });
    const element = elements.create('payment', { layout: 'tabs' });
    element.on('ready', () => {
      setStatus('');
      post({ type: 'ready' });
    });
    element.on('change', () => post({ type: 'activity' }));
    element.on('focus', () => post({ type: 'activity' }));
    element.on('loaderror', (ev) => {
      const message = ev.error?.message ?? 'The card form did not load.';
      setStatus(message, true);
      post({ type: 'load-error', message });
    });
    element.mount('#payment-element');
  }

  let confirming = false;
  async function confirm(id: number) {
    // One confirmation at a time, whatever the till asks: a second would be a second attempt on the intent.
    if (confirming) {
      post({ type: 'result', id, result: { kind: 'failed', message: 'The payment is already being confirmed.' } });
      return;
    }
    confirming = true;
    let result: ConfirmResult;
    try {
      result = await confirmOnce();
    } catch (e) {
      result = { kind: 'failed', message: e instanceof Error ? e.message : 'The payment could not be sent.' };
    } finally {
      confirming = false;
    }
    post({ type: 'result', id, result });
  }

  async function confirmOnce(): Promise<ConfirmResult> {
    if (!stripe || !elements) return { kind: 'failed', message: 'The card form is not ready yet.' };
    const { error: submitError } = await elements.submit();
    if (submitError) return { kind: 'invalid', message: submitError.message ?? 'Check the card details.' };
    // No return_url: the backend creates intents without redirect-based methods (allow_redirects: never), since a
    // redirect would put the client secret in this frame's URL and leave the till waiting on a page that is gone.
    const { error, paymentIntent } = await stripe.confirmPayment({ elements, redirect: 'if_required' });
    return resultOf({ error, paymentIntent });
  }

  const onMessage = (ev: { origin: string; source: unknown; data: unknown }) => {
    if (!config.till_origins.includes(ev.origin) || !isToPage(ev.data)) return;
    // The first till to say `init` owns the page: nobody else may drive it or hear from it.
    if (tillOrigin !== null && ev.origin !== tillOrigin) return;
    const msg = ev.data as ToPage;
    if (msg.type === 'init') {
      if (tillOrigin !== null) return;
      if (typeof msg.clientSecret !== 'string' || typeof msg.publishableKey !== 'string') return;
      tillOrigin = ev.origin;
      void mount(msg);
    } else if (msg.type === 'confirm' && tillOrigin !== null && typeof msg.id === 'number') {
      void confirm(msg.id);
    }
  };
  host.addMessageListener(onMessage);

  // The till blocks the browser's context menu and reload keys (a kiosk must not reload); so does its frame.
  doc.addEventListener('contextmenu', (e) => e.preventDefault());
  doc.addEventListener('keydown', (e) => {
    const reload = e.key === 'F5' || ((e.ctrlKey || e.metaKey) && (e.key === 'r' || e.key === 'R'));
    if (reload) e.preventDefault();
  });

  // Enter in the card form submits this form (as Stripe's Payment Element does): the till decides to pay.
  doc.getElementById('pay')?.addEventListener('submit', (e) => {
    e.preventDefault();
    post({ type: 'submit' });
  });
  // While Stripe.js's challenge is open, the till gives this page the whole window: only the challenge shows.
  watchChallenge(doc, (open) => {
    doc.body.classList.toggle('is-challenge', open);
    post({ type: 'challenge', open });
  });
  watchHeight(doc, (height) => post({ type: 'size', height }));

  // Say hello to the embedder only, at its exact origin; where the browser does not name it, to each allowed
  // origin (a message whose target origin is not the parent's is dropped by the browser, never delivered).
  const targets = host.embedder !== null ? config.till_origins.filter((o) => o === host.embedder) : config.till_origins;
  const hello = () => {
    for (const origin of targets) parent.postMessage({ tag: TAG, type: 'hello' } satisfies FromPage, origin);
  };
  hello();
  // Again until init comes: the till may start listening only after this script ran (it is not told twice).
  let hellos = 0;
  const again = setInterval(() => {
    hellos += 1;
    if (tillOrigin !== null || hellos >= HELLO_REPEATS) clearInterval(again);
    else hello();
  }, HELLO_EVERY_MS);
  return onMessage;
}

type ConfirmReturn = {
  error?: { message?: string; code?: string; decline_code?: string; type?: string };
  paymentIntent?: {
    status: string;
    last_payment_error?: { message?: string; code?: string; decline_code?: string } | null;
  };
};

/** confirmPayment's answer, as the till is told it. */
export function resultOf({ error, paymentIntent }: ConfirmReturn): ConfirmResult {
  if (error || !paymentIntent) {
    return {
      kind: 'error',
      message: error?.message ?? 'The card was declined.',
      code: error?.code ?? null,
      decline_code: error?.decline_code ?? null,
      type: error?.type ?? null,
    };
  }
  const last = paymentIntent.last_payment_error;
  return {
    kind: 'intent',
    status: paymentIntent.status,
    last_payment_error: last ? { message: last.message ?? null, code: last.code ?? null, decline_code: last.decline_code ?? null } : null,
  };
}

/** Stripe.js adds its 3-D Secure challenge to <body>: a modal dialog, or an iframe titled for authentication. */
const OVERLAY = '[role="dialog"], [aria-modal="true"], [data-kassa-sim="challenge"]';
const CHALLENGE_FRAME = 'iframe[title*="3D Secure" i], iframe[title*="3-D Secure" i], iframe[title*="authenticat" i]';

function challengeOpen(doc: Document): boolean {
  for (const el of Array.from(doc.body.children)) {
    if (el.id === 'pay' || el.tagName === 'SCRIPT' || el.tagName === 'STYLE') continue;
    // Hidden rather than removed counts as closed.
    const style = doc.defaultView?.getComputedStyle(el);
    if ((el instanceof HTMLElement && el.hidden) || style?.display === 'none' || style?.visibility === 'hidden') continue;
    if (el.matches(OVERLAY) || el.matches(CHALLENGE_FRAME)) return true;
    if (el.querySelector(`${OVERLAY}, ${CHALLENGE_FRAME}`)) return true;
  }
  return false;
}

function watchChallenge(doc: Document, report: (open: boolean) => void) {
  let open = false;
  const check = () => {
    const now = challengeOpen(doc);
    if (now !== open) {
      open = now;
      report(now);
    }
  };
  // The whole subtree: Stripe.js may add its wrapper first and the challenge frame inside it later.
  new MutationObserver(check).observe(doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden', 'style', 'class'] });
}

function watchHeight(doc: Document, report: (height: number) => void) {
  const pay = doc.getElementById('pay');
  if (!pay || typeof ResizeObserver === 'undefined') return;
  let last = 0;
  new ResizeObserver(() => {
    const h = Math.ceil(pay.getBoundingClientRect().height) + 4;
    if (h !== last) {
      last = h;
      report(h);
    }
  }).observe(pay);
}
