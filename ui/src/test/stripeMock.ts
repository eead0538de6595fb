// A stand-in for @stripe/react-stripe-js and src/stripe/stripe.ts, for screens that take card payments:
//   vi.mock('@stripe/react-stripe-js', async () => (await import('../test/stripeMock')).reactStripeModule());
//   vi.mock('../stripe/stripe', async () => ({ getStripe: (await import('../test/stripeMock')).stripeMock.getStripe }));
// Elements records its options, PaymentElement reports ready at once, confirmPayment is a vi.fn() per test.
import { createElement, Fragment, useEffect, useLayoutEffect, useState, type ReactNode } from 'react';
import { vi } from 'vitest';

const confirmPayment = vi.fn();
const submit = vi.fn();

export const stripeMock = {
  confirmPayment,
  submit,
  stripe: { confirmPayment },
  elements: { submit },
  elementsProps: [] as { clientSecret?: string; appearance?: unknown }[],
  mounts: 0,
  getStripe: vi.fn(),
  /** The Payment Element's change handler, to act as the customer typing in the iframe. */
  onChange: null as null | ((e: unknown) => void),
  reset() {
    confirmPayment.mockReset();
    submit.mockReset().mockResolvedValue({});
    this.elementsProps.length = 0;
    this.mounts = 0;
    this.onChange = null;
    this.getStripe.mockReset().mockResolvedValue(this.stripe);
  },
};

export function reactStripeModule() {
  return {
    Elements: ({ children, options }: { children: ReactNode; options: { clientSecret?: string } }) => {
      useState(() => stripeMock.elementsProps.push(options));
      return createElement(Fragment, null, children);
    },
    PaymentElement: ({ onReady, onChange }: { onReady?: (el: unknown) => void; onChange?: (e: unknown) => void }) => {
      stripeMock.onChange = onChange ?? null;
      // Counted in the commit that puts the element in the DOM, so a test that has found the element sees its
      // mount (a passive effect may still be pending then on a loaded machine).
      useLayoutEffect(() => {
        stripeMock.mounts += 1;
      }, []);
      useEffect(() => {
        onReady?.({});
      }, []);
      return createElement('div', { 'data-testid': 'payment-element' }, 'card form');
    },
    useStripe: () => stripeMock.stripe,
    useElements: () => stripeMock.elements,
  };
}
