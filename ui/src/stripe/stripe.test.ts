import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const mocks = vi.hoisted(() => ({
  loadStripe: vi.fn(),
  loadScriptOnce: vi.fn(),
  forgetScript: vi.fn(),
}));
vi.mock('@stripe/stripe-js/pure', () => ({ loadStripe: mocks.loadStripe }));
vi.mock('./loadScript', async (orig) => ({
  ...(await orig<typeof import('./loadScript')>()),
  loadScriptOnce: mocks.loadScriptOnce,
  forgetScript: mocks.forgetScript,
}));

import { getStripe, resetStripeInstances } from './stripe';

const w = window as unknown as { Stripe?: unknown };

beforeEach(() => {
  resetStripeInstances();
  mocks.loadStripe.mockReset();
  mocks.loadScriptOnce.mockReset();
  mocks.forgetScript.mockReset();
});
afterEach(() => {
  delete w.Stripe;
});

describe('getStripe', () => {
  it('loads the given Stripe.js first, then calls loadStripe with the publishable key, once', async () => {
    const order: string[] = [];
    mocks.loadScriptOnce.mockImplementation(async (src: string) => {
      order.push(`script ${src}`);
      w.Stripe = () => ({});
    });
    mocks.loadStripe.mockImplementation(async (pk: string) => {
      order.push(`loadStripe ${pk}`);
      return { fake: true };
    });
    const a = getStripe('http://127.0.0.1:1/v3', 'pk_test_1');
    const b = getStripe('http://127.0.0.1:1/v3', 'pk_test_1');
    expect(a).toBe(b);
    await expect(a).resolves.toEqual({ fake: true });
    expect(order).toEqual(['script http://127.0.0.1:1/v3', 'loadStripe pk_test_1']);
  });

  it('never lets loadStripe fetch js.stripe.com when the script did not define window.Stripe', async () => {
    mocks.loadScriptOnce.mockResolvedValue(undefined);
    await expect(getStripe('http://127.0.0.1:1/v3', 'pk_test_1')).rejects.toThrow(/did not define Stripe/);
    expect(mocks.loadStripe).not.toHaveBeenCalled();
    expect(mocks.forgetScript).toHaveBeenCalledWith('http://127.0.0.1:1/v3');
  });

  it('tries again after a failure', async () => {
    mocks.loadScriptOnce.mockRejectedValueOnce(new Error('down')).mockImplementation(async () => {
      w.Stripe = () => ({});
    });
    mocks.loadStripe.mockResolvedValue({ ok: 1 });
    await expect(getStripe('u', 'pk')).rejects.toThrow('down');
    await expect(getStripe('u', 'pk')).resolves.toEqual({ ok: 1 });
  });
});
