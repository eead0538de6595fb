import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../api/types';
import type { FakeTill, FakeTillOptions } from '../dev/fakeBackend';
import { deferred, installFakeTill } from '../test/harness';
import { stripeMock } from '../test/stripeMock';

vi.mock('../payment/PayFrame', async () => (await import('../test/stripeMock')).payFrameModule());

import { IDLE_COUNTDOWN_SECONDS, IDLE_SECONDS, kioskTimings } from './config';
import { KioskScreen } from './KioskScreen';
import { installKioskLockdown, isBlockedKey } from './lockdown';

const TIMINGS = { idleSeconds: IDLE_SECONDS, countdownSeconds: IDLE_COUNTDOWN_SECONDS, thanksSeconds: 10 };

function current(fake: FakeTill): Order {
  return fake.currentOrder()!;
}

async function setup(opts: FakeTillOptions & { fakeTimers?: boolean } = {}) {
  if (opts.fakeTimers) vi.useFakeTimers({ shouldAdvanceTime: true });
  const fake = installFakeTill({ ...opts, info: { view: 'kiosk', terminal: 'kiosk-1', ...opts.info } });
  const user = userEvent.setup(opts.fakeTimers ? { advanceTimers: vi.advanceTimersByTime } : {});
  render(<KioskScreen info={fake.info} timings={TIMINGS} />);
  await screen.findByTestId('kiosk-welcome');
  return { fake, user };
}

/** Fake time, a second at a time, so each countdown step renders before the next. */
async function advance(ms: number) {
  for (let left = ms; left > 0; left -= 1000) {
    await act(() => vi.advanceTimersByTimeAsync(Math.min(1000, left)));
  }
}

async function startAndAddEspresso(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: /Tap to start/ }));
  await screen.findByTestId('kiosk-items');
  await user.click(await screen.findByRole('button', { name: 'Add one Espresso' }));
  await waitFor(() => expect(screen.getByTestId('kiosk-total')).toHaveTextContent('$2.50'));
}

async function toPayment(fake: FakeTill, user: ReturnType<typeof userEvent.setup>) {
  await startAndAddEspresso(user);
  await user.click(screen.getByRole('button', { name: 'Pay $2.50' }));
  await screen.findByTestId('payment-element');
  expect(screen.getByTestId('kiosk-pay')).toBeInTheDocument();
  // The card form reports ready in an effect: Pay is enabled after that.
  await waitFor(() => expect(screen.getByRole('button', { name: /^Pay \$/ })).toBeEnabled());
  return current(fake);
}

beforeEach(() => stripeMock.reset());
afterEach(() => {
  document.querySelectorAll('[data-kassa-sim]').forEach((n) => n.remove());
  delete window.__KASSA_IDLE_SECONDS__;
});

