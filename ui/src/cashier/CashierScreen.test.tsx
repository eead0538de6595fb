import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo, Order } from '../api/types';
import { deferred, installFakeTill } from '../test/harness';
import { DEFAULT_CATALOG as DEMO, type FakeTill, type FakeTillOptions } from '../dev/fakeBackend';

// ---- The payment page's frame, mocked: it records what the till handed it and confirms with our answers ----
import { stripeMock } from '../test/stripeMock';
vi.mock('../payment/PayFrame', async () => (await import('../test/stripeMock')).payFrameModule());

import { CashierScreen, REFRESH_INTERVAL_MS } from './CashierScreen';

const SECRET = 'pi_fake0001_secret_s3cr3tV4lue0001';

function info(fake: FakeTill): AppInfo {
  return fake.info;
}

async function setup(opts: FakeTillOptions = {}) {
  const fake = installFakeTill(opts);
  const user = userEvent.setup();
  render(<CashierScreen info={info(fake)} />);
  await screen.findByRole('button', { name: /^Espresso/ });
  return { fake, user };
}

function current(fake: FakeTill): Order {
  return fake.currentOrder()!;
}

async function addEspressoAndCharge(fake: FakeTill, user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: /^Espresso/ }));
  await screen.findByText('Espresso', { selector: '.line-name' });
  await user.click(screen.getByRole('button', { name: /^Charge/ }));
  await screen.findByTestId('payment-element');
  return current(fake);
}

beforeEach(() => {
  stripeMock.reset();
});

afterEach(() => {
  document.querySelectorAll('[data-kassa-sim]').forEach((n) => n.remove());
});

describe('keypad', () => {
  it('builds minor units, shows them formatted and adds a custom line', async () => {
    const { fake, user } = await setup();
    const display = screen.getByRole('status', { name: 'Custom amount' });
    expect(display).toHaveTextContent('$0.00');
    for (const k of ['1', '9', '9', '9']) await user.click(screen.getByRole('button', { name: k }));
    expect(display).toHaveTextContent('$19.99');
    await user.click(screen.getByRole('button', { name: 'Backspace' }));
    expect(display).toHaveTextContent('$1.99');
    await user.click(screen.getByRole('button', { name: '9' }));
    await user.click(screen.getByRole('button', { name: 'Add $19.99' }));

    await waitFor(() => expect(fake.callsOf('add_custom')).toHaveLength(1));
    expect(fake.callsOf('add_custom')[0].args).toEqual({ amount: 1999, name: null });
    const line = await screen.findByText('Custom amount', { selector: '.line-name' });
    expect(line.closest('li')).toHaveTextContent('$19.99');
    expect(screen.getByTestId('cart-total')).toHaveTextContent('$19.99');
    expect(display).toHaveTextContent('$0.00');
  });

  it('works from the keyboard: digits, 00, Backspace, Escape and Enter', async () => {
    const { fake, user } = await setup({ info: { currency: 'jpy' } });
    const display = screen.getByRole('status', { name: 'Custom amount' });
    await user.keyboard('42');
    expect(display).toHaveTextContent('¥42');
    await user.keyboard('{Escape}');
    expect(display).toHaveTextContent('¥0');
    await user.keyboard('5');
    await user.click(screen.getByRole('button', { name: '00' }));
    expect(display).toHaveTextContent('¥500');
    await user.keyboard('1{Backspace}{Enter}');
    await waitFor(() => expect(fake.callsOf('add_custom').map((c) => c.args?.amount)).toEqual([500]));
    expect(await screen.findByTestId('cart-total')).toHaveTextContent('¥500');
  });

  it('sends ISK amounts times 100 while showing whole krónur', async () => {
    const { fake, user } = await setup({ info: { currency: 'isk' } });
    await user.keyboard('500');
    expect(screen.getByRole('status', { name: 'Custom amount' })).toHaveTextContent(/ISK\s500$/);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(fake.callsOf('add_custom').map((c) => c.args?.amount)).toEqual([50000]));
  });

  it('shows a command error near the keypad, dismissible', async () => {
    const { fake, user } = await setup();
    const orig = fake.handle;
    const { invoke } = await import('@tauri-apps/api/core');
    vi.mocked(invoke).mockImplementation(async (cmd: string, args?: unknown) => {
      if (cmd === 'add_custom') throw { kind: 'amount_too_large', message: 'That amount is over the limit.', field: 'amount' };
      return orig(cmd, args as Record<string, unknown>) as never;
    });
    await user.keyboard('5{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('That amount is over the limit.');
    expect(alert.closest('.work-column')).not.toBeNull();
    await user.click(within(alert).getByRole('button', { name: 'Dismiss error' }));
    expect(screen.queryByText('That amount is over the limit.')).toBeNull();
  });
});

