import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TAG } from '../payment/protocol';
import { createPayPage, readConfig, type PageHost, type PayConfig } from './page';

const TILL = 'tauri://localhost';
const CONFIG: PayConfig = { stripe_js_url: 'https://js.stripe.com/v3', till_origins: [TILL, 'http://tauri.localhost'] };
const SECRET = 'pi_123_secret_abc';

function fakeStripe() {
  const handlers: Record<string, (ev: unknown) => void> = {};
  const element = { on: vi.fn((evt: string, fn: (ev: unknown) => void) => (handlers[evt] = fn)), mount: vi.fn() };
  const elements = { create: vi.fn(() => element), submit: vi.fn().mockResolvedValue({}) };
  const stripe = { elements: vi.fn(() => elements), confirmPayment: vi.fn() };
  return { stripe, elements, element, handlers };
}

function page(embedder: string | null = TILL, config: PayConfig | null = CONFIG) {
  document.body.innerHTML = '<form id="pay"><div id="payment-element"></div><p id="pay-status"></p></form>';
  const posted: { message: { type: string; [k: string]: unknown }; origin: string }[] = [];
  let listener: ((ev: { origin: string; source: unknown; data: unknown }) => void) | null = null;
  const host: PageHost = {
    document,
    parent: { postMessage: (message, origin) => posted.push({ message: message as never, origin }) },
    embedder,
    addMessageListener: (fn) => (listener = fn),
  };
  const s = fakeStripe();
  const getStripe = vi.fn().mockResolvedValue(s.stripe);
  createPayPage(host, config, getStripe as never);
  const send = (origin: string, data: unknown) => listener?.({ origin, source: host.parent, data });
  const init = (origin = TILL) =>
    send(origin, { tag: TAG, type: 'init', clientSecret: SECRET, publishableKey: 'pk_live_1', appearance: { theme: 'stripe' }, amount: 500, currency: 'usd' });
  return { posted, send, init, getStripe, ...s };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('the payment page', () => {
  it('says hello to its embedder only, at its exact origin', () => {
    const { posted } = page(TILL);
    expect(posted).toEqual([{ message: { tag: TAG, type: 'hello' }, origin: TILL }]);
  });

  it('where the browser does not name the embedder, says hello to each allowed origin (the browser drops the rest)', () => {
    const { posted } = page(null);
    expect(posted.map((p) => p.origin)).toEqual(CONFIG.till_origins);
  });

  it('says nothing to an embedder that is not a till', () => {
    const { posted } = page('https://evil.example');
    expect(posted).toEqual([]);
  });

  it('ignores init from an origin that is not an allowed till', async () => {
    const { init, getStripe, posted } = page();
    init('https://evil.example');
    await flush();
    expect(getStripe).not.toHaveBeenCalled();
    expect(posted.map((p) => p.message.type)).toEqual(['hello']);
  });

  it('on init loads Stripe.js with the key, mounts the Payment Element with the secret, and reports ready to that till only', async () => {
    const { init, getStripe, stripe, element, handlers, posted } = page();
    init();
    await flush();
    expect(getStripe).toHaveBeenCalledWith('https://js.stripe.com/v3', 'pk_live_1');
    expect(stripe.elements).toHaveBeenCalledWith({ clientSecret: SECRET, appearance: { theme: 'stripe' } });
    expect(element.mount).toHaveBeenCalledWith('#payment-element');
    handlers.ready({});
    handlers.change({ complete: false });
    expect(posted.slice(1)).toEqual([
      { message: { tag: TAG, type: 'ready' }, origin: TILL },
      { message: { tag: TAG, type: 'activity' }, origin: TILL },
    ]);
  });

  it('belongs to the first till that said init: another origin can neither re-init nor confirm', async () => {
    const { init, send, getStripe, stripe } = page(null);
    init(TILL);
    await flush();
    init('http://tauri.localhost');
    send('http://tauri.localhost', { tag: TAG, type: 'confirm', id: 1 });
    await flush();
    expect(getStripe).toHaveBeenCalledTimes(1);
    expect(stripe.confirmPayment).not.toHaveBeenCalled();
  });

  it('confirms without redirect and without a return_url (no redirect ever brings the secret into a URL), and reports the intent', async () => {
    const { init, send, stripe, elements, posted } = page();
    init();
    await flush();
    stripe.confirmPayment.mockResolvedValue({ paymentIntent: { id: 'pi_123', status: 'succeeded', last_payment_error: null } });
    send(TILL, { tag: TAG, type: 'confirm', id: 7 });
    await flush();
    expect(elements.submit).toHaveBeenCalledTimes(1);
    expect(stripe.confirmPayment).toHaveBeenCalledWith({ elements, redirect: 'if_required' });
    expect(posted.at(-1)).toEqual({
      message: { tag: TAG, type: 'result', id: 7, result: { kind: 'intent', status: 'succeeded', last_payment_error: null } },
      origin: TILL,
    });
  });

  it('reports a decline in Stripe’s words, and an incomplete form without confirming', async () => {
    const { init, send, stripe, elements, posted } = page();
    init();
    await flush();
    stripe.confirmPayment.mockResolvedValue({
      error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    send(TILL, { tag: TAG, type: 'confirm', id: 1 });
    await flush();
    expect(posted.at(-1)?.message).toMatchObject({
      type: 'result',
      id: 1,
      result: { kind: 'error', message: 'Your card has insufficient funds.', code: 'card_declined', decline_code: 'insufficient_funds' },
    });
    elements.submit.mockResolvedValueOnce({ error: { message: 'Your card number is incomplete.' } });
    send(TILL, { tag: TAG, type: 'confirm', id: 2 });
    await flush();
    expect(posted.at(-1)?.message).toMatchObject({ type: 'result', id: 2, result: { kind: 'invalid', message: 'Your card number is incomplete.' } });
    expect(stripe.confirmPayment).toHaveBeenCalledTimes(1);
  });

  it('reports Stripe.js refusing to start (a live key off https) as a load error, and shows it', async () => {
    const { init, getStripe, posted } = page();
    const refusal = Object.assign(new Error('Live Stripe.js integrations must use HTTPS.'), { name: 'IntegrationError' });
    getStripe.mockRejectedValueOnce(refusal);
    init();
    await flush();
    expect(posted.at(-1)).toEqual({ message: { tag: TAG, type: 'load-error', message: 'Live Stripe.js integrations must use HTTPS.' }, origin: TILL });
    expect(document.getElementById('pay-status')?.textContent).toBe('Live Stripe.js integrations must use HTTPS.');
  });

  it('confirms one payment at a time: a second confirm while one runs is refused, not sent to Stripe', async () => {
    const { init, send, stripe, posted } = page();
    init();
    await flush();
    let finish: (v: unknown) => void = () => {};
    stripe.confirmPayment.mockReturnValue(new Promise((r) => (finish = r)));
    send(TILL, { tag: TAG, type: 'confirm', id: 1 });
    await flush();
    send(TILL, { tag: TAG, type: 'confirm', id: 2 });
    await flush();
    expect(stripe.confirmPayment).toHaveBeenCalledTimes(1);
    expect(posted.at(-1)?.message).toMatchObject({ type: 'result', id: 2, result: { kind: 'failed' } });
    finish({ paymentIntent: { status: 'succeeded' } });
    await flush();
    expect(posted.at(-1)?.message).toMatchObject({ type: 'result', id: 1, result: { kind: 'intent', status: 'succeeded' } });
  });

  it('says hello again until init comes (the till may start listening after the page ran), then stops', async () => {
    vi.useFakeTimers();
    try {
      const { posted, init } = page();
      vi.advanceTimersByTime(600);
      expect(posted.filter((p) => p.message.type === 'hello').length).toBe(3);
      init();
      vi.advanceTimersByTime(2_000);
      expect(posted.filter((p) => p.message.type === 'hello').length).toBeLessThanOrEqual(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports a 3-D Secure challenge whether Stripe.js adds a dialog, a wrapper, or the bare frame, and its close', async () => {
    const { init, posted } = page();
    init();
    await flush();
    const frame = document.createElement('iframe');
    frame.title = '3D Secure 2 challenge';
    document.body.appendChild(frame);
    await flush();
    expect(posted.at(-1)?.message).toEqual({ tag: TAG, type: 'challenge', open: true });
    expect(document.body.classList.contains('is-challenge')).toBe(true);
    frame.style.display = 'none';
    await flush();
    expect(posted.at(-1)?.message).toEqual({ tag: TAG, type: 'challenge', open: false });
    const wrapper = document.createElement('div');
    document.body.appendChild(wrapper);
    await flush();
    const inner = document.createElement('iframe');
    inner.title = 'Authenticate your payment';
    wrapper.appendChild(inner);
    await flush();
    expect(posted.at(-1)?.message).toEqual({ tag: TAG, type: 'challenge', open: true });
    wrapper.remove();
    await flush();
    expect(posted.at(-1)?.message).toEqual({ tag: TAG, type: 'challenge', open: false });
  });

  it('Enter in the card form asks the till to pay', async () => {
    const { init, posted } = page();
    init();
    await flush();
    (document.getElementById('pay') as HTMLFormElement).requestSubmit();
    expect(posted.at(-1)).toEqual({ message: { tag: TAG, type: 'submit' }, origin: TILL });
  });

  it('opened on its own, or without its settings, says so and listens to nobody', () => {
    const { posted } = page(TILL, null);
    expect(posted).toEqual([]);
    expect(document.getElementById('pay-status')?.textContent).toMatch(/missing its settings/);
  });

  it('keeps the secret out of web storage and the document', async () => {
    const { init } = page();
    init();
    await flush();
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
    expect(document.documentElement.outerHTML).not.toContain('_secret_');
  });
});

describe('readConfig', () => {
  it('reads the settings the backend put in, and refuses the unreplaced marker', () => {
    document.head.innerHTML = `<script type="application/json" id="kassa-pay-config">${JSON.stringify(CONFIG)}</script>`;
    expect(readConfig(document)).toEqual(CONFIG);
    document.head.innerHTML = '<script type="application/json" id="kassa-pay-config">%KASSA_PAY_CONFIG%</script>';
    expect(readConfig(document)).toBeNull();
  });
});
