import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { invoke } from '@tauri-apps/api/core';
import { open } from '@tauri-apps/plugin-shell';
import { describe, expect, it, vi } from 'vitest';
import type { AdminPage, AdminQuery, DisplayStatus } from '../api/types';
import { STUCK_AFTER_SECONDS, type FakeTill } from '../dev/fakeBackend';
import { installFakeTill } from '../test/harness';
import { AdminScreen, LIVE_DEBOUNCE_MS, PAGE_SIZE } from './AdminScreen';
import { dayEnd, dayStart } from './dates';
import { ALL_STATUSES, STATUS_META } from './status';

vi.mock('@tauri-apps/plugin-shell', () => ({ open: vi.fn() }));

const NOW = Math.floor(Date.now() / 1000);

async function setup(seed: (fake: FakeTill) => void = () => {}, opts: { fakeTimers?: boolean } = {}) {
  if (opts.fakeTimers) vi.useFakeTimers({ shouldAdvanceTime: true });
  const fake = installFakeTill({ info: { view: 'admin' } });
  seed(fake);
  const user = userEvent.setup(opts.fakeTimers ? { advanceTimers: vi.advanceTimersByTime } : {});
  render(<AdminScreen info={fake.info} />);
  const table = await screen.findByTestId('payments-table');
  return { fake, user, table };
}

const queries = (fake: FakeTill) => fake.callsOf('admin_payments').map((c) => c.args?.query as AdminQuery);
/** The payments table's rows, header included. */
const tableRows = () => within(screen.getByTestId('payments-table')).getAllByRole('row');
const row = (orderId: string) => document.querySelector<HTMLElement>(`tr[data-order-id="${orderId}"]`)!;

function onePerStatus(fake: FakeTill): Record<DisplayStatus, string> {
  const ids = {} as Record<DisplayStatus, string>;
  ALL_STATUSES.forEach((status, i) => {
    ids[status] = fake.addPayment({ status, amount: 1000 + i * 111, created: NOW - 60 * (i + 1), updated: NOW - 60 * (i + 1) + 5 });
  });
  return ids;
}