describe('catalogue', () => {
  it('shows a change the feed brought without a restart, and sells at the new price', async () => {
    const { fake, user } = await setup();
    const items = fake.catalog.items.map((i) => (i.sku === 'espresso' ? { ...i, unit_amount: 275 } : i));
    act(() => fake.setCatalog({ ...fake.catalog, items: [...items, { sku: 'scone', name: 'Scone', unit_amount: 320, category: null, image_url: null }] }));
    const scone = await screen.findByRole('button', { name: /^Scone/ });
    expect(screen.getByRole('button', { name: /^Espresso/ })).toHaveTextContent('$2.75');
    await user.click(scone);
    await waitFor(() => expect(fake.callsOf('add_item').map((c) => c.args?.sku)).toEqual(['scone']));
    expect(await screen.findByTestId('cart-total')).toHaveTextContent('$3.20');
  });
});

describe('cart', () => {
  it('quantity and remove buttons call the right commands', async () => {
    const { fake, user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('$5.00'));
    const lineId = current(fake).lines[0].id;

    await user.click(screen.getByRole('button', { name: 'Increase quantity of Espresso' }));
    await waitFor(() => expect(fake.callsOf('set_quantity').map((c) => c.args)).toEqual([{ lineId, quantity: 3 }]));
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('$7.50'));

    await user.click(screen.getByRole('button', { name: 'Decrease quantity of Espresso' }));
    await waitFor(() => expect(fake.callsOf('set_quantity').map((c) => c.args?.quantity)).toEqual([3, 2]));
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('$5.00'));

    await user.click(screen.getByRole('button', { name: 'Remove Espresso' }));
    await waitFor(() => expect(fake.callsOf('remove_line').map((c) => c.args)).toEqual([{ lineId }]));
    await waitFor(() => expect(screen.getByTestId('cart-total')).toHaveTextContent('$0.00'));
    expect(screen.queryByText('Espresso', { selector: '.line-name' })).toBeNull();
  });

  it('Charge is disabled while the cart is empty', async () => {
    const { user } = await setup();
    const charge = screen.getByRole('button', { name: /^Charge/ });
    expect(charge).toBeDisabled();
    await user.keyboard('{Enter}');
    await user.click(screen.getByRole('button', { name: /Cappuccino/ }));
    await waitFor(() => expect(screen.getByRole('button', { name: /^Charge \$3\.60/ })).toBeEnabled());
  });

  it('cancels a sale only after confirming, then starts a new one', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    await user.click(screen.getByRole('button', { name: 'Cancel sale' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Cancel this sale?' });
    expect(fake.callsOf('cancel_sale')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Keep sale' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByTestId('payment-element')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Cancel sale' }));
    await user.click(screen.getByRole('button', { name: 'Yes, cancel sale' }));
    await waitFor(() => expect(fake.callsOf('cancel_sale').map((c) => c.args)).toEqual([{ orderId: order.id }]));
    await waitFor(() => expect(screen.queryByTestId('payment-element')).toBeNull());
    expect(current(fake).id).not.toBe(order.id);
    expect(screen.getByTestId('cart-total')).toHaveTextContent('$0.00');
    expect(screen.getByRole('button', { name: /^Charge/ })).toBeDisabled();
  });
});

