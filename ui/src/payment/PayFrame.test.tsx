import { act, render } from '@testing-library/react';
import { createRef } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PayFrame, unreachableMessage, type PayFrameHandle } from './PayFrame';
import { TAG } from './protocol';

const SRC = 'https://pay.example:8443/pay';
const ORIGIN = 'https://pay.example:8443';
const INIT = { clientSecret: 'pi_1_secret_2', publishableKey: 'pk_live_1', appearance: { theme: 'stripe' }, amount: 540, currency: 'usd' };

function setup(helloTimeoutMs = 10_000) {
  const handle = createRef<PayFrameHandle | null>() as React.RefObject<PayFrameHandle | null>;
  const cb = { onReady: vi.fn(), onLoadError: vi.fn(), onActivity: vi.fn(), onSubmit: vi.fn(), onChallenge: vi.fn() };
  const view = render(<PayFrame src={SRC} init={INIT} handle={handle} helloTimeoutMs={helloTimeoutMs} {...cb} />);
  const iframe = view.container.querySelector('iframe')!;
  const win = iframe.contentWindow!;
  const sent = vi.spyOn(win, 'postMessage');
  /** A message from the page (or, with `from`, from someone else). */
  const fromPage = (data: unknown, { origin = ORIGIN, source = win as MessageEventSource } = {}) =>
    act(() => {
      window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
    });
  return { handle, cb, iframe, sent, fromPage, view };
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('PayFrame', () => {
  it('frames the backend’s page with no secret in its URL, and hands over init only when the page says hello', () => {
    const { iframe, sent, fromPage } = setup();
    expect(iframe.getAttribute('src')).toBe(SRC);
    expect(iframe.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(sent).not.toHaveBeenCalled();
    fromPage({ tag: TAG, type: 'hello' });
    expect(sent).toHaveBeenCalledTimes(1);
    expect(sent).toHaveBeenCalledWith({ tag: TAG, type: 'init', ...INIT }, ORIGIN);
  });

  it('gives the secret to nobody else: a hello from another origin or another window is ignored, and a second hello too', () => {
    const { sent, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' }, { origin: 'https://evil.example' });
    fromPage({ tag: TAG, type: 'hello' }, { source: window });
    expect(sent).not.toHaveBeenCalled();
    fromPage({ tag: TAG, type: 'hello' });
    fromPage({ tag: TAG, type: 'hello' });
    expect(sent).toHaveBeenCalledTimes(1);
  });

  it('passes on ready, activity, Enter and the 3-D Secure challenge, which gets the whole window', () => {
    const { cb, iframe, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    fromPage({ tag: TAG, type: 'ready' });
    fromPage({ tag: TAG, type: 'activity' });
    fromPage({ tag: TAG, type: 'submit' });
    expect(cb.onReady).toHaveBeenCalledTimes(1);
    expect(cb.onActivity).toHaveBeenCalledTimes(1);
    expect(cb.onSubmit).toHaveBeenCalledTimes(1);
    fromPage({ tag: TAG, type: 'challenge', open: true });
    expect(cb.onChallenge).toHaveBeenLastCalledWith(true);
    expect(iframe).toHaveClass('is-challenge');
    fromPage({ tag: TAG, type: 'challenge', open: false });
    expect(iframe).not.toHaveClass('is-challenge');
  });

  it('fits the page’s height', () => {
    const { iframe, fromPage } = setup();
    fromPage({ tag: TAG, type: 'size', height: 301.2 });
    expect(iframe.style.height).toBe('302px');
  });

  it('confirm asks the page and resolves with its answer to that request', async () => {
    const { handle, sent, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    const answer = handle.current!.confirm();
    expect(sent).toHaveBeenLastCalledWith({ tag: TAG, type: 'confirm', id: 1 }, ORIGIN);
    fromPage({ tag: TAG, type: 'result', id: 1, result: { kind: 'intent', status: 'succeeded', last_payment_error: null } });
    await expect(answer).resolves.toEqual({ kind: 'intent', status: 'succeeded', last_payment_error: null });
  });

  it('a page that never answers (backend down, certificate refused) is reported in plain words', async () => {
    const { cb } = setup(5_000);
    await act(async () => {
      vi.advanceTimersByTime(5_001);
    });
    expect(cb.onLoadError).toHaveBeenCalledWith(unreachableMessage(ORIGIN));
    expect(unreachableMessage(ORIGIN)).toMatch(/could not be loaded from https:\/\/pay\.example:8443: the backend did not answer, or its certificate is not trusted/);
  });

  it('reports the page’s own load error (e.g. Stripe.js refusing a live key off https)', () => {
    const { cb, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    fromPage({ tag: TAG, type: 'load-error', message: 'Live Stripe.js integrations must use HTTPS.' });
    expect(cb.onLoadError).toHaveBeenCalledWith('Live Stripe.js integrations must use HTTPS.');
  });

  it('after the challenge, the page’s answer puts the frame back in its place', async () => {
    const { handle, iframe, cb, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    const answer = handle.current!.confirm();
    fromPage({ tag: TAG, type: 'challenge', open: true });
    expect(iframe).toHaveClass('is-challenge');
    fromPage({ tag: TAG, type: 'result', id: 1, result: { kind: 'intent', status: 'requires_action', last_payment_error: null } });
    await answer;
    expect(iframe).not.toHaveClass('is-challenge');
    expect(cb.onChallenge).toHaveBeenLastCalledWith(false);
  });

  it('a page that starts over while a confirm is in flight (a redirect, a reload) ends that confirm as failed and asks for Retry', async () => {
    const { handle, cb, sent, fromPage } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    fromPage({ tag: TAG, type: 'hello' }); // a repeated hello crossing init: not a reload
    fromPage({ tag: TAG, type: 'ready' });
    expect(cb.onLoadError).not.toHaveBeenCalled();
    const answer = handle.current!.confirm();
    fromPage({ tag: TAG, type: 'hello' });
    await expect(answer).resolves.toMatchObject({ kind: 'failed' });
    expect(cb.onLoadError).toHaveBeenCalledWith('The card form was reloaded. Press Retry to show it again.');
    // No second secret for the new page.
    expect(sent.mock.calls.filter(([m]) => (m as { type: string }).type === 'init')).toHaveLength(1);
  });

  it('a confirm still open when the frame goes away resolves as failed, not never', async () => {
    const { handle, fromPage, view } = setup();
    fromPage({ tag: TAG, type: 'hello' });
    const answer = handle.current!.confirm();
    view.unmount();
    await expect(answer).resolves.toMatchObject({ kind: 'failed' });
  });
});
