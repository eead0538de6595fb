import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { invoke } from '@tauri-apps/api/core';
import { describe, expect, it, vi } from 'vitest';
import App from './App';
import { admin } from './api/till';
import { installFakeTill } from './test/harness';

describe('App', () => {
  it('renders the cashier screen for the cashier view, with header and offline banner', async () => {
    const fake = installFakeTill({ sync: { online: false, message: 'Backend unreachable.', retry_in_ms: 30_000, cursor: 0 } });
    render(<App />);
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
    // Asked for as soon as the core was up, and not again by the screen.
    expect(fake.callsOf('catalog')).toHaveLength(1);
    expect(fake.callsOf('current_order')).toHaveLength(1);
    expect(screen.getByText('Terminal', { exact: false })).toHaveTextContent('Terminal till-1');
    expect(screen.getByText('Demo · test mode')).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('Backend unreachable.');
    expect(screen.getByText('Retrying in 30 s')).toBeInTheDocument();
  });

  it('renders the kiosk for the kiosk view, without the cashier header', async () => {
    const fake = installFakeTill({ info: { view: 'kiosk' } });
    render(<App />);
    expect(await screen.findByTestId('kiosk-welcome')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Tap to start/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Admin' })).toBeNull();
    expect(fake.callsOf('new_order')).toHaveLength(0);
  });

  it('the admin view asks for the PIN first (no Cancel: nothing is behind it), then shows payments, with no way to the till', async () => {
    const fake = installFakeTill({ info: { view: 'admin' }, adminSession: true });
    fake.addPayment({ status: 'succeeded' });
    const user = userEvent.setup();
    render(<App />);
    const pad = await screen.findByTestId('pin-pad');
    expect(within(pad).queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.queryByTestId('payments-table')).toBeNull();
    expect(fake.callsOf('admin_payments')).toHaveLength(0);
    await user.keyboard('1234{Enter}');
    expect(await screen.findByTestId('payments-table')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Back to till/ })).toBeNull();
    expect(fake.callsOf('current_order')).toHaveLength(0);
  });

  it('when the core’s admin session times out, the PIN pad comes back saying so, and the PIN reloads the screen', async () => {
    const fake = installFakeTill({ adminSession: true });
    fake.addPayment({ status: 'succeeded', id: 'ord_earlier' });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('button', { name: /^Espresso/ });
    await user.click(screen.getByRole('button', { name: 'Admin' }));
    await user.keyboard('1234{Enter}');
    expect(await screen.findByTestId('payments-table')).toBeInTheDocument();
    const loads = fake.callsOf('admin_payments').length;

    act(() => fake.expireAdminSession());
    // The next admin command the screen makes (its own refresh, here made at once) is refused by the core.
    await act(async () => {
      await admin.payments({}).catch(() => undefined);
    });
    const pad = await screen.findByTestId('pin-pad');
    expect(pad).toHaveTextContent('The admin session has timed out');
    await user.keyboard('1234{Enter}');
    await waitFor(() => expect(screen.queryByTestId('pin-pad')).toBeNull());
    await waitFor(() => expect(fake.callsOf('admin_payments').length).toBeGreaterThan(loads + 1));
    expect(await screen.findByTestId('payments-table')).toBeInTheDocument();

    // Leaving the admin screen ends the session in the core.
    await user.click(screen.getByRole('button', { name: /Back to till/ }));
    expect(fake.callsOf('lock_admin')).toHaveLength(1);
    expect(fake.adminUnlocked()).toBe(false);
  });

  it('the cashier’s Admin button asks for the PIN; a wrong one stays, the right one opens admin and back', async () => {
    const fake = installFakeTill();
    fake.addPayment({ status: 'succeeded', id: 'ord_earlier' });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('button', { name: /^Espresso/ });
    await user.click(screen.getByRole('button', { name: 'Admin' }));
    const pad = screen.getByTestId('pin-pad');
    // Digits go to the PIN pad, not to the till's keypad.
    await user.keyboard('12');
    expect(screen.getByRole('status', { name: 'Custom amount' })).toHaveTextContent('$0.00');
    await user.keyboard('{Backspace}{Backspace}0000{Enter}');
    expect(await screen.findByTestId('pin-error')).toHaveTextContent('Wrong PIN');
    expect(fake.callsOf('verify_admin_pin').map((c) => c.args)).toEqual([{ pin: '0000' }]);
    expect(screen.queryByTestId('payments-table')).toBeNull();
    for (const d of '1234') await user.click(within(pad).getByRole('button', { name: d }));
    await user.click(within(pad).getByRole('button', { name: 'Unlock' }));
    expect(await screen.findByTestId('payments-table')).toBeInTheDocument();
    expect(screen.queryByTestId('pin-pad')).toBeNull();
    expect(document.querySelector('tr[data-order-id="ord_earlier"]')).not.toBeNull();
    await user.click(screen.getByRole('button', { name: /Back to till/ }));
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
  });

  it('shows an app_info error with Retry', async () => {
    const fake = installFakeTill();
    vi.mocked(invoke).mockRejectedValueOnce({ kind: 'startup', message: 'The till core did not start.', field: null });
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('The till core did not start.');
    vi.mocked(invoke).mockImplementation((cmd: string, args?: unknown) => fake.handle(cmd, args as Record<string, unknown>) as never);
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('button', { name: /^Espresso/ })).toBeInTheDocument();
  });

  it('back from the admin screen, the cashier sees the catalogue as it is now, not as the till started with', async () => {
    const fake = installFakeTill();
    fake.addPayment({ status: 'succeeded', id: 'ord_earlier' });
    const user = userEvent.setup();
    render(<App />);
    await screen.findByRole('button', { name: /^Espresso/ });
    await user.click(screen.getByRole('button', { name: 'Admin' }));
    await user.keyboard('1234{Enter}');
    expect(await screen.findByTestId('payments-table')).toBeInTheDocument();
    // A product added meanwhile (its feed event came while the cashier screen was not there to hear it).
    fake.catalog.items.push({ sku: 'scone', name: 'Scone', unit_amount: 320, category: null, image_url: null });
    await user.click(screen.getByRole('button', { name: /Back to till/ }));
    expect(await screen.findByRole('button', { name: /^Scone/ })).toBeInTheDocument();
  });
});