describe('payment', () => {
  it('charges with Enter, mounts the Payment Element with the client secret and confirms without redirect', async () => {
    const { fake, user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.keyboard('{Enter}');
    await screen.findByTestId('payment-element');
    const order = current(fake);
    expect(fake.callsOf('charge').map((c) => c.args)).toEqual([{ orderId: order.id }]);
    // The backend's payment page gets the secret, the publishable key and the look by message, not in its URL.
    expect(stripeMock.loadFrame).toHaveBeenCalledWith('http://127.0.0.1:4242/pay', 'pk_test_fake');
    expect(stripeMock.elementsProps.at(-1)).toMatchObject({
      src: 'http://127.0.0.1:4242/pay',
      clientSecret: SECRET,
      publishableKey: 'pk_test_fake',
      appearance: { theme: 'stripe' },
      amount: order.total,
      currency: order.currency,
    });

    const pending = deferred<unknown>();
    stripeMock.confirmPayment.mockReturnValue(pending.promise);
    await user.keyboard('{Enter}'); // Enter = Pay
    expect(await screen.findByText('Processing payment…')).toBeInTheDocument();
    expect(stripeMock.submit).toHaveBeenCalledTimes(1);
    expect(stripeMock.confirmPayment).toHaveBeenCalledTimes(1);
    await act(async () => pending.resolve({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } }));
  });

  it('shows "Loading card form…" until the payment page is there, and a load failure with Retry', async () => {
    const load = deferred<unknown>();
    stripeMock.loadFrame.mockReturnValueOnce(load.promise);
    const { user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: /^Charge/ }));
    expect(await screen.findByText('Loading card form…')).toBeInTheDocument();
    await act(async () =>
      load.reject(new Error('The card form could not be loaded from https://pay.example: the backend did not answer, or its certificate is not trusted.')),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Couldn’t load the card form.');
    expect(alert).toHaveTextContent('its certificate is not trusted');
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
    expect(stripeMock.loadFrame).toHaveBeenCalledTimes(2);
  });

  it('a decline shows Stripe’s message and "Try another card" charges the same order and intent again', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({
      error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    await user.click(screen.getByRole('button', { name: /^Pay \$2\.50/ }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Payment declined');
    expect(alert).toHaveTextContent('Your card has insufficient funds.');
    expect(screen.queryByTestId('payment-element')).toBeNull();
    const retry = screen.getByRole('button', { name: 'Try another card' });
    expect(retry).toHaveFocus();

    await user.click(retry);
    await screen.findByTestId('payment-element');
    expect(screen.queryByText('Your card has insufficient funds.')).toBeNull();
    const charges = fake.callsOf('charge');
    expect(charges.map((c) => c.args)).toEqual([{ orderId: order.id }, { orderId: order.id }]);
    const results = await Promise.all(charges.map((c) => fake.handle('charge', c.args)));
    expect(new Set(results.map((r) => (r as { payment_intent_id: string }).payment_intent_id))).toEqual(new Set([order.payment_intent_id]));
    // The Payment Element was mounted afresh, on the same intent.
    expect(stripeMock.mounts).toBe(2);
    expect(stripeMock.elementsProps.map((p) => p.clientSecret)).toEqual([SECRET, SECRET]);

    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    expect(await screen.findByText('Confirming payment with the bank…')).toBeInTheDocument();
    expect(stripeMock.confirmPayment).toHaveBeenCalledTimes(2);
  });

  it('shows "Paid" only when the core reports the order paid, never from confirmPayment alone', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));

    expect(await screen.findByText('Confirming payment with the bank…')).toBeInTheDocument();
    expect(screen.queryByText('Paid')).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Paid' })).toBeNull();

    // Another order's news changes nothing.
    act(() => {
      fake.emit('till://order', { ...current(fake), id: 'ord_other', status: 'paid' });
    });
    expect(screen.queryByRole('heading', { name: 'Paid' })).toBeNull();
    // Neither does an update that is not "paid".
    act(() => {
      fake.update(order.id, { payment_status: 'succeeded' });
    });
    expect(screen.queryByRole('heading', { name: 'Paid' })).toBeNull();
    expect(screen.getByText('Confirming payment with the bank…')).toBeInTheDocument();

    act(() => {
      fake.markPaid(order.id, { brand: 'visa', last4: '4242' });
    });
    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    const receipt = await screen.findByRole('article', { name: 'Receipt' });
    expect(receipt).toHaveTextContent('Kassa demo store');
    expect(receipt).toHaveTextContent('Espresso');
    expect(receipt).toHaveTextContent('$2.50');
    expect(receipt).toHaveTextContent('Visa •••• 4242');
    expect(receipt).toHaveTextContent(order.payment_intent_id!);
    expect(receipt).toHaveTextContent('Terminal till-1');

    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    await user.click(screen.getByRole('button', { name: 'Print receipt' }));
    expect(print).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('button', { name: 'New sale' }));
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Paid' })).toBeNull());
    expect(fake.callsOf('new_order').length).toBeGreaterThanOrEqual(1);
    expect(current(fake).id).not.toBe(order.id);
    expect(screen.getByTestId('cart-total')).toHaveTextContent('$0.00');
  });

  it('processing: waits for the bank and refreshes the order every few seconds until it is paid', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let bankDone = false;
    const { fake, user } = await setup({ refresh: () => (bankDone ? { status: 'paid' } : null) });
    const order = await addEspressoAndCharge(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'processing' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    expect(await screen.findByText('Payment processing — waiting for the bank…')).toBeInTheDocument();

    await act(() => vi.advanceTimersByTimeAsync(REFRESH_INTERVAL_MS + 10));
    expect(fake.callsOf('refresh_order').map((c) => c.args)).toEqual([{ orderId: order.id }]);
    expect(screen.queryByRole('heading', { name: 'Paid' })).toBeNull();

    bankDone = true;
    await act(() => vi.advanceTimersByTimeAsync(REFRESH_INTERVAL_MS + 10));
    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
  });

  it('processing that fails turns into a decline with the bank’s message', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'processing' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    await screen.findByText('Payment processing — waiting for the bank…');
    act(() => {
      fake.update(order.id, {
        payment_status: 'requires_payment_method',
        last_error: { code: 'card_declined', message: 'Your card was declined.' },
      });
    });
    expect(await screen.findByText('Your card was declined.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try another card' })).toBeInTheDocument();
  });

  it('shows "Waiting for the customer to authenticate…" while 3-D Secure is open', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    const pending = deferred<unknown>();
    stripeMock.confirmPayment.mockReturnValueOnce(pending.promise);
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    await screen.findByText('Processing payment…');

    // 3-D Secure: the payment page says its challenge opened (Stripe.js shows it inside the page).
    act(() => stripeMock.onChallenge?.(true));
    expect(await screen.findByText('Waiting for the customer to authenticate…')).toBeInTheDocument();
    act(() => stripeMock.onChallenge?.(false));
    expect(await screen.findByText('Processing payment…')).toBeInTheDocument();

    // Or the core says so.
    act(() => {
      fake.update(order.id, { payment_status: 'requires_action' });
    });
    expect(await screen.findByText('Waiting for the customer to authenticate…')).toBeInTheDocument();
    await act(async () => pending.resolve({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } }));
    expect(await screen.findByText('Confirming payment with the bank…')).toBeInTheDocument();
  });

  it('a paid event that beats confirmPayment wins', async () => {
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    const pending = deferred<unknown>();
    stripeMock.confirmPayment.mockReturnValueOnce(pending.promise);
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    act(() => {
      fake.markPaid(order.id);
    });
    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    await act(async () => pending.resolve({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } }));
    expect(screen.getByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    expect(screen.queryByText('Confirming payment with the bank…')).toBeNull();
  });

  it('never writes the client secret to storage, the URL, the DOM or the console', async () => {
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const logs = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    const href = window.location.href;
    const { fake, user } = await setup();
    const order = await addEspressoAndCharge(fake, user);
    stripeMock.confirmPayment.mockResolvedValueOnce({ error: { type: 'card_error', message: 'Your card was declined.' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    await user.click(await screen.findByRole('button', { name: 'Try another card' }));
    await screen.findByTestId('payment-element');
    stripeMock.confirmPayment.mockResolvedValueOnce({ paymentIntent: { id: order.payment_intent_id, status: 'succeeded' } });
    await user.click(screen.getByRole('button', { name: /^Pay/ }));
    act(() => {
      fake.markPaid(order.id);
    });
    await screen.findByRole('article', { name: 'Receipt' });

    expect(stripeMock.elementsProps[0].clientSecret).toBe(SECRET); // the secret did flow, to Stripe only
    const stored = setItem.mock.calls.flat().join(' ');
    expect(stored).not.toContain('_secret_');
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0);
    for (const spy of logs) expect(JSON.stringify(spy.mock.calls)).not.toContain('_secret_');
    expect(window.location.href).toBe(href);
    expect(window.location.href).not.toContain('_secret_');
    expect(document.documentElement.outerHTML).not.toContain('_secret_');
  });
});

