// The admin screen through the real window (the cashier's "Admin" button and the PIN; demo mode): a card sale
// shows up succeeded and fulfilled; the table follows changes live (an intent paid, another canceled, at the
// simulator, with the admin screen open and nobody touching it); a partial refund with its confirmation reaches
// the simulator and comes back through the feed as charge.refunded; the CSV export matches the table.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Key } from 'webdriverio';
import { until } from './lib/harness.mjs';
import { session, norm } from './lib/steps.mjs';
import { WAIT, button, waitShown, click, cashierSale, dbUntil, simApi } from './lib/ui.mjs';

const TABLE = '[data-testid="payments-table"]';
const row = (orderId) => `${TABLE} tr[data-order-id="${orderId}"]`;
const pinKey = (digit) => `//div[@data-testid="pin-pad"]//button[contains(@class,"pin-key") and normalize-space()="${digit}"]`;

/** Header "Admin" → the PIN pad → 1234 → Unlock → the payments table. */
async function openAdmin(h, { shot = false } = {}) {
  const b = h.browser;
  await click(b, '//header//button[normalize-space()="Admin"]', 'the header\'s Admin button');
  await waitShown(b, '[data-testid="pin-pad"]', 'the admin PIN pad', 5_000);
  assert.equal(norm(await b.$('#pin-title').getText()), 'Admin');
  for (const d of '1234') await click(b, pinKey(d), `PIN key ${d}`);
  await b.waitUntil(async () => norm(await b.$('.pin-display').getText()) === '●●●●', { timeout: 5_000, timeoutMsg: 'the PIN pad does not show 4 digits' });
  if (shot) await h.shot('admin pin pad');
  await click(b, '//div[@data-testid="pin-pad"]//button[normalize-space()="Unlock"]', 'Unlock');
  await waitShown(b, TABLE, 'the payments table');
  await b.$('[data-testid="pin-pad"]').waitForExist({ reverse: true, timeout: 5_000, timeoutMsg: 'the PIN pad stayed open' });
}

/** "← Back to till": the till starts a new sale there (a paid or canceled order is no longer the current one). */
async function backToTill(b) {
  await click(b, button('← Back to till'), '← Back to till');
  await waitShown(b, '.item-button', 'the till', 30_000);
  if (await b.$(button('New sale')).isDisplayed().catch(() => false)) await click(b, button('New sale'), 'New sale');
}

/** Every row of the payments table as shown: id, status attribute, badge, amount, refund note, fulfilment, card. */
async function tableRows(b) {
  return b.execute((sel) =>
    Array.from(document.querySelectorAll(`${sel} tbody tr[data-order-id]`)).map((tr) => {
      const td = tr.querySelectorAll('td');
      return {
        orderId: tr.getAttribute('data-order-id'),
        status: tr.getAttribute('data-row-status'),
        badge: tr.querySelector('[data-status]')?.getAttribute('data-status') ?? null,
        orderCell: td[0]?.textContent ?? '',
        terminal: td[1]?.textContent ?? '',
        amount: td[2]?.querySelector('span')?.textContent ?? '',
        refundNote: td[2]?.querySelector('.refund-note')?.textContent ?? '',
        fulfilment: td[4]?.textContent ?? '',
        card: td[5]?.textContent ?? '',
      };
    }),
  TABLE).then((rows) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? v : norm(v)]))));
}

/** Waits, touching nothing, until the row of `orderId` satisfies `check`; returns it. */
async function waitRow(b, orderId, what, check, timeout = WAIT) {
  let last;
  await b.waitUntil(async () => {
    last = (await tableRows(b)).find((r) => r.orderId === orderId);
    return last && check(last);
  }, { timeout, interval: 200 }).catch(() => {
    throw new Error(`${what} (row ${orderId}) not within ${timeout / 1000} s; last seen: ${JSON.stringify(last)}`);
  });
  return last;
}

/** "$ 5.40" → 540 (the demo's currency is USD). */
function minor(text) {
  const m = /^\$ (\d+)\.(\d\d)$/.exec(norm(text));
  if (!m) throw new Error(`not a USD amount: "${text}"`);
  return Number(m[1]) * 100 + Number(m[2]);
}

/** A small CSV reader (quoted fields, doubled quotes): the header's names → each row as an object. */
function parseCsv(text) {
  const records = [];
  let field = '';
  let rec = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      rec.push(field);
      records.push(rec);
      rec = [];
      field = '';
    } else field += c;
  }
  if (field || rec.length) {
    rec.push(field);
    records.push(rec);
  }
  const [header, ...rows] = records;
  return { header, rows: rows.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i]]))) };
}

