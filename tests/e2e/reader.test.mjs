// Card-present sales through the real window (demo mode: the sidecar registers one simulated reader, "Reader 1",
// for this till): the card step starts on the reader, "Simulate tap" plays the customer's tap through Stripe's
// test helper, and the sale is paid and fulfilled once by the webhook; a declined tap shows its reason and "Try
// again" pays; "Cancel" frees the reader (the simulator's reader has no action left) and the sale stays open.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { session, norm } from './lib/steps.mjs';
import { WAIT, READER_STEP, button, item, text, waitShown, click, cart, dbUntil, waitPaid, simApi } from './lib/ui.mjs';

const tab = (name) => `//button[@role="tab"][normalize-space()="${name}"]`;

async function startSale(b, name) {
  await waitShown(b, item(name), `the quick item "${name}"`, 30_000);
  await b.waitUntil(async () => (await cart(b)).lines.length === 0, { timeout: WAIT, timeoutMsg: 'the sale did not start empty' });
  await click(b, item(name), name);
  await b.waitUntil(async () => (await cart(b)).lines.length === 1, { timeout: WAIT, timeoutMsg: `${name} did not reach the cart` });
  await b.waitUntil(async () => b.$('.charge-button').isEnabled(), { timeout: WAIT, timeoutMsg: 'Charge stayed disabled' });
  await click(b, '.charge-button', 'Charge');
  await waitShown(b, READER_STEP, 'the card reader step');
  await waitShown(b, '.reader-present', '"Present card on Reader 1"', WAIT);
}

/** The simulated reader as Stripe (the simulator) has it. */
async function simReader(h) {
  const list = await simApi(h, 'GET', '/v1/terminal/readers?limit=10');
  assert.equal(list.data.length, 1, `one reader registered by the demo: ${JSON.stringify(list)}`);
  return list.data[0];
}

describe('card-present sales on the simulated reader through the real window', () => {
  const s = session('reader');
  const paid = {};

  s.step('1. Charge: the card step starts on Reader 1, waiting for the card, with the cart on the reader', WAIT * 2, async (h) => {
    const b = h.browser;
    await startSale(b, 'Espresso');
    assert.equal(await b.$(tab('Card reader')).getAttribute('aria-selected'), 'true');
    assert.equal(norm(await text(b, '.reader-title')), 'Present card on Reader 1');
    assert.equal(norm(await text(b, '.reader-amount')), '$ 2.50');
    await h.shot('present card on reader 1');
    const reader = await simReader(h);
    assert.equal(reader.device_type, 'simulated_wisepos_e');
    assert.equal(reader.action?.type, 'process_payment_intent');
    assert.equal(reader.action?.status, 'in_progress');
  });

  s.step('2. "Simulate tap": Paid, fulfilled exactly once, and the card read contactless', WAIT * 2, async (h) => {
    const b = h.browser;
    await click(b, button('Simulate tap'), 'Simulate tap');
    const r = await waitPaid(h);
    Object.assign(paid, r);
    assert.equal(r.paidBy, 'Visa •••• 4242 · Contactless', 'the receipt says how the reader read the card');
    assert.equal(r.total, '$ 2.50');
    await h.shot('paid on the reader');
    const rows = await dbUntil(h, 'the fulfilment', 'SELECT COUNT(*) AS n FROM fulfilments WHERE order_id = ?', [r.orderId], (rs) => rs[0]?.n === 1);
    assert.equal(rows[0].n, 1);
    const card = await dbUntil(h, 'the card read method', 'SELECT card_read_method FROM orders WHERE id = ?', [r.orderId], (rs) => rs[0]?.card_read_method);
    assert.equal(card[0].card_read_method, 'contactless_emv');
    const reader = await simReader(h);
    assert.equal(reader.action?.status, 'succeeded');
    // The reader's own event reached the till through the feed, recorded for this sale.
    await dbUntil(h, 'the reader event', "SELECT outcome FROM applied_events WHERE type = 'terminal.reader.action_succeeded' AND order_id = ?", [r.orderId], (rs) => rs.length === 1);
  });

  s.step('3. a declined card: the reason, then "Try again" and a tap pays', WAIT * 3, async (h) => {
    const b = h.browser;
    await click(b, button('New sale'), 'New sale');
    await startSale(b, 'Croissant');
    await click(b, button('Simulate declined card'), 'Simulate declined card');
    await waitShown(b, '.reader-pay .declined-message', 'the decline message');
    assert.equal(norm(await text(b, '.reader-pay .declined-message')), 'Your card was declined.');
    await h.shot('declined on the reader');
    await click(b, button('Try again'), 'Try again');
    await waitShown(b, '.reader-present', 'the reader waiting again');
    await click(b, button('Simulate tap'), 'Simulate tap');
    const r = await waitPaid(h);
    assert.equal(r.total, '$ 2.90');
    await dbUntil(h, 'one fulfilment', 'SELECT COUNT(*) AS n FROM fulfilments WHERE order_id = ?', [r.orderId], (rs) => rs[0]?.n === 1);
  });

  s.step('4. Cancel: the reader is freed and the sale stays open, to pay another way', WAIT * 2, async (h) => {
    const b = h.browser;
    await click(b, button('New sale'), 'New sale');
    await startSale(b, 'Espresso');
    await click(b, '//div[contains(@class,"reader-pay")]//button[normalize-space()="Cancel"]', 'Cancel');
    await waitShown(b, '.reader-stopped', 'the stopped reader');
    assert.match(norm(await text(b, '.reader-stopped p')), /^The payment on Reader 1 was cancelled\.$/);
    await h.shot('cancelled on the reader');
    const reader = await simReader(h);
    assert.equal(reader.action, null, 'the reader has no action left');
    const [order] = h.sql("SELECT status FROM orders ORDER BY created DESC LIMIT 1");
    assert.equal(order.status, 'awaiting_payment');
    await click(b, button('Try again on Reader 1'), 'Try again on Reader 1');
    await waitShown(b, '.reader-present', 'the reader waiting again');
    await click(b, button('Simulate tap'), 'Simulate tap');
    await waitPaid(h);
  });
});