describe('cash', () => {
  it('takes cash in full from a quick button and shows the change big on the receipt', async () => {
    const { fake, user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await user.click(screen.getByRole('button', { name: /^Croissant/ }));
    await screen.findByText('Croissant', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));

    expect(screen.getByTestId('cash-due')).toHaveTextContent('$5.40');
    const quick = screen.getByRole('group', { name: 'Quick amounts' });
    expect(within(quick).getAllByRole('button').map((b) => b.textContent)).toEqual([
      'Exact $5.40', '$6.00', '$10.00', '$20.00', '$50.00',
    ]);
    await user.click(within(quick).getByRole('button', { name: '$10.00' }));

    await waitFor(() => expect(fake.callsOf('pay_cash').map((c) => c.args)).toEqual([{ orderId: current(fake).id, given: 1000 }]));
    expect(await screen.findByTestId('change-due')).toHaveTextContent('$4.60');
    expect(screen.getByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    expect(screen.getByTestId('receipt-change')).toHaveTextContent('$4.60');
    expect(fake.callsOf('charge')).toHaveLength(0);
  });

  it('shows the change as the cashier types, and refuses text that is not an amount', async () => {
    const { user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    const field = screen.getByLabelText('Cash given');
    expect(field).toHaveFocus();
    await user.type(field, '20');
    expect(screen.getByTestId('cash-change')).toHaveTextContent('$17.50');
    await user.clear(field);
    await user.type(field, 'abc');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('button', { name: 'Take cash' })).toBeDisabled();
    await user.keyboard('{Escape}');
    expect(screen.queryByLabelText('Cash given')).toBeNull();
    expect(screen.getByRole('button', { name: /^Charge \$2\.50/ })).toBeEnabled();
  });

  it('splits: the cash part is taken, and the card is charged only the rest', async () => {
    const { fake, user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Sandwich/ }));
    await user.click(screen.getByRole('button', { name: /^Orange juice/ }));
    await screen.findByText('Orange juice', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    await user.type(screen.getByLabelText('Cash given'), '5');
    expect(screen.getByTestId('cash-card-rest')).toHaveTextContent('$6.70');
    await user.click(screen.getByRole('button', { name: 'Take cash, card for the rest' }));

    await screen.findByTestId('payment-element');
    expect(fake.callsOf('pay_cash').map((c) => c.args?.given)).toEqual([500]);
    expect(fake.charges.get(current(fake).id)?.amount).toBe(670);
    expect(screen.getByTestId('cart-cash')).toHaveTextContent('$5.00');
    expect(screen.getByTestId('cart-due')).toHaveTextContent('$6.70');

    // Abandoned now, the cashier is told to hand the cash back.
    await user.click(screen.getByRole('button', { name: 'Cancel sale' }));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Hand back $5.00 in cash.');
  });

  it("names the core's refusal in the cash panel", async () => {
    const { user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    await user.type(screen.getByLabelText('Cash given'), '2.20{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('smallest card payment');
    expect(screen.getByLabelText('Cash given')).toBeInTheDocument();
  });
});

/** A scanner: every key of the code and Enter within a few milliseconds, to the window (nothing focused). */
function scanCode(code: string) {
  for (const key of [...code, 'Enter']) fireEvent.keyDown(document.body, { key });
}

describe('barcode scanner and search', () => {
  it('adds the scanned product from anywhere, without disturbing what the keypad held', async () => {
    const { fake, user } = await setup({ barcodes: { '4006381333931': 'espresso' } });
    await user.keyboard('12');
    expect(screen.getByRole('status', { name: 'Custom amount' })).toHaveTextContent('$0.12');
    await new Promise((r) => setTimeout(r, 100)); // the cashier's keys came well before the scan
    scanCode('4006381333931');
    await waitFor(() => expect(fake.callsOf('scan').map((c) => c.args)).toEqual([{ code: '4006381333931' }]));
    await screen.findByText('Espresso', { selector: '.line-name' });
    expect(screen.getByRole('status', { name: 'Custom amount' })).toHaveTextContent('$0.12');
    expect(fake.callsOf('add_custom')).toHaveLength(0);
  });

  it('says which barcode it does not know', async () => {
    const { fake } = await setup();
    scanCode('4006381333948');
    expect(await screen.findByRole('alert')).toHaveTextContent('Unknown barcode 4006381333948');
    expect(current(fake).lines).toHaveLength(0);
  });

  it('takes the same digits typed by a person as a keypad amount, not a scan', async () => {
    const user = userEvent.setup({ delay: 70 });
    const fake = installFakeTill({ barcodes: { '40063813': 'espresso' } });
    render(<CashierScreen info={info(fake)} />);
    await screen.findByRole('button', { name: /^Espresso/ });
    await user.keyboard('40063813{Enter}');
    await waitFor(() => expect(fake.callsOf('add_custom').map((c) => c.args?.amount)).toEqual([40063813]));
    expect(fake.callsOf('scan')).toHaveLength(0);
  });

  it('finds products by name or SKU and adds the one picked', async () => {
    const { fake, user } = await setup();
    await user.type(screen.getByRole('searchbox', { name: 'Search products' }), 'muff');
    const results = await screen.findByRole('list', { name: 'Search results' });
    await user.click(within(results).getByRole('button', { name: /Blueberry muffin/ }));
    await waitFor(() => expect(fake.callsOf('add_item').map((c) => c.args?.sku)).toEqual(['muffin']));
    expect(screen.getByRole('searchbox', { name: 'Search products' })).toHaveValue('');
  });
});

describe('receipt printer', () => {
  it('prints a paid cash sale on the receipt printer at once, opening the drawer, and reprints without it', async () => {
    const { fake, user } = await setup({ info: { receipt_printer: '192.168.1.50:9100' } });
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    await user.click(screen.getByRole('button', { name: 'Exact $2.50' }));

    expect(await screen.findByText('Receipt printed · drawer opened')).toBeInTheDocument();
    expect(fake.callsOf('print_receipt').map((c) => c.args)).toEqual([{ orderId: current(fake).id, reprint: false }]);
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    await user.click(screen.getByRole('button', { name: 'Print again' }));
    await waitFor(() => expect(fake.callsOf('print_receipt').map((c) => c.args?.reprint)).toEqual([false, true]));
    expect(await screen.findByText('Receipt printed')).toBeInTheDocument();
    expect(print).not.toHaveBeenCalled();
    print.mockRestore();
  });

  it('without a receipt printer, printing is the system dialog and nothing prints by itself', async () => {
    const { fake, user } = await setup();
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    await user.click(screen.getByRole('button', { name: 'Exact $2.50' }));
    await screen.findByRole('heading', { name: 'Paid' });
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    await user.click(await screen.findByRole('button', { name: 'Print receipt' }));
    expect(print).toHaveBeenCalledTimes(1);
    expect(fake.callsOf('print_receipt')).toHaveLength(0);
    print.mockRestore();
  });
});

describe('a large catalogue', () => {
  it('groups the grid by category and says how many more products are sold by scan and search', async () => {
    const fake = installFakeTill({
      catalog: {
        currency: 'eur',
        more: 49_800,
        tip_percents: [],
        items: [
          { sku: 'espresso', name: 'Espresso', unit_amount: 250, category: 'Coffee', image_url: null },
          { sku: 'latte', name: 'Latte', unit_amount: 350, category: 'Coffee', image_url: null },
          { sku: 'bagel', name: 'Bagel', unit_amount: 340, category: 'Food', image_url: null },
          { sku: 'gift', name: 'Gift card', unit_amount: 1000, category: null, image_url: null },
        ],
      },
    });
    render(<CashierScreen info={info(fake)} />);
    const coffee = await screen.findByRole('list', { name: 'Coffee' });
    expect(within(coffee).getAllByRole('button').map((b) => b.querySelector('.item-name')?.textContent)).toEqual(['Espresso', 'Latte']);
    expect(screen.getByRole('heading', { name: 'Food' })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Items' })).getByRole('button', { name: /Gift card/ })).toBeInTheDocument();
    expect(screen.getByTestId('more-items')).toHaveTextContent('And 49,800 more products: scan them or search.');
  });
});

describe('tips', () => {
  it('offers the store’s tip choices before the card, and charges the card the sale plus the tip', async () => {
    const { fake, user } = await setup({ catalog: { ...DEMO, tip_percents: [1000, 1500] } });
    await user.click(screen.getByRole('button', { name: /^Sandwich/ }));
    await screen.findByText('Sandwich', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: /^Charge/ }));
    const tips = await screen.findByRole('group', { name: 'Tips' });
    expect(within(tips).getAllByRole('button').map((b) => b.textContent)).toEqual(['10% · $0.75', '15% · $1.13', 'No tip']);
    expect(within(tips).getByRole('button', { name: 'No tip' })).toHaveFocus();
    await user.click(within(tips).getByRole('button', { name: '15% · $1.13' }));
    await screen.findByTestId('payment-element');
    expect(fake.callsOf('set_tip').map((c) => c.args)).toEqual([{ orderId: current(fake).id, basisPoints: 1500 }]);
    expect(fake.charges.get(current(fake).id)?.amount).toBe(750 + 113);
  });

  it('asks nothing when the store offers no tips', async () => {
    const { fake, user } = await setup();
    await addEspressoAndCharge(fake, user);
    expect(fake.callsOf('set_tip')).toHaveLength(0);
  });
});

describe('a shop’s till before its catalogue', () => {
  it('says why no sale can start, and starts one when the catalogue arrives', async () => {
    const fake = installFakeTill();
    const refuse = { on: true };
    const handle = fake.handle.bind(fake);
    vi.spyOn(fake, 'handle').mockImplementation(async (cmd, args) => {
      if (refuse.on && (cmd === 'new_order' || cmd === 'current_order')) {
        throw { kind: 'not_configured', message: 'this till has not yet received the shop’s catalogue from the payment server: sales start once it has', field: null };
      }
      return handle(cmd, args);
    });
    render(<CashierScreen info={info(fake)} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('has not yet received the shop’s catalogue');
    refuse.on = false;
    act(() => fake.setCatalog({ ...fake.catalog }));
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText(/has not yet received/)).toBeNull());
  });
});