describe('payments table', () => {
  it('shows every status with its own badge: color class, icon and words', async () => {
    const { table } = await setup(onePerStatus);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(7);
    const badges = Array.from(table.querySelectorAll<HTMLElement>('.status-badge'));
    expect(badges.map((b) => b.dataset.status).sort()).toEqual([...ALL_STATUSES].sort());
    expect(new Set(badges.map((b) => b.textContent)).size).toBe(7);
    expect(new Set(badges.map((b) => b.className)).size).toBe(7);
    expect(new Set(badges.map((b) => b.querySelector('.status-icon')?.textContent)).size).toBe(7);
    for (const b of badges) {
      const s = b.dataset.status as DisplayStatus;
      expect(b).toHaveTextContent(STATUS_META[s].label);
      expect(b).toHaveClass(`status-${s}`);
      expect(b.closest('tr')).toHaveAttribute('data-row-status', s);
      expect(b.closest('tr')).not.toHaveAttribute('data-status');
    }
    // The columns, formatted.
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Order', 'Terminal', 'Amount', 'Payment status', 'Fulfilment', 'Card', 'Time']);
    const ok = badges.find((b) => b.dataset.status === 'succeeded')!.closest('tr')!;
    expect(ok).toHaveTextContent('$10.00');
    expect(ok).toHaveTextContent('Fulfilled');
    expect(ok).toHaveTextContent('Visa ••4242');
    expect(ok).toHaveTextContent('till-1');
  });

  it('re-queries the page on screen after order events (debounced) and on reconnect', async () => {
    const { fake } = await setup(
      (f) => {
        onePerStatus(f);
      },
      { fakeTimers: true },
    );
    const id = fake.addPayment({ status: 'requires_action', amount: 4321 });
    const before = queries(fake).length;
    act(() => {
      fake.update(id, { payment_status: 'processing' });
      fake.update(id, { payment_status: 'processing' });
    });
    await act(() => vi.advanceTimersByTimeAsync(LIVE_DEBOUNCE_MS - 50));
    expect(queries(fake)).toHaveLength(before);
    await act(() => vi.advanceTimersByTimeAsync(60));
    await waitFor(() => expect(queries(fake)).toHaveLength(before + 1));
    expect(queries(fake).at(-1)).toEqual(queries(fake)[before - 1]);
    await waitFor(() => expect(row(id)).toHaveAttribute('data-row-status', 'processing'));
    expect(within(row(id)).getByText('Processing')).toBeInTheDocument();

    // Offline, then back: one more query.
    act(() => fake.setSync({ online: false, message: 'down', retry_in_ms: 1000, cursor: 1 }));
    act(() => fake.setSync({ online: true, message: null, retry_in_ms: null, cursor: 2 }));
    await act(() => vi.advanceTimersByTimeAsync(LIVE_DEBOUNCE_MS + 10));
    await waitFor(() => expect(queries(fake)).toHaveLength(before + 2));
  });

  it('pages with keyset cursors: Next passes `after`, Previous goes back', async () => {
    const { fake, user } = await setup((f) => {
      for (let i = 0; i < 120; i++) f.addPayment({ status: 'succeeded', amount: 100 + i, created: NOW - i * 10 });
    });
    expect(queries(fake)[0]).toMatchObject({ limit: PAGE_SIZE, after: null });
    await waitFor(() => expect(tableRows()).toHaveLength(PAGE_SIZE + 1));
    const p1 = (await fake.handle('admin_payments', { query: { limit: PAGE_SIZE } })) as AdminPage;
    const p2 = (await fake.handle('admin_payments', { query: { limit: PAGE_SIZE, after: p1.next } })) as AdminPage;
    expect(screen.getByTestId('prev-page')).toBeDisabled();

    await user.click(screen.getByTestId('next-page'));
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ limit: PAGE_SIZE, after: p1.next }));
    await waitFor(() => expect(row(p2.rows[0].order_id)).not.toBeNull());
    expect(screen.getByText(/Page 2/)).toBeInTheDocument();

    await user.click(screen.getByTestId('next-page'));
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ after: p2.next }));
    await waitFor(() => expect(tableRows()).toHaveLength(20 + 1));
    expect(screen.getByTestId('next-page')).toBeDisabled();

    await user.click(screen.getByTestId('prev-page'));
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ after: p1.next }));
    await user.click(screen.getByTestId('prev-page'));
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ after: null }));
    expect(screen.getByTestId('prev-page')).toBeDisabled();
  });

  it('filters by status, terminal, dates and search, starting again at page 1', async () => {
    const { fake, user } = await setup((f) => {
      f.addPayment({ status: 'succeeded', terminal: 'till-2', id: 'ord_abc1' });
      f.addPayment({ status: 'failed', terminal: 'kiosk-1', id: 'ord_xyz9' });
    });
    await user.selectOptions(screen.getByTestId('filter-status'), 'failed');
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ status: 'failed', after: null }));
    await waitFor(() => expect(tableRows()).toHaveLength(2));
    expect(row('ord_xyz9')).not.toBeNull();

    await user.selectOptions(screen.getByTestId('filter-status'), '');
    await user.type(screen.getByTestId('filter-terminal'), 'till');
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ status: null, terminal: 'till' }));
    // Typing settles before it queries: not one query per key.
    expect(queries(fake).filter((q) => q.terminal && q.terminal !== 'till')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('filter-from'), { target: { value: '2026-03-01' } });
    fireEvent.change(screen.getByTestId('filter-to'), { target: { value: '2026-03-02' } });
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ from: dayStart('2026-03-01'), to: dayEnd('2026-03-02') }));
    expect(dayEnd('2026-03-02')! - dayStart('2026-03-01')!).toBeGreaterThanOrEqual(2 * 86400 - 3600);
    expect(new Date(dayStart('2026-03-01')! * 1000).getHours()).toBe(0);

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await user.type(screen.getByTestId('filter-search'), 'pi_seedabc');
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ search: 'pi_seedabc', terminal: null, from: null }));
    await waitFor(() => expect(tableRows()).toHaveLength(2));
    expect(row('ord_abc1')).not.toBeNull();
  });

  it('an unset date filter says "any" instead of showing a date, and a set one shows only its date', async () => {
    const { user } = await setup((f) => f.addPayment({ status: 'succeeded' }));
    const from = screen.getByTestId('filter-from');
    const field = from.parentElement!;
    expect(field).toHaveAttribute('data-empty');
    expect(within(field).getByText('any')).toBeInTheDocument();

    fireEvent.change(from, { target: { value: '2026-03-01' } });
    expect(field).not.toHaveAttribute('data-empty');
    expect(within(field).queryByText('any')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(field).toHaveAttribute('data-empty');
  });
});