/** The order that is waiting for a card (the till's current sale), from till.sqlite3. */
async function awaitingOrder(h) {
  const [order] = await dbUntil(
    h,
    'an order awaiting payment with an intent',
    "SELECT * FROM orders WHERE status = 'awaiting_payment' AND payment_intent_id IS NOT NULL ORDER BY created DESC LIMIT 1",
    [],
    (r) => r.length === 1,
  );
  return { orderId: order.id, paymentIntent: order.payment_intent_id };
}

describe('the admin screen through the real window', () => {
  const s = session('admin');
  const paid = {};
  const live = {};
  const gone = {};

  s.step('1. a cashier sale: Espresso + Croissant, card 4242 → Paid', WAIT * 4, async (h) => {
    const r = await cashierSale(h, ['Espresso', 'Croissant'], '4242 4242 4242 4242', 'sale');
    assert.equal(r.paidBy, 'Visa •••• 4242');
    assert.equal(r.total, '$ 5.40');
    Object.assign(paid, r);
  });

  s.step('2. Admin + PIN 1234: the payment is in the table, succeeded and fulfilled', WAIT * 2, async (h) => {
    const b = h.browser;
    await openAdmin(h, { shot: true });
    const r = await waitRow(b, paid.orderId, 'the paid order in the table', (x) => x.status === 'succeeded');
    assert.deepEqual(
      { badge: r.badge, orderCell: r.orderCell, terminal: r.terminal, amount: r.amount, fulfilment: r.fulfilment, card: r.card, refundNote: r.refundNote },
      { badge: 'succeeded', orderCell: paid.orderId, terminal: 'till', amount: '$ 5.40', fulfilment: '✓ Fulfilled', card: 'Visa ••4242', refundNote: '' },
    );
    // End of day: what the day took so far.
    await waitShown(b, '[data-testid="end-of-day"]', 'the end-of-day panel');
    await b.waitUntil(async () => norm(await b.$('[data-testid="eod-net-usd"]').getText()) === '$ 5.40', {
      timeout: WAIT,
      timeoutMsg: 'the end-of-day net is not the $ 5.40 taken',
    });
    await h.shot('admin table');
  });

  s.step('3. live: a sale left at the card form shows "Awaiting card"; paid at the simulator, its row turns succeeded and fulfilled by itself', WAIT * 5, async (h) => {
    const b = h.browser;
    await backToTill(b);
    await cashierSale(h, ['Orange juice']); // stops at the card form: the intent waits for a card
    Object.assign(live, await awaitingOrder(h));
    await openAdmin(h);
    const r = await waitRow(b, live.orderId, 'the sale waiting for a card', (x) => x.status === 'requires_payment_method');
    assert.equal(r.badge, 'requires_payment_method');
    assert.equal(r.amount, '$ 4.20');
    assert.equal(r.fulfilment, 'Not fulfilled');
    await h.shot('admin awaiting card');
    // No reload and no click from here on: the change must come in through the feed.
    await b.execute(() => {
      window.__e2eMarker = 'no reload';
    });
    const intent = await simApi(h, 'POST', `/v1/payment_intents/${live.paymentIntent}/confirm`, {
      payment_method: 'pm_card_visa',
      return_url: 'https://example.invalid/return',
    });
    assert.equal(intent.status, 'succeeded', `the simulator confirmed the intent: ${intent.status}`);
    const after = await waitRow(b, live.orderId, 'the row turning succeeded and fulfilled', (x) => x.status === 'succeeded' && x.fulfilment === '✓ Fulfilled');
    assert.equal(after.badge, 'succeeded');
    assert.equal(after.card, 'Visa ••4242');
    assert.equal(await b.execute(() => window.__e2eMarker), 'no reload', 'the admin page was reloaded');
    await h.shot('admin live succeeded');
    const [order] = h.sql('SELECT status FROM orders WHERE id = ?', [live.orderId]);
    assert.equal(order.status, 'paid');
  });

  s.step('4. live: another sale at the card form, canceled at the simulator: its row turns canceled by itself', WAIT * 5, async (h) => {
    const b = h.browser;
    await backToTill(b);
    await cashierSale(h, ['Cookie']);
    Object.assign(gone, await awaitingOrder(h));
    assert.notEqual(gone.orderId, live.orderId);
    await openAdmin(h);
    await waitRow(b, gone.orderId, 'the sale waiting for a card', (x) => x.status === 'requires_payment_method');
    await b.execute(() => {
      window.__e2eMarker = 'no reload';
    });
    const intent = await simApi(h, 'POST', `/v1/payment_intents/${gone.paymentIntent}/cancel`, { cancellation_reason: 'abandoned' });
    assert.equal(intent.status, 'canceled');
    const after = await waitRow(b, gone.orderId, 'the row turning canceled', (x) => x.status === 'canceled');
    assert.equal(after.badge, 'canceled');
    assert.equal(after.fulfilment, 'Not fulfilled');
    assert.equal(await b.execute(() => window.__e2eMarker), 'no reload', 'the admin page was reloaded');
    await h.shot('admin live canceled');
  });

  s.step('5. the paid payment\'s detail: timeline (payment_intent.succeeded), fulfilment', WAIT, async (h) => {
    const b = h.browser;
    await click(b, `${row(paid.orderId)} td.mono`, 'the paid order\'s row');
    await waitShown(b, '[data-testid="payment-detail"]', 'the payment detail');
    await waitShown(b, '[data-testid="timeline"]', 'the event timeline');
    const detail = norm(await b.$('[data-testid="payment-detail"]').getText());
    assert.ok(detail.includes(paid.paymentIntent), `the detail names the PaymentIntent: ${detail}`);
    const timeline = norm(await b.$('[data-testid="timeline"]').getText());
    assert.match(timeline, /payment_intent\.succeeded/, timeline);
    const fulfilment = await b.execute(() =>
      Object.fromEntries(
        Array.from(document.querySelectorAll('[data-testid="fulfilment"] > div')).map((d) => [d.querySelector('dt')?.textContent, d.querySelector('dd')?.textContent]),
      ),
    );
    assert.equal(norm(fulfilment.Amount), '$ 5.40', JSON.stringify(fulfilment));
    assert.equal(norm(fulfilment.PaymentIntent), paid.paymentIntent, JSON.stringify(fulfilment));
    assert.match(norm(fulfilment['By event']), /^evt_/, JSON.stringify(fulfilment));
    await h.shot('payment detail');
  });

  s.step('6. partial refund of $ 1.00 with confirmation; the simulator\'s charge has amount_refunded 100', WAIT * 2, async (h) => {
    const b = h.browser;
    await click(b, '[data-testid="refund"]', 'Refund…');
    await waitShown(b, '[data-testid="refund-dialog"]', 'the refund dialog');
    assert.equal(norm(await b.$('[data-testid="refund-max"]').getText()), '$ 5.40');
    assert.equal(norm(await b.$('[data-testid="confirm-refund"]').getText()), 'Refund $ 5.40');
    await click(b, '//div[@data-testid="refund-dialog"]//label[contains(normalize-space(), "Partial amount")]', 'Partial amount');
    const input = await waitShown(b, '[data-testid="refund-amount"]', 'the refund amount');
    assert.equal(await input.getValue(), '5.40', 'the amount starts at what can be refunded');
    await input.click();
    // As a person would: select what is there and type over it (WebDriver's Element Clear would blur the input).
    await b.keys([Key.Ctrl, 'a']);
    // One key per action sequence (WebKitWebDriver drops a key repeated within one).
    for (const ch of '1.00') await b.keys(ch);
    await b.waitUntil(async () => (await input.getValue()) === '1.00', { timeout: 5_000, timeoutMsg: 'the refund amount did not become 1.00' });
    await b.waitUntil(async () => norm(await b.$('[data-testid="confirm-refund"]').getText()) === 'Refund $ 1.00', {
      timeout: 5_000,
      timeoutMsg: 'the confirm button does not say "Refund $ 1.00"',
    });
    await h.shot('refund dialog');
    await click(b, '[data-testid="confirm-refund"]', 'Refund $ 1.00');
    await b.$('[data-testid="refund-dialog"]').waitForExist({ reverse: true, timeout: WAIT, timeoutMsg: 'the refund dialog stayed open' });
    await b.waitUntil(async () => norm(await b.$('.detail-summary').getText()).includes('Refunded $ 1.00'), {
      timeout: WAIT,
      timeoutMsg: 'the detail does not say "Refunded $ 1.00"',
    });
    const intent = await simApi(h, 'GET', `/v1/payment_intents/${paid.paymentIntent}?expand[]=latest_charge`);
    assert.equal(typeof intent.latest_charge, 'object', 'latest_charge expanded');
    assert.equal(intent.latest_charge.amount_refunded, 100, `the charge at the simulator: ${JSON.stringify(intent.latest_charge).slice(0, 400)}`);
    assert.equal(intent.latest_charge.refunded, false, 'a partial refund leaves the charge not fully refunded');
    assert.equal(intent.status, 'succeeded');
  });

  s.step('7. charge.refunded arrives through the feed: on the timeline, in the table row and in till.sqlite3', WAIT * 2, async (h) => {
    const b = h.browser;
    await b.waitUntil(async () => norm(await b.$('[data-testid="timeline"]').getText()).includes('charge.refunded'), {
      timeout: WAIT * 1.5,
      timeoutMsg: 'charge.refunded did not reach the timeline',
    });
    await h.shot('timeline with charge.refunded');
    const events = h.sql('SELECT type, outcome FROM applied_events WHERE order_id = ? ORDER BY seq', [paid.orderId]);
    assert.ok(events.some((e) => e.type === 'charge.refunded'), JSON.stringify(events));
    const [order] = h.sql('SELECT amount_refunded, status FROM orders WHERE id = ?', [paid.orderId]);
    assert.deepEqual(order, { amount_refunded: 100, status: 'paid' });
    await click(b, '//button[@aria-label="Close payment details"]', 'close the detail');
    await b.$('[data-testid="payment-detail"]').waitForExist({ reverse: true, timeout: 5_000, timeoutMsg: 'the detail stayed open' });
    const r = await waitRow(b, paid.orderId, 'the refund in the table', (x) => x.refundNote === '−$ 1.00 refunded');
    assert.equal(r.status, 'succeeded');
    await waitShown(b, '[data-testid="eod-net-usd"]', 'the end-of-day net');
    // Paid today: 5.40 + 4.20 succeeded, 1.00 refunded.
    await b.waitUntil(async () => norm(await b.$('[data-testid="eod-net-usd"]').getText()) === '$ 8.60', {
      timeout: WAIT,
      timeoutMsg: 'the end-of-day net is not $ 8.60 (5.40 + 4.20 − 1.00)',
    });
    await h.shot('end of day');
  });

  s.step('8. Export CSV: the file at the path shown has the table\'s rows (ids, statuses, amounts, refunds) in its order', WAIT, async (h) => {
    const b = h.browser;
    const shown = await tableRows(b);
    assert.ok(shown.length >= 3, `the table has the three orders: ${JSON.stringify(shown)}`);
    await click(b, '[data-testid="export-csv"]', 'Export CSV');
    const result = await waitShown(b, '[data-testid="export-result"]', 'the export result');
    const message = norm(await result.getText());
    const m = /^✓ Saved (\d+) rows? to (.+)$/.exec(message);
    assert.ok(m, `the export result: "${message}"`);
    const file = m[2];
    assert.ok(path.isAbsolute(file) && fs.existsSync(file), `the exported file exists: ${file}`);
    const exportsDir = path.join(h.dataDir, 'exports');
    const newest = fs
      .readdirSync(exportsDir)
      .map((f) => path.join(exportsDir, f))
      .sort((a, z) => fs.statSync(z).mtimeMs - fs.statSync(a).mtimeMs)[0];
    assert.equal(fs.realpathSync(file), fs.realpathSync(newest), 'the path shown is the newest file in KASSA_DATA_DIR/exports');
    const csv = parseCsv(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(csv.header, [
      'order_id', 'terminal', 'amount', 'currency', 'status', 'fulfilment', 'payment_intent_id', 'card_brand', 'card_last4', 'amount_refunded', 'created',
    ]);
    assert.equal(csv.rows.length, Number(m[1]), 'the row count shown is the file\'s');
    assert.equal(csv.rows.length, shown.length, 'as many rows as the table (one page, no filters)');
    const fromCsv = csv.rows.map((r) => ({
      orderId: r.order_id,
      status: r.status,
      amount: Number(r.amount),
      refunded: Number(r.amount_refunded),
      fulfilled: r.fulfilment === 'fulfilled',
      terminal: r.terminal,
      currency: r.currency,
    }));
    const fromTable = shown.map((r) => ({
      orderId: r.orderId,
      status: r.status,
      amount: minor(r.amount),
      refunded: r.refundNote ? minor(r.refundNote.replace(/^−/, '').replace(/ refunded$/, '')) : 0,
      fulfilled: r.fulfilment === '✓ Fulfilled',
      terminal: r.terminal,
      currency: 'usd',
    }));
    assert.deepEqual(fromCsv, fromTable, 'the CSV and the table disagree');
    // And the three orders of this test are there as they should be.
    const byId = Object.fromEntries(csv.rows.map((r) => [r.order_id, r]));
    assert.deepEqual([byId[paid.orderId]?.status, byId[paid.orderId]?.amount, byId[paid.orderId]?.amount_refunded, byId[paid.orderId]?.payment_intent_id], ['succeeded', '540', '100', paid.paymentIntent]);
    assert.deepEqual([byId[live.orderId]?.status, byId[live.orderId]?.fulfilment], ['succeeded', 'fulfilled']);
    assert.deepEqual([byId[gone.orderId]?.status, byId[gone.orderId]?.fulfilment], ['canceled', 'not_fulfilled']);
  });

  s.step('9. the control for the kiosk\'s refusal: Alt+F4 (real X key press) closes this (cashier) window; the app and its demo backend exit', 40_000, async (h) => {
    assert.equal(h.appProcesses().length, 1);
    h.appExited = true;
    h.xkey(['Alt_L', 'F4']);
    await until(15_000, 'the app exits on Alt+F4', () => h.appProcesses().length === 0, 200);
    await until(10_000, 'the demo backend exits with the app', () => h.backendProcesses().length === 0, 200);
  });

  s.closeApp();
});