describe('kiosk flow', () => {
  it('welcome → items with + and − → pay, with a running total', async () => {
    const { fake, user } = await setup();
    // Focus moves in an effect after the welcome screen renders; wait for it rather than race it.
    await waitFor(() => expect(screen.getByRole('button', { name: /Tap to start/ })).toHaveFocus());
    expect(fake.callsOf('new_order')).toHaveLength(0);
    await startAndAddEspresso(user);
    await user.click(screen.getByRole('button', { name: 'Add one Espresso' }));
    await user.click(screen.getByRole('button', { name: 'Add one Cappuccino' }));
    await waitFor(() => expect(screen.getByTestId('kiosk-total')).toHaveTextContent('$8.60'));
    expect(screen.getByRole('status', { name: 'Espresso in your order' })).toHaveTextContent('2');
    await user.click(screen.getByRole('button', { name: 'Remove one Espresso' }));
    await waitFor(() => expect(screen.getByTestId('kiosk-total')).toHaveTextContent('$6.10'));
    await user.click(screen.getByRole('button', { name: 'Remove one Cappuccino' }));
    await waitFor(() => expect(screen.getByTestId('kiosk-total')).toHaveTextContent('$2.50'));
    expect(screen.getByRole('button', { name: 'Remove one Cappuccino' })).toBeDisabled();
    expect(fake.callsOf('remove_line')).toHaveLength(1);
    expect(fake.callsOf('set_quantity').map((c) => c.args?.quantity)).toEqual([1]);

    await user.click(screen.getByRole('button', { name: 'Pay $2.50' }));
    await screen.findByTestId('payment-element');
    expect(fake.callsOf('charge').map((c) => c.args)).toEqual([{ orderId: current(fake).id }]);
    // The kiosk's Payment Element is the customer-sized one.
    expect(stripeMock.elementsProps.at(-1)).toMatchObject({ appearance: { variables: { fontSizeBase: '20px' } } });
  });

  it('shows Thank you only when the core reports the order paid, never from confirmPayment alone', async () => {
    const { fake, user } = await setup();
    const order = await toPayment(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } });
    await user.click(screen.getByRole('button', { name: /^Pay \$2\.50/ }));
    expect(await screen.findByText('Confirming your payment with the bank…')).toBeInTheDocument();
    expect(screen.queryByTestId('kiosk-thanks')).toBeNull();

    act(() => {
      fake.emit('till://order', { ...current(fake), id: 'ord_other', status: 'paid' });
    });
    act(() => {
      fake.update(order.id, { payment_status: 'succeeded' });
    });
    expect(screen.queryByTestId('kiosk-thanks')).toBeNull();

    act(() => {
      fake.markPaid(order.id, { brand: 'visa', last4: '4242' });
    });
    const thanks = await screen.findByTestId('kiosk-thanks');
    expect(within(thanks).getByRole('heading', { name: 'Thank you!' })).toBeInTheDocument();
    const receipt = await within(thanks).findByRole('article', { name: 'Receipt' });
    expect(receipt).toHaveTextContent('Espresso');
    expect(receipt).toHaveTextContent('$2.50');
    expect(receipt).toHaveTextContent('Visa •••• 4242');
    expect(receipt).toHaveTextContent('Terminal kiosk-1');
    expect(receipt).toHaveTextContent(new Date().getFullYear().toString());

    // A tap goes back to the start.
    await user.click(within(thanks).getByRole('button', { name: 'Done' }));
    expect(await screen.findByTestId('kiosk-welcome')).toBeInTheDocument();
  });

  it('goes back to Welcome by itself ~10 s after Thank you', async () => {
    const { fake, user } = await setup({ fakeTimers: true });
    const order = await toPayment(fake, user);
    act(() => {
      fake.markPaid(order.id);
    });
    await screen.findByTestId('kiosk-thanks');
    await advance(9_000);
    expect(screen.getByTestId('kiosk-thanks')).toHaveTextContent('Returning to start in 1 s');
    await advance(1_000);
    expect(await screen.findByTestId('kiosk-welcome')).toBeInTheDocument();
  });

  it('explains a decline in plain words and "Try another card" reuses the same intent', async () => {
    const { fake, user } = await setup();
    const order = await toPayment(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({
      error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    await user.click(screen.getByRole('button', { name: /^Pay \$2\.50/ }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your card was declined: not enough funds. Please try another card.');
    const retry = screen.getByRole('button', { name: 'Try another card' });
    expect(retry).toHaveFocus();
    await user.click(retry);
    await screen.findByTestId('payment-element');
    await waitFor(() => expect(screen.getByRole('button', { name: /^Pay \$/ })).toBeEnabled());
    expect(fake.callsOf('charge').map((c) => c.args)).toEqual([{ orderId: order.id }, { orderId: order.id }]);
    expect(stripeMock.mounts).toBe(2);
    expect(new Set(stripeMock.elementsProps.map((p) => p.clientSecret)).size).toBe(1);

    // A decline the webhook reports (after processing) reads the same way.
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'processing' } });
    await user.click(screen.getByRole('button', { name: /^Pay \$2\.50/ }));
    await screen.findByText('Your bank is processing the payment…');
    act(() => {
      fake.update(order.id, { payment_status: 'requires_payment_method', last_error: { code: 'expired_card', message: 'Your card has expired.' } });
    });
    expect(await screen.findByText('Your card was declined: the card has expired. Please try another card.')).toBeInTheDocument();
  });

  it('"Start over" asks first, then cancels the sale', async () => {
    const { fake, user } = await setup();
    const order = await toPayment(fake, user);
    await user.click(screen.getByRole('button', { name: 'Start over' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Start over?' });
    await user.click(within(dialog).getByRole('button', { name: 'Keep my order' }));
    expect(fake.callsOf('cancel_sale')).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Start over' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Start over' }));
    await screen.findByTestId('kiosk-welcome');
    expect(fake.callsOf('cancel_sale').map((c) => c.args)).toEqual([{ orderId: order.id }]);
  });
});