describe('payment detail', () => {
  it('opens on click or Enter with the timeline, the fulfilment record and the Dashboard link', async () => {
    let ids!: Record<DisplayStatus, string>;
    const { fake, user } = await setup((f) => {
      ids = onePerStatus(f);
    });
    row(ids.succeeded).focus();
    await user.keyboard('{Enter}');
    const drawer = await screen.findByTestId('payment-detail');
    const timeline = await within(drawer).findByTestId('timeline');
    const events = within(timeline).getAllByRole('row').slice(1);
    expect(events.map((r) => (r as HTMLTableRowElement).cells[1].textContent)).toEqual(['payment_intent.created', 'payment_intent.succeeded', 'payment_intent.succeeded']);
    expect(events[1]).toHaveTextContent('Succeeded');
    expect(events[1]).toHaveTextContent('Fulfilled the order');
    expect(events[2]).toHaveTextContent('Duplicate, ignored');
    expect(within(drawer).getByTestId('fulfilment')).toHaveTextContent(/evt_fake\d+/);
    expect(within(drawer).getByTestId('refund')).toBeInTheDocument();
    expect(within(drawer).queryByTestId('cancel-payment')).toBeNull();

    await user.click(within(drawer).getByRole('button', { name: /Open in Stripe Dashboard/ }));
    const pi = fake.orders.get(ids.succeeded)!.payment_intent_id;
    expect(open).toHaveBeenCalledWith(`https://dashboard.stripe.com/test/payments/${pi}`);

    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('payment-detail')).toBeNull());
    await waitFor(() => expect(row(ids.succeeded)).toHaveFocus());

    await user.click(row(ids.requires_capture));
    const d2 = await screen.findByTestId('payment-detail');
    expect(await within(d2).findByTestId('capture')).toBeInTheDocument();
    expect(within(d2).getByTestId('cancel-payment')).toBeInTheDocument();
    expect(within(d2).queryByTestId('refund')).toBeNull();
  });

  it('refund: one idempotency key per dialog, the same on a retry, a new one for a new dialog', async () => {
    let id = '';
    const { fake, user } = await setup((f) => {
      id = f.addPayment({ status: 'succeeded', amount: 2000 });
    });
    const real = fake.handle;
    let failNext = true;
    vi.mocked(invoke).mockImplementation(async (cmd: string, args?: unknown) => {
      if (cmd === 'admin_refund' && failNext) {
        failNext = false;
        fake.calls.push({ cmd, args: args as Record<string, unknown> });
        throw { kind: 'offline', message: 'Stripe could not be reached. Nothing was refunded yet.', field: null };
      }
      return real(cmd, args as Record<string, unknown>) as never;
    });

    await user.click(row(id));
    const drawer = await screen.findByTestId('payment-detail');
    await user.click(await within(drawer).findByTestId('refund'));
    let dialog = screen.getByTestId('refund-dialog');
    expect(within(dialog).getByTestId('refund-max')).toHaveTextContent('$20.00');
    await user.click(within(dialog).getByLabelText('Partial amount'));
    const amount = within(dialog).getByTestId('refund-amount');
    await user.clear(amount);
    await user.type(amount, '5.00');
    await user.click(within(dialog).getByTestId('confirm-refund'));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Stripe could not be reached.');
    // Retry in the same dialog.
    await user.click(within(dialog).getByTestId('confirm-refund'));
    await waitFor(() => expect(screen.queryByTestId('refund-dialog')).toBeNull());
    const first = fake.callsOf('admin_refund').map((c) => c.args);
    expect(first).toHaveLength(2);
    expect(first[0]).toEqual({ orderId: id, amount: 500, idempotencyKey: expect.any(String) });
    expect(first[1]).toEqual(first[0]);
    // Refunded once, and the table and the drawer show it.
    await waitFor(() => expect(row(id)).toHaveTextContent('−$5.00 refunded'));
    expect(within(drawer).getByText('Refunded $5.00')).toBeInTheDocument();

    // A new dialog: a new key.
    await user.click(within(drawer).getByTestId('refund'));
    dialog = screen.getByTestId('refund-dialog');
    expect(within(dialog).getByTestId('refund-max')).toHaveTextContent('$15.00');
    await user.click(within(dialog).getByTestId('confirm-refund'));
    await waitFor(() => expect(fake.callsOf('admin_refund')).toHaveLength(3));
    const third = fake.callsOf('admin_refund')[2].args!;
    expect(third).toMatchObject({ orderId: id, amount: null });
    expect(third.idempotencyKey).not.toBe(first[0]!.idempotencyKey);
    await waitFor(() => expect(row(id)).toHaveTextContent('Refunded'));
  });

  it('refuses a refund above what is left, and cancels or captures after confirming', async () => {
    let ids!: Record<DisplayStatus, string>;
    const { fake, user } = await setup((f) => {
      ids = onePerStatus(f);
    });
    await user.click(row(ids.succeeded));
    let drawer = await screen.findByTestId('payment-detail');
    await user.click(await within(drawer).findByTestId('refund'));
    let dialog = screen.getByTestId('refund-dialog');
    await user.click(within(dialog).getByLabelText('Partial amount'));
    await user.clear(within(dialog).getByTestId('refund-amount'));
    await user.type(within(dialog).getByTestId('refund-amount'), '99');
    expect(within(dialog).getByTestId('confirm-refund')).toBeDisabled();
    expect(dialog).toHaveTextContent('at most $10.00');
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    await user.click(within(drawer).getByRole('button', { name: 'Close payment details' }));

    await user.click(row(ids.requires_action));
    drawer = await screen.findByTestId('payment-detail');
    await user.click(await within(drawer).findByTestId('cancel-payment'));
    dialog = screen.getByTestId('cancel-dialog');
    expect(fake.callsOf('admin_cancel')).toHaveLength(0);
    await user.click(within(dialog).getByTestId('confirm-cancel'));
    await waitFor(() => expect(fake.callsOf('admin_cancel').map((c) => c.args)).toEqual([{ orderId: ids.requires_action, idempotencyKey: expect.any(String) }]));
    await waitFor(() => expect(row(ids.requires_action)).toHaveAttribute('data-row-status', 'canceled'));
    await user.click(within(drawer).getByRole('button', { name: 'Close payment details' }));

    await user.click(row(ids.requires_capture));
    drawer = await screen.findByTestId('payment-detail');
    await user.click(await within(drawer).findByTestId('capture'));
    dialog = screen.getByTestId('capture-dialog');
    await user.click(within(dialog).getByTestId('confirm-capture'));
    await waitFor(() => expect(fake.callsOf('admin_capture').map((c) => c.args)).toEqual([{ orderId: ids.requires_capture, amount: null, idempotencyKey: expect.any(String) }]));
    await waitFor(() => expect(row(ids.requires_capture)).toHaveAttribute('data-row-status', 'succeeded'));
  });
});

