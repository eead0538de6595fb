// UI helpers shared by the e2e tests: bounded waits and clicks, the Payment Element's iframe (typing a card
// into it), the till's database polled until it agrees, and the demo simulator's API.
import assert from 'node:assert/strict';
import { until } from './harness.mjs';
import { norm } from './steps.mjs';

/** The backend's payment page, framed by the till; Stripe.js and the Payment Element run inside it. */
export const PAY_FRAME = 'iframe.pay-frame';
/** The Payment Element's own iframe, inside the payment page. */
export const FORM_FRAME = 'iframe[title="Secure payment input frame"]';
export const WAIT = 20_000; // the longest any single thing may take (payment confirmation included)

export const item = (name) => `//button[contains(@class,"item-button")][.//span[@class="item-name" and normalize-space()="${name}"]]`;
export const button = (text) => `//button[starts-with(normalize-space(), "${text}")]`;

export async function text(b, selector) {
  return norm(await b.$(selector).getText());
}

export async function waitShown(b, selector, what, timeout = WAIT) {
  const el = b.$(selector);
  await el.waitForDisplayed({ timeout, timeoutMsg: `${what} (${selector}) not shown within ${timeout / 1000} s` });
  return el;
}

export async function click(b, selector, what, timeout = WAIT) {
  const el = await waitShown(b, selector, what, timeout);
  await el.waitForEnabled({ timeout, timeoutMsg: `${what} (${selector}) not enabled within ${timeout / 1000} s` });
  await el.click();
  return el;
}

/** Cart lines as "name × qty amount" strings, and the total. */
export async function cart(b) {
  const lines = await b.execute(() =>
    Array.from(document.querySelectorAll('.cart-line')).map((li) => ({
      name: li.querySelector('.line-name')?.textContent ?? '',
      qty: (li.querySelector('.qty-value, .line-qty-static')?.textContent ?? '').replace(/[^0-9]/g, ''),
      amount: li.querySelector('.line-amount')?.textContent ?? '',
    })),
  );
  const total = await b.execute(() => document.querySelector('[data-testid="cart-total"]')?.textContent ?? '');
  return { lines: lines.map((l) => ({ name: norm(l.name), qty: Number(l.qty), amount: norm(l.amount) })), total: norm(total) };
}

/** Switches into the one displayed frame matching `selector` in the current browsing context. */
async function enterOne(b, selector, what) {
  const frames = [];
  for (const f of await b.$$(selector)) if (await f.isDisplayed()) frames.push(f);
  if (frames.length !== 1) throw new Error(`${frames.length} displayed ${what}`);
  await b.switchFrame(frames[0]);
}

/**
 * Switches into the (one, displayed) Payment Element iframe, inside the payment page's frame. The elements are
 * looked up afresh on each try: the Payment Element may replace its iframe while it mounts, and a stale reference
 * fails with "Invalid frame ID".
 */
export async function enterFormFrame(b) {
  let last;
  await b.waitUntil(async () => {
    try {
      await b.switchFrame(null);
      await enterOne(b, PAY_FRAME, 'payment page frames');
      await enterOne(b, FORM_FRAME, 'Payment Element iframes');
      return true;
    } catch (e) {
      last = e;
      await b.switchFrame(null).catch(() => {});
      return false;
    }
  }, { timeout: WAIT, interval: 250, timeoutMsg: 'could not switch into the Payment Element iframe in the payment page' }).catch((e) => {
    throw new Error(`${e.message}${last ? ` (last error: ${last.message})` : ''}`);
  });
}

/** The card step of a till with a card reader (the demo has a simulated one) starts on the reader. */
export const READER_STEP = '.reader-pay';

/**
 * Waits for the card step, and when it started on the card reader, switches to typing the card: the cashier's
 * "Type card" tab, or the kiosk's "Enter card details on the screen instead".
 */
export async function chooseTypedCard(b) {
  await b.waitUntil(async () => (await b.$(PAY_FRAME).isDisplayed().catch(() => false)) || (await b.$(READER_STEP).isDisplayed().catch(() => false)), {
    timeout: WAIT,
    timeoutMsg: 'neither the card form nor the card reader step appeared',
  });
  if (await b.$(PAY_FRAME).isDisplayed().catch(() => false)) return;
  const tab = '//button[@role="tab"][normalize-space()="Type card"]';
  const kiosk = button('Enter card details on the screen instead');
  if (await b.$(tab).isExisting()) await click(b, tab, 'Type card');
  else await click(b, kiosk, 'Enter card details on the screen instead');
  await waitShown(b, PAY_FRAME, 'the payment page frame');
}