describe('card reader', () => {
  const READER = {
    reader_id: 'tmr_fake1',
    label: 'Reader 1',
    terminal: 'till-1',
    device_type: 'simulated_wisepos_e',
    status: 'online',
    action: null,
    simulated: true,
  };

  async function chargeOnReader(opts: FakeTillOptions = {}) {
    const { fake, user } = await setup({ readers: [READER], ...opts });
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: /^Charge/ }));
    await screen.findByText('Present card on Reader 1');
    return { fake, user };
  }

  it('starts the card step on the till’s reader, and a simulated tap pays the sale', async () => {
    const { fake, user } = await chargeOnReader();
    expect(screen.getByRole('tab', { name: 'Card reader' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.queryByTestId('payment-element')).toBeNull();
    expect(fake.callsOf('pay_on_reader')).toHaveLength(1);

    await user.click(screen.getByRole('button', { name: 'Simulate tap' }));

    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    const receipt = await screen.findByRole('article', { name: 'Receipt' });
    expect(receipt).toHaveTextContent('Visa •••• 4242 · Contactless');
  });

  it('shows a decline with its reason, and Try again asks the reader again', async () => {
    const { fake, user } = await chargeOnReader();

    await user.click(screen.getByRole('button', { name: 'Simulate declined card' }));

    expect(await screen.findByText('Payment declined')).toBeInTheDocument();
    expect(screen.getByText('Your card was declined.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText('Present card on Reader 1');
    expect(fake.callsOf('pay_on_reader')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Simulate tap' }));
    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
  });

  it('Cancel frees the reader and leaves the sale to pay again or by typing the card', async () => {
    const { fake, user } = await chargeOnReader();

    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(await screen.findByText('The payment on Reader 1 was cancelled.')).toBeInTheDocument();
    expect(fake.callsOf('cancel_reader')).toHaveLength(1);
    await user.click(screen.getByRole('tab', { name: 'Type card' }));
    expect(await screen.findByTestId('payment-element')).toBeInTheDocument();
  });

  it('a tap reported elsewhere (the reader itself, another screen) moves the step on', async () => {
    const { fake } = await chargeOnReader();
    const order = current(fake);

    await act(async () => {
      await fake.handle('simulate_tap', { readerId: READER.reader_id });
    });

    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
    expect(order.id).toBe(current(fake).id);
  });

  it('a reader already collecting this very sale (a restart mid-payment) is simply waited on', async () => {
    const { fake, user } = await setup({ readers: [READER] });
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    const order = current(fake);
    const info = (await fake.handle('charge', { orderId: order.id })) as { payment_intent_id: string };
    await fake.handle('pay_on_reader', { orderId: order.id, readerId: READER.reader_id });

    await user.click(screen.getByRole('button', { name: /^Charge/ }));

    expect(await screen.findByText('Present card on Reader 1')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(info.payment_intent_id).toMatch(/^pi_fake/);
    await user.click(screen.getByRole('button', { name: 'Simulate tap' }));
    expect(await screen.findByRole('heading', { name: 'Paid' })).toBeInTheDocument();
  });

  it('a busy reader says so, with a way to try again', async () => {
    const busy = { ...READER, action: { kind: 'process_payment_intent', status: 'in_progress', payment_intent_id: 'pi_other', failure_code: null, failure_message: null } };
    const { user } = await setup({ readers: [busy] });
    await user.click(screen.getByRole('button', { name: /^Espresso/ }));
    await screen.findByText('Espresso', { selector: '.line-name' });
    await user.click(screen.getByRole('button', { name: /^Charge/ }));

    expect(await screen.findByText(/Reader 1 is busy with another payment/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