describe('tools', () => {
  it('exports the filtered rows to CSV and says where', async () => {
    const { fake, user } = await setup(onePerStatus);
    await user.selectOptions(screen.getByTestId('filter-status'), 'succeeded');
    await waitFor(() => expect(queries(fake).at(-1)).toMatchObject({ status: 'succeeded' }));
    await user.click(screen.getByTestId('export-csv'));
    const note = await screen.findByTestId('export-result');
    expect(note).toHaveTextContent(/^✓ Saved 1 row to \/home\/kassa\/Documents\/Kassa\/payments-\d{8}-\d{6}\.csv$/);
    expect(fake.callsOf('admin_export_csv')[0].args?.query).toEqual({ status: 'succeeded', terminal: null, from: null, to: null, search: null });
  });

  it('"Reconcile now" shows what it checked and changed', async () => {
    const { user } = await setup(onePerStatus);
    await user.click(screen.getByTestId('reconcile'));
    expect(await screen.findByText(/^Checked \d+ · 0 changed$/)).toBeInTheDocument();
  });

  it('lists what needs attention in words; a click opens it', async () => {
    let stuck = '';
    let unfulfilled = '';
    let disagreed = '';
    const { user } = await setup((f) => {
      f.addPayment({ status: 'succeeded' });
      stuck = f.addPayment({ status: 'processing', created: NOW - 3600, updated: NOW - STUCK_AFTER_SECONDS - 20 * 60 });
      unfulfilled = f.addPayment({ status: 'succeeded', fulfilled: false });
      disagreed = f.addPayment({
        status: 'requires_payment_method',
        disagreement: 'An event said succeeded; Stripe says requires_payment_method',
      });
    });
    const panel = await screen.findByTestId('needs-attention');
    await waitFor(() => expect(within(panel).getAllByRole('button')).toHaveLength(3));
    expect(panel.querySelector(`[data-order-id="${disagreed}"]`)).toHaveTextContent(
      /Stripe disagrees with an event: An event said succeeded; Stripe says requires_payment_method\./,
    );
    const s = panel.querySelector(`[data-order-id="${stuck}"]`)!;
    expect(s).toHaveTextContent(/Stuck in “Processing” for 30 min/);
    const u = panel.querySelector(`[data-order-id="${unfulfilled}"]`)!;
    expect(u).toHaveTextContent(/Paid but not fulfilled/);
    await user.click(u as HTMLElement);
    const drawer = await screen.findByTestId('payment-detail');
    expect(drawer).toHaveTextContent(unfulfilled);
    expect(await within(drawer).findByTestId('fulfilment')).toHaveTextContent(/Not fulfilled: the payment succeeded/);
  });

  it('end of day: totals by status and currency, refunds netted', async () => {
    await setup((f) => {
      f.addPayment({ status: 'succeeded', amount: 1000 });
      f.addPayment({ status: 'succeeded', amount: 2500, amount_refunded: 500 });
      f.addPayment({ status: 'failed', amount: 700 });
      f.addPayment({ status: 'succeeded', amount: 900, currency: 'eur' });
    });
    const panel = await screen.findByTestId('end-of-day');
    await waitFor(() => expect(within(panel).getByTestId('eod-net-usd')).toHaveTextContent('$30.00'));
    expect(panel.querySelector('[data-currency="usd"]')).toHaveTextContent('Received$35.00');
    expect(panel.querySelector('[data-currency="usd"]')).toHaveTextContent('Refunded−$5.00');
    expect(within(panel).getByTestId('eod-net-eur')).toHaveTextContent('€9.00');
    const usd = panel.querySelector<HTMLElement>('[data-currency="usd"]')!;
    const failed = usd.querySelector('[data-status="failed"]')!.closest('tr')!;
    expect(failed).toHaveTextContent('1');
    expect(failed).toHaveTextContent('$7.00');
  });
});