/** Types a card into the Payment Element's iframe, checks what the form made of it, and comes back out. */
export async function typeCard(h, number, { expiry = '1234', cvc = '123', postal = '12345' } = {}) {
  const b = h.browser;
  await chooseTypedCard(b);
  await waitShown(b, PAY_FRAME, 'the payment page frame');
  // The card form is ready when the Pay button is enabled (the payment page said "ready").
  await b.$('#pay-form button[type="submit"]').waitForEnabled({ timeout: WAIT, timeoutMsg: 'the Pay button never became enabled (card form not ready)' });
  await enterFormFrame(b);
  try {
    await b.$('#number').waitForDisplayed({ timeout: WAIT, timeoutMsg: 'the card number input (#number) not shown in the iframe' });
    const fields = { number, expiry, cvc, postal };
    // WebKit does not let WebDriver focus an input of a cross-origin iframe programmatically ("Element is not
    // focusable" from setValue), so: a real click on the input, then key actions to whatever has the focus.
    for (const [id, value] of Object.entries(fields)) {
      const input = b.$(`#${id}`);
      await input.click();
      await b.waitUntil(() => b.execute((want) => document.activeElement?.id === want, id), {
        timeout: 5_000,
        timeoutMsg: `clicking #${id} in the card form did not focus it`,
      });
      // One key per action sequence: WebKitWebDriver drops a repeated key inside one sequence ("0000" → "0").
      for (const ch of value) await b.keys(ch);
    }
    const got = {};
    for (const id of Object.keys(fields)) got[id] = await b.$(`#${id}`).getValue();
    const digits = number.replace(/\D/g, '');
    const want = {
      number: digits.replace(/(\d{4})(?=\d)/g, '$1 '),
      expiry: `${expiry.slice(0, 2)} / ${expiry.slice(2)}`,
      cvc,
      postal,
    };
    assert.deepEqual(got, want, 'the card form did not format the typed card as expected');
    const errors = await b.execute(() => Array.from(document.querySelectorAll('.error')).map((e) => e.textContent).filter(Boolean));
    assert.deepEqual(errors, [], 'the card form shows validation errors');
  } finally {
    await b.switchFrame(null);
  }
}

/** Waits for "Paid" and the receipt; returns what the receipt shows. */
export async function waitPaid(h) {
  const b = h.browser;
  await waitShown(b, '#paid-title', 'the "Paid" banner');
  assert.equal(await text(b, '#paid-title'), 'Paid');
  await waitShown(b, 'article[aria-label="Receipt"]', 'the receipt');
  const meta = await b.execute(() => {
    const out = {};
    for (const div of document.querySelectorAll('.receipt-meta > div')) {
      out[div.querySelector('dt')?.textContent ?? ''] = div.querySelector('dd')?.textContent ?? '';
    }
    return out;
  });
  return {
    paidBy: norm(meta['Paid by']),
    paymentIntent: norm(meta.Payment),
    orderId: norm(meta.Order),
    banner: norm(await b.$('.paid-banner [role="status"]').getText()),
    total: norm(await b.$('.receipt-lines tfoot td').getText()),
  };
}

/** What the receipt's meta list says ("Paid by", "Payment", "Order", …), as text. */
export async function receiptMeta(b) {
  const meta = await b.execute(() => {
    const out = {};
    for (const div of document.querySelectorAll('.receipt-meta > div')) {
      out[div.querySelector('dt')?.textContent ?? ''] = div.querySelector('dd')?.textContent ?? '';
    }
    return out;
  });
  return Object.fromEntries(Object.entries(meta).map(([k, v]) => [norm(k), norm(v)]));
}

/**
 * A cashier sale from an empty cart: taps `items` (quick item names), Charge, and, with a `card`, types it and
 * pays and waits for "Paid" (returns the receipt); without one, stops at the open card form (returns {}).
 */
export async function cashierSale(h, items, card = null, shotPrefix = '') {
  const b = h.browser;
  await waitShown(b, item(items[0]), `the quick item "${items[0]}"`, 30_000);
  await b.waitUntil(async () => (await cart(b)).lines.length === 0, { timeout: WAIT, timeoutMsg: 'the sale did not start with an empty cart' });
  for (const [i, name] of items.entries()) {
    await click(b, item(name), name);
    await b.waitUntil(async () => (await cart(b)).lines.reduce((n, l) => n + l.qty, 0) === i + 1, {
      timeout: WAIT,
      timeoutMsg: `${name} did not reach the cart`,
    });
  }
  await b.waitUntil(async () => b.$('.charge-button').isEnabled(), { timeout: WAIT, timeoutMsg: 'Charge stayed disabled' });
  await click(b, '.charge-button', 'Charge');
  await chooseTypedCard(b);
  if (!card) {
    await b.$('#pay-form button[type="submit"]').waitForEnabled({ timeout: WAIT, timeoutMsg: 'the card form never became ready' });
    return {};
  }
  await typeCard(h, card);
  if (shotPrefix) await h.shot(`${shotPrefix} card typed`);
  await click(b, '#pay-form button[type="submit"]', 'Pay');
  return waitPaid(h);
}

/** Polls the till's database until `check(rows)` holds; fails with the last rows seen. */
export async function dbUntil(h, what, query, params, check) {
  let rows;
  try {
    return await until(10_000, what, () => {
      rows = h.sql(query, params);
      return check(rows) ? rows : null;
    }, 250);
  } catch (e) {
    throw new Error(`${e.message}; last rows: ${JSON.stringify(rows)}`);
  }
}

/** The simulator's API with the demo's secret key: `method` `path` (form-encoded `params`); the parsed JSON. */
export async function simApi(h, method, pathAndQuery, params = null) {
  const url = `${h.simUrl()}${pathAndQuery}`;
  const init = { method, headers: { Authorization: 'Bearer sk_test_kassa_simulated' }, signal: AbortSignal.timeout(10_000) };
  if (params) {
    init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(params).toString();
  }
  const res = await fetch(url, init);
  const body = await res.text();
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`${method} ${url}: HTTP ${res.status}, not JSON: ${body.slice(0, 200)}`);
  }
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status}: ${JSON.stringify(json).slice(0, 400)}`);
  return json;
}
