// A stand-in for the payment page's frame (src/payment/PayFrame), for screens that take card payments:
//   vi.mock('../payment/PayFrame', async () => (await import('../test/stripeMock')).payFrameModule());
// The frame records what the till handed the page (`elementsProps`: the client secret, the look), counts its
// mounts, reports ready once `loadFrame` resolves (or a load error if it rejects), and confirms as the page would:
// `submit` (elements.submit) first, then `confirmPayment`, both vi.fn()s with Stripe.js's answers.
import { createElement, useEffect, useLayoutEffect, useState } from 'react';
import { vi } from 'vitest';
import type { PayFrameInit, PayFrameProps } from '../payment/PayFrame';
import { resultOf } from '../pay/page';

const confirmPayment = vi.fn();
const submit = vi.fn();

export const stripeMock = {
  confirmPayment,
  submit,
  elementsProps: [] as (PayFrameInit & { src: string })[],
  mounts: 0,
  /** The frame's load: resolves when the page is ready, rejects with the page's load error. */
  loadFrame: vi.fn(),
  /** The frame's activity handler, to act as the customer typing in the card form. */
  onChange: null as null | ((e?: unknown) => void),
  /** The frame's 3-D Secure report, to act as the page saying a challenge opened (true) or closed (false). */
  onChallenge: null as null | ((open: boolean) => void),
  reset() {
    confirmPayment.mockReset();
    submit.mockReset().mockResolvedValue({});
    this.elementsProps.length = 0;
    this.mounts = 0;
    this.onChange = null;
    this.onChallenge = null;
    this.loadFrame.mockReset().mockResolvedValue(undefined);
  },
};

export function payFrameModule() {
  return {
    PayFrame: ({ src, init, handle, onReady, onLoadError, onActivity, onChallenge }: PayFrameProps) => {
      useState(() => stripeMock.elementsProps.push({ ...init, src }));
      stripeMock.onChange = onActivity ?? null;
      stripeMock.onChallenge = onChallenge ?? null;
      // Counted in the commit that puts the frame in the DOM, so a test that has found it sees its mount.
      useLayoutEffect(() => {
        stripeMock.mounts += 1;
      }, []);
      useEffect(() => {
        let alive = true;
        handle.current = {
          confirm: async () => {
            try {
              const checked = await submit();
              if (checked?.error) return { kind: 'invalid', message: checked.error.message ?? 'Check the card details.' };
              return resultOf(await confirmPayment());
            } catch (e) {
              return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
            }
          },
        };
        Promise.resolve(stripeMock.loadFrame(src, init.publishableKey)).then(
          () => alive && onReady(),
          (e: unknown) => alive && onLoadError(e instanceof Error ? e.message : String(e)),
        );
        return () => {
          alive = false;
          handle.current = null;
        };
      }, []);
      return createElement('div', { 'data-testid': 'payment-element' }, 'card form');
    },
  };
}