describe('closing the day', () => {
  it('shows the running shift, closes it against the counted cash, and lists the Z report', async () => {
    const { fake, user } = await setup((f) => {
      f.addPayment({ status: 'succeeded', amount: 1200, created: NOW - 60 });
      // A cash sale of 5.40, a ten handed over, in this shift (the fake's commands act before they resolve).
      void f.handle('new_order');
      const id = f.currentOrder()!.id;
      void f.handle('add_item', { sku: 'espresso' });
      void f.handle('add_item', { sku: 'croissant' });
      void f.handle('pay_cash', { orderId: id, given: 1000 });
    });
    const panel = screen.getByTestId('shift');
    expect(await within(panel).findByTestId('shift-expected')).toHaveTextContent('$5.40');
    expect(within(panel).getByTestId('shift-cash')).toHaveTextContent('1 · $5.40');
    expect(within(panel).getByText('No shift has been closed yet.')).toBeInTheDocument();

    await user.click(within(panel).getByRole('button', { name: 'Close shift (Z)' }));
    const dialog = await screen.findByTestId('close-shift');
    await user.type(within(dialog).getByLabelText('Counted cash'), '5.30');
    expect(within(dialog).getByRole('status')).toHaveTextContent('Difference −$0.10 short');
    await user.type(within(dialog).getByLabelText('Float left for the next shift'), '20');
    await user.click(within(dialog).getByRole('button', { name: 'Close shift' }));

    await waitFor(() => expect(fake.callsOf('admin_close_shift').map((c) => c.args)).toEqual([{ countedCash: 530, nextFloat: 2000 }]));
    const z = await screen.findByTestId('z-result');
    expect(within(z).getByTestId('shift-difference')).toHaveTextContent('−$0.10');
    expect(within(z).getByTestId('shift-cash')).toHaveTextContent('1 · $5.40');
    const list = await screen.findByTestId('z-reports');
    expect(within(list).getAllByRole('row')).toHaveLength(2);
    expect(await within(panel).findByRole('heading', { name: 'Shift 2 (X report)' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Export Z reports (CSV)' }));
    expect(await screen.findByText('1 Z report saved to /tmp/exports/z-reports.csv')).toBeInTheDocument();
  });
});

describe('catalogue editor', () => {
  it('saves the store, a tax rate and a product, and shows an import’s bad rows by line and column', async () => {
    const { fake, user } = await setup((f) => void f.addPayment({ status: 'succeeded', amount: 500, created: NOW - 60 }));
    await user.click(screen.getByRole('button', { name: 'Catalogue' }));
    const editor = await screen.findByTestId('catalog-editor');

    await user.type(within(editor).getByLabelText('Name'), 'Corner Deli');
    await user.click(within(editor).getByRole('button', { name: 'Save store' }));
    await waitFor(() => expect(fake.callsOf('admin_put_store')).toHaveLength(1));
    expect(fake.callsOf('admin_put_store')[0].args?.store).toMatchObject({ name: 'Corner Deli', currency: 'usd', rounding: 'half_up' });

    const rate = within(editor).getByRole('form', { name: 'Tax rate' });
    await user.type(within(rate).getByLabelText('Rate id'), 'sales');
    await user.type(within(rate).getByLabelText('Rate name'), 'Sales tax');
    await user.type(within(rate).getByLabelText('Rate %'), '8.25');
    await user.click(within(rate).getByLabelText('Prices include it'));
    await user.click(within(rate).getByRole('button', { name: 'Save tax rate' }));
    await waitFor(() =>
      expect(fake.callsOf('admin_put_tax_rate').map((c) => c.args)).toEqual([
        { id: 'sales', rate: { name: 'Sales tax', basis_points: 825, inclusive: false } },
      ]),
    );
    expect(await within(editor).findByRole('cell', { name: '8.25%' })).toBeInTheDocument();

    const product = within(editor).getByRole('form', { name: 'Product' });
    await user.type(within(product).getByLabelText('SKU'), 'pickles');
    await user.type(within(product).getByLabelText('Product name'), 'Pickles');
    await user.type(within(product).getByLabelText('Price'), '3.99');
    await user.type(within(product).getByLabelText('Barcodes'), '4006381333931');
    await user.selectOptions(within(product).getByLabelText('Tax'), 'sales');
    await user.click(within(product).getByRole('button', { name: 'Save product' }));
    await waitFor(() => expect(fake.callsOf('admin_put_product')).toHaveLength(1));
    expect(fake.callsOf('admin_put_product')[0].args).toEqual({
      sku: 'pickles',
      product: { name: 'Pickles', price: 399, barcodes: ['4006381333931'], category: null, tax_rate: 'sales', active: true },
    });
    expect(await within(editor).findByRole('cell', { name: '$3.99' })).toBeInTheDocument();

    const csv = 'sku,name,price,barcode,category,tax\nolives,Olives,450,,Jars,sales\nfeta,Feta,abc,,Cheese,\nbrie,Brie,600,,Cheese,vat\n';
    await user.upload(within(editor).getByLabelText('CSV file'), new File([csv], 'deli.csv', { type: 'text/csv' }));
    const problems = await within(editor).findByTestId('import-problems');
    expect(problems).toHaveTextContent('2 rows of deli.csv are wrong; nothing was imported.');
    const rows = within(problems).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').slice(0, 2).map((c) => c.textContent));
    expect(rows).toEqual([['3', 'price'], ['4', 'tax']]);
    expect(within(editor).getByRole('heading', { name: 'Products (1)' })).toBeInTheDocument();

    await user.upload(within(editor).getByLabelText('CSV file'), new File([csv.split('\n').slice(0, 2).join('\n')], 'good.csv', { type: 'text/csv' }));
    expect(await within(editor).findByTestId('import-result')).toHaveTextContent('Imported good.csv: 1 new, 0 updated.');
    expect(await within(editor).findByRole('heading', { name: 'Products (2)' })).toBeInTheDocument();
  });
});

describe('reprint', () => {
  it('prints a paid sale’s receipt again on the till’s receipt printer, without opening the drawer', async () => {
    const fake = installFakeTill({ info: { view: 'admin', receipt_printer: '10.0.0.5:9100' } });
    const id = fake.addPayment({ status: 'succeeded', amount: 1200, created: NOW - 60 });
    const user = userEvent.setup();
    render(<AdminScreen info={fake.info} />);
    await screen.findByTestId('payments-table');
    await user.click(row(id));
    const drawer = await screen.findByTestId('payment-detail');
    await user.click(await within(drawer).findByTestId('reprint'));
    expect(await within(drawer).findByText('Receipt printed on 10.0.0.5:9100')).toBeInTheDocument();
    expect(fake.callsOf('print_receipt').map((c) => c.args)).toEqual([{ orderId: id, reprint: true }]);
  });
});

describe('card readers', () => {
  it('shows how a card-present payment’s card was read, and a typed card as not present', async () => {
    let tapped = '';
    let typed = '';
    const { user } = await setup((f) => {
      tapped = f.addPayment({ status: 'succeeded', card_brand: 'mastercard', card_last4: '4444', card_read_method: 'contactless_emv' });
      typed = f.addPayment({ status: 'succeeded' });
    });

    await user.click(row(tapped));
    const drawer = await screen.findByTestId('payment-detail');
    expect(drawer).toHaveTextContent('Mastercard •••• 4444');
    expect(drawer).toHaveTextContent('Contactless (card reader)');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('payment-detail')).toBeNull());
    await user.click(row(typed));
    expect(await screen.findByTestId('payment-detail')).toHaveTextContent('Typed in (card not present)');
  });

  it('lists the till’s readers with their status and what each is doing', async () => {
    const fake = installFakeTill({
      info: { view: 'admin' },
      readers: [
        { reader_id: 'tmr_a', label: 'Front', terminal: 'till-1', device_type: 'simulated_wisepos_e', status: 'online', action: null, simulated: true },
        {
          reader_id: 'tmr_b', label: 'Back', terminal: 'till-1', device_type: 'bbpos_wisepos_e', status: 'offline', simulated: false,
          action: { kind: 'process_payment_intent', status: 'failed', payment_intent_id: 'pi_1', failure_code: 'card_declined', failure_message: 'Your card was declined.' },
        },
      ],
    });
    render(<AdminScreen info={fake.info} />);

    const panel = await screen.findByTestId('readers-panel');
    await within(panel).findByText('Front');
    const items = within(panel).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Online');
    expect(items[0]).toHaveTextContent('Simulated reader');
    expect(items[0]).toHaveTextContent('Idle');
    expect(items[1]).toHaveTextContent('Offline');
    expect(items[1]).toHaveTextContent('Payment failed: Your card was declined.');
  });
});