describe('idle timeout', () => {
  it('counts down after 60 s without input and then abandons the cart, canceling its intent', async () => {
    const cancelIntent = vi.fn();
    const { fake, user } = await setup({ fakeTimers: true, cancelIntent });
    const order = await toPayment(fake, user);

    await advance(59_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    await advance(1_000);
    const overlay = screen.getByTestId('idle-countdown');
    expect(overlay).toHaveTextContent('Are you still there?');
    expect(overlay).toHaveTextContent('Returning to start in 15…');
    expect(within(overlay).getByRole('button', { name: 'I’m still here' })).toHaveFocus();
    await advance(1_000);
    expect(overlay).toHaveTextContent('Returning to start in 14…');
    expect(fake.callsOf('cancel_sale')).toHaveLength(0);

    await advance(14_000);
    await waitFor(() => expect(fake.callsOf('cancel_sale').map((c) => c.args)).toEqual([{ orderId: order.id }]));
    expect(cancelIntent).toHaveBeenCalledWith(expect.objectContaining({ payment_intent_id: order.payment_intent_id }));
    expect(await screen.findByTestId('kiosk-welcome')).toBeInTheDocument();
    expect(fake.orders.get(order.id)?.status).toBe('canceled');
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
  });

  it('"I’m still here" keeps the order; input resets the wait; Welcome never times out', async () => {
    const { fake, user } = await setup({ fakeTimers: true });
    await advance(120_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();

    await startAndAddEspresso(user);
    await advance(40_000);
    await user.click(screen.getByRole('button', { name: 'Add one Espresso' }));
    await advance(40_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    await advance(20_000);
    await user.click(within(screen.getByTestId('idle-countdown')).getByRole('button', { name: 'I’m still here' }));
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    await advance(59_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    expect(fake.callsOf('cancel_sale')).toHaveLength(0);
    expect(screen.getByTestId('kiosk-items')).toBeInTheDocument();
  });

  it('typing in the card form (its iframe) counts as input', async () => {
    const { fake, user } = await setup({ fakeTimers: true });
    await toPayment(fake, user);
    await advance(50_000);
    act(() => stripeMock.onChange?.({ complete: false }));
    await advance(50_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    await advance(10_000);
    expect(screen.getByTestId('idle-countdown')).toBeInTheDocument();
  });

  it('is suspended while paying: confirm in flight, 3-D Secure, confirming and processing', async () => {
    const { fake, user } = await setup({ fakeTimers: true });
    const order = await toPayment(fake, user);
    const pending = deferred<unknown>();
    stripeMock.confirmPayment.mockReturnValueOnce(pending.promise);
    await user.click(screen.getByRole('button', { name: /^Pay \$2\.50/ }));
    await screen.findByText('Processing payment…');

    // 3-D Secure: the payment page says its challenge opened (Stripe.js shows it inside the page).
    act(() => stripeMock.onChallenge?.(true));
    expect(await screen.findByText('Please confirm the payment with your bank…')).toBeInTheDocument();
    await advance(120_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    act(() => stripeMock.onChallenge?.(false));

    await act(async () => pending.resolve({ paymentIntent: { id: order.payment_intent_id, status: 'processing' } }));
    expect(await screen.findByText('Your bank is processing the payment…')).toBeInTheDocument();
    await advance(150_000);
    expect(screen.queryByTestId('idle-countdown')).toBeNull();
    expect(fake.callsOf('cancel_sale')).toHaveLength(0);
    expect(fake.callsOf('refresh_order').length).toBeGreaterThan(10);

    act(() => {
      fake.markPaid(order.id);
    });
    expect(await screen.findByTestId('kiosk-thanks')).toBeInTheDocument();
  });

  it('can be shortened with ?idle= or window.__KASSA_IDLE_SECONDS__', () => {
    expect(kioskTimings().idleSeconds).toBe(60);
    window.__KASSA_IDLE_SECONDS__ = 5;
    expect(kioskTimings().idleSeconds).toBe(5);
    const before = window.location.href;
    window.history.replaceState(null, '', '/?idle=7&idleCountdown=3&thanks=2');
    try {
      expect(kioskTimings()).toEqual({ idleSeconds: 7, countdownSeconds: 3, thanksSeconds: 2 });
    } finally {
      window.history.replaceState(null, '', before);
    }
  });
});

describe('staff exit', () => {
  it('Ctrl+Alt+K opens the PIN pad; a wrong PIN stays in kiosk mode, clears the pad and locks after 5 tries', async () => {
    const { fake, user } = await setup();
    await user.keyboard('{Control>}{Alt>}k{/Alt}{/Control}');
    const pad = await screen.findByTestId('pin-pad');
    await user.keyboard('9999{Enter}');
    await waitFor(() => expect(fake.callsOf('exit_kiosk').map((c) => c.args)).toEqual([{ pin: '9999' }]));
    expect(await screen.findByTestId('pin-error')).toHaveTextContent('Wrong PIN');
    expect(screen.getByTestId('pin-pad')).toBe(pad);
    expect(within(pad).getByRole('status', { name: /PIN: 0 digits entered/ })).toBeInTheDocument();
    expect(fake.kioskExited()).toBe(false);
    expect(screen.getByTestId('kiosk-welcome')).toBeInTheDocument();

    for (let i = 0; i < 4; i++) {
      for (const d of ['1', '1', '1', '1']) await user.click(within(pad).getByRole('button', { name: d }));
      await user.click(within(pad).getByRole('button', { name: 'Leave kiosk' }));
      await waitFor(() => expect(fake.callsOf('exit_kiosk')).toHaveLength(i + 2));
    }
    expect(await screen.findByTestId('pin-error')).toHaveTextContent('Too many wrong tries. Try again in 30 s.');
    expect(within(pad).getByRole('button', { name: '1' })).toBeDisabled();
    // Closing and reopening the pad does not lift the lock.
    await user.click(within(pad).getByRole('button', { name: 'Cancel' }));
    await user.keyboard('{Control>}{Alt>}k{/Alt}{/Control}');
    expect(await screen.findByTestId('pin-error')).toHaveTextContent('Too many wrong tries');
  });

  it('five taps on the logo open the pad, and the right PIN leaves kiosk mode', async () => {
    const { fake, user } = await setup();
    const logo = screen.getByTestId('kiosk-logo');
    for (let i = 0; i < 4; i++) fireEvent.pointerDown(logo);
    expect(screen.queryByTestId('pin-pad')).toBeNull();
    fireEvent.pointerDown(logo);
    await screen.findByTestId('pin-pad');
    await user.keyboard('1234{Enter}');
    expect(await screen.findByText('Leaving kiosk mode…')).toBeInTheDocument();
    expect(fake.callsOf('exit_kiosk').map((c) => c.args)).toEqual([{ pin: '1234' }]);
    expect(fake.kioskExited()).toBe(true);
  });
});

describe('lockdown', () => {
  it('blocks reload, zoom and history keys but not Ctrl+Alt+K', () => {
    const k = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}, code = '') => ({
      key, code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods,
    });
    expect(isBlockedKey(k('F5'))).toBe(true);
    expect(isBlockedKey(k('r', { ctrlKey: true }))).toBe(true);
    expect(isBlockedKey(k('R', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(isBlockedKey(k('r', { metaKey: true }))).toBe(true);
    expect(isBlockedKey(k('+', { ctrlKey: true }))).toBe(true);
    expect(isBlockedKey(k('=', { ctrlKey: true }))).toBe(true);
    expect(isBlockedKey(k('-', { ctrlKey: true }))).toBe(true);
    expect(isBlockedKey(k('0', { ctrlKey: true }))).toBe(true);
    expect(isBlockedKey(k('Add', { ctrlKey: true }, 'NumpadAdd'))).toBe(true);
    expect(isBlockedKey(k('ArrowLeft', { altKey: true }))).toBe(true);
    expect(isBlockedKey(k('k', { ctrlKey: true, altKey: true }))).toBe(false);
    expect(isBlockedKey(k('r'))).toBe(false);
    expect(isBlockedKey(k('5'))).toBe(false);
    expect(isBlockedKey(k('Enter'))).toBe(false);
  });

  it('prevents the browser defaults for keys, Ctrl+wheel, dragging and selecting', () => {
    const undo = installKioskLockdown();
    try {
      const fire = (target: EventTarget, e: Event) => {
        target.dispatchEvent(e);
        return e.defaultPrevented;
      };
      expect(fire(window, new KeyboardEvent('keydown', { key: 'F5', cancelable: true, bubbles: true }))).toBe(true);
      expect(fire(window, new KeyboardEvent('keydown', { key: '+', ctrlKey: true, cancelable: true, bubbles: true }))).toBe(true);
      expect(fire(window, new KeyboardEvent('keydown', { key: 'a', cancelable: true, bubbles: true }))).toBe(false);
      expect(fire(window, new WheelEvent('wheel', { ctrlKey: true, deltaY: -100, cancelable: true, bubbles: true }))).toBe(true);
      expect(fire(window, new WheelEvent('wheel', { deltaY: -100, cancelable: true, bubbles: true }))).toBe(false);
      expect(fire(document.body, new Event('dragstart', { cancelable: true, bubbles: true }))).toBe(true);
      expect(fire(document.body, new Event('drop', { cancelable: true, bubbles: true }))).toBe(true);
      expect(fire(document.body, new Event('selectstart', { cancelable: true, bubbles: true }))).toBe(true);
      const input = document.body.appendChild(document.createElement('input'));
      expect(fire(input, new Event('selectstart', { cancelable: true, bubbles: true }))).toBe(false);
      input.remove();
      expect(document.documentElement).toHaveClass('kiosk-locked');
    } finally {
      undo();
    }
    expect(document.documentElement).not.toHaveClass('kiosk-locked');
  });
});

describe('kiosk catalogue', () => {
  it('shows the products by category, with their pictures from the backend', async () => {
    const { user } = await setup({
      catalog: {
        currency: 'usd',
        more: 0,
        tip_percents: [],
        items: [
          { sku: 'espresso', name: 'Espresso', unit_amount: 250, category: 'Coffee', image_url: 'http://127.0.0.1:4242/api/catalog/images/espresso?v=abc' },
          { sku: 'bagel', name: 'Bagel', unit_amount: 340, category: 'Bakery', image_url: null },
        ],
      },
    });
    await user.click(screen.getByRole('button', { name: /Tap to start/ }));
    await screen.findByTestId('kiosk-items');
    expect(screen.getByRole('heading', { name: 'Coffee' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Bakery' })).toBeInTheDocument();
    const espresso = document.querySelector('[data-sku="espresso"] img.ktile-img');
    expect(espresso).toHaveAttribute('src', 'http://127.0.0.1:4242/api/catalog/images/espresso?v=abc');
    expect(espresso).toHaveAttribute('alt', '');
    expect(document.querySelector('[data-sku="bagel"] img')).toBeNull();
  });
});

describe('card reader', () => {
  const READER = {
    reader_id: 'tmr_kiosk',
    label: 'Reader 1',
    terminal: 'kiosk-1',
    device_type: 'simulated_wisepos_e',
    status: 'online',
    action: null,
    simulated: true,
  };

  async function toReader(opts: FakeTillOptions & { fakeTimers?: boolean } = {}) {
    const { fake, user } = await setup({ readers: [READER], ...opts });
    await startAndAddEspresso(user);
    await user.click(screen.getByRole('button', { name: 'Pay $2.50' }));
    await screen.findByText('Tap, insert or swipe your card on the reader');
    return { fake, user };
  }

  it('pays on the assigned reader instead of the card form, and thanks the customer once paid', async () => {
    const { fake, user } = await toReader();
    expect(screen.queryByTestId('payment-element')).toBeNull();
    expect(fake.callsOf('pay_on_reader')).toHaveLength(1);

    await user.click(screen.getByRole('button', { name: 'Simulate tap' }));

    expect(await screen.findByTestId('kiosk-thanks')).toBeInTheDocument();
  });

  it('the idle reset cancels the reader’s action before abandoning the sale', async () => {
    const { fake } = await toReader({ fakeTimers: true });
    const order = current(fake);

    await advance(60_000 + 15_000);

    await waitFor(() => expect(fake.callsOf('cancel_sale').map((c) => c.args)).toEqual([{ orderId: order.id }]));
    const cmds = fake.calls.map((c) => c.cmd);
    expect(cmds.indexOf('cancel_reader')).toBeGreaterThan(-1);
    expect(cmds.indexOf('cancel_reader')).toBeLessThan(cmds.indexOf('cancel_sale'));
    expect(await screen.findByTestId('kiosk-welcome')).toBeInTheDocument();
  });
});

describe('card reader, typed instead', () => {
  it('lets the customer type the card on the screen instead, which frees the reader', async () => {
    const reader = { reader_id: 'tmr_k2', label: 'Reader 1', terminal: 'kiosk-1', device_type: 'simulated_wisepos_e', status: 'online', action: null, simulated: true };
    const { fake, user } = await setup({ readers: [reader] });
    await startAndAddEspresso(user);
    await user.click(screen.getByRole('button', { name: 'Pay $2.50' }));
    await screen.findByText('Tap, insert or swipe your card on the reader');

    await user.click(screen.getByRole('button', { name: 'Enter card details on the screen instead' }));

    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    await waitFor(() => expect(fake.callsOf('cancel_reader')).toHaveLength(1));
  });
});
