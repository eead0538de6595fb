// The Stripe.js stand-in in a real browser: a merchant page on its own origin loads the simulator's /v3,
// mounts the Payment Element through @stripe/stripe-js's loadStripe, and confirms with redirect:'if_required'.
// Run: cd tests/node && node --test sim-browser.test.mjs   (needs target/debug/stripe-sim and /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startSim, SECRET_KEY, PUBLISHABLE_KEY, LIVE_SECRET_KEY, LIVE_PUBLISHABLE_KEY } from './lib/sim.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const SHOTS = path.join(root, 'artifacts/stripejs');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FORM = 'iframe[title="Secure payment input frame"]';
const CHALLENGE = 'iframe[name="kassa-sim-challenge"]';
// Stripe.js's words (the stand-in uses them verbatim).
const LIVE_NEEDS_HTTPS = 'Live Stripe.js integrations must use HTTPS. For more information: https://stripe.com/docs/security/guide#tls';
const TEST_OVER_HTTP = 'You may test your Stripe.js integration over HTTP. However, live Stripe.js integrations must use HTTPS.';
// An https origin for the live checkout: the browser's requests to it are answered by the host server through
// Playwright's routing, so it is a secure page without a certificate, and nothing leaves the machine.
const HTTPS_HOST = 'https://kassa.test';

let sim, liveSim, host, hostUrl, browser, bundle;
const intents = []; // every intent the merchant server created, newest last

/** Which simulator, with which keys: `?mode=live` on the host's URLs picks the one started with --live. */
const mode = (name) => (name === 'live'
  ? { sim: liveSim, secretKey: LIVE_SECRET_KEY, pk: LIVE_PUBLISHABLE_KEY }
  : { sim, secretKey: SECRET_KEY, pk: PUBLISHABLE_KEY });

async function simApi(method, apiPath, form, { sim: target, secretKey } = mode('test')) {
  const headers = { Authorization: `Bearer ${secretKey}` };
  if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(target.url + apiPath, { method, headers, body: form });
  return { status: res.status, body: await res.json() };
}

function page(theme, { sim, pk } = mode('test')) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kassa checkout</title>
<style>
  body { margin: 0; padding: 48px 16px; font-family: -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif;
         background: ${theme === 'night' ? '#1a1b25' : '#f6f9fc'}; color: ${theme === 'night' ? '#fff' : '#1a1f36'}; }
  .card { max-width: 420px; margin: 0 auto; padding: 28px; border-radius: 12px;
          background: ${theme === 'night' ? '#30313d' : '#fff'}; box-shadow: 0 6px 24px rgba(50, 50, 93, .12); }
  h1 { margin: 0 0 4px; font-size: 20px; } .total { margin: 0 0 20px; opacity: .75; }
  #submit { width: 100%; margin-top: 8px; padding: 12px; border: 0; border-radius: 6px; background: #635bff;
            color: #fff; font: inherit; font-weight: 600; cursor: pointer; } #submit:disabled { opacity: .6; }
  #message { margin-top: 12px; min-height: 1.2em; font-size: 14px; } .error { color: #df1b41; } .success { color: #1a7f4b; }
</style>
<script src="${sim.url}/v3"></script>
</head>
<body data-pk="${pk}" data-theme="${theme}">
  <div class="card">
    <h1>Kassa</h1><p class="total">Order total <strong id="amount"></strong></p>
    <form id="payment-form"><div id="payment-element"></div><button id="submit">Pay</button>
      <div id="message" role="alert"></div></form>
  </div>
  <script src="/checkout.js"></script>
</body></html>`;
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  sim = await startSim();
  liveSim = await startSim(['--live']);
  const built = await esbuild.build({
    entryPoints: [path.join(here, 'fixtures/checkout-entry.js')],
    bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2020', logLevel: 'silent',
  });
  bundle = built.outputFiles[0].text;
  host = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const target = mode(url.searchParams.get('mode'));
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(page(url.searchParams.get('theme') || 'stripe', target));
    }
    if (req.method === 'GET' && url.pathname === '/checkout.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      return res.end(bundle);
    }
    if (req.method === 'POST' && url.pathname === '/create-payment-intent') {
      const { status, body } = await simApi('POST', '/v1/payment_intents',
        'amount=1999&currency=usd&automatic_payment_methods[enabled]=true', target);
      if (status !== 200) { res.writeHead(500); return res.end(JSON.stringify(body)); }
      intents.push(body);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ clientSecret: body.client_secret, amount: body.amount, currency: body.currency }));
    }
    res.writeHead(404); res.end();
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${host.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (host ? host.close(resolve) : resolve()));
  await sim?.stop();
  await liveSim?.stop();
});

/** A page in a new context, recording every request, console line and warning. `live`: the host's pages, with
 *  the --live simulator's Stripe.js and keys, served at HTTPS_HOST. */
async function newPage({ live = false } = {}) {
  const context = await browser.newContext({
    viewport: { width: 560, height: 720 }, deviceScaleFactor: 1,
    // Chromium lets a page off loopback (HTTPS_HOST) reach the simulator on 127.0.0.1 only with the user's
    // consent (Local Network Access); js.stripe.com, which the simulator stands in for, needs none.
    permissions: live ? ['local-network-access'] : [],
  });
  // Should the stand-in ever fail to load, loadStripe would inject js.stripe.com: never let a test go online.
  await context.route('https://js.stripe.com/**', (route) => route.abort());
  if (live) {
    await context.route(`${HTTPS_HOST}/**`, async (route) => {
      const url = new URL(route.request().url());
      const forwarded = new URL(url.pathname + url.search, hostUrl);
      forwarded.searchParams.set('mode', 'live');
      await route.fulfill({ response: await route.fetch({ url: forwarded.href }) });
    });
  }
  const p = await context.newPage();
  const requests = [];
  const consoleLines = [];
  const warnings = [];
  p.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers(), postData: r.postData() || '' }));
  p.on('console', (m) => {
    consoleLines.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  p.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  return { page: p, context, requests, consoleLines, warnings };
}

const settled = () => window.__checkout && (window.__checkout.ready || window.__checkout.fatal || window.__checkout.loadError);

/** Opens the checkout and waits for the Payment Element's ready event. Records every request and console line. */
async function openCheckout(theme = 'stripe', { live = false } = {}) {
  const opened = await newPage({ live });
  const { page: p } = opened;
  const base = live ? HTTPS_HOST : hostUrl;
  const before = intents.length;
  await p.goto(`${base}/?theme=${theme}`);
  await p.waitForFunction(settled);
  const status = await p.evaluate(() => ({ fatal: window.__checkout.fatal, loadError: window.__checkout.loadError }));
  assert.equal(status.fatal, undefined, `checkout failed: ${status.fatal}`);
  assert.equal(status.loadError, undefined, `loaderror: ${JSON.stringify(status.loadError)}`);
  assert.equal(intents.length, before + 1);
  const intent = intents[intents.length - 1];
  return { ...opened, base, intent, form: p.frameLocator(FORM) };
}

async function typeCard(form, { number, expiry = '1234', cvc = '123', postal = '42424' }) {
  for (const [id, value] of [['number', number], ['expiry', expiry], ['cvc', cvc], ['postal', postal]]) {
    const input = form.locator(`#${id}`);
    await input.fill('');
    await input.pressSequentially(value, { delay: 5 });
  }
}

/** Clicks Pay and waits for the page's result of that attempt. */
async function pay(p, { challenge } = {}) {
  await p.click('#submit');
  if (challenge) return;
  await p.waitForFunction(() => window.__checkout.result);
  return p.evaluate(() => window.__checkout.result);
}

async function waitResult(p) {
  await p.waitForFunction(() => window.__checkout.result);
  return p.evaluate(() => window.__checkout.result);
}

const digits = (s) => s.replace(/\D/g, '');
const spaced = (n) => (n.length === 15 ? n.replace(/^(\d{4})(\d{6})(\d{5})$/, '$1 $2 $3') : n.replace(/(\d{4})(?=\d)/g, '$1 '));

/** The promises of the stand-in: no card data in the host page, no client secret in any URL, log line or storage. */
async function assertNoLeaks(ctx, cardNumbers) {
  const secret = ctx.intent.client_secret;
  const secretTail = secret.split('_secret_')[1];
  for (const r of ctx.requests) {
    assert.ok(!r.url.includes(secret) && !r.url.includes(secretTail), `client secret in a request URL: ${r.url}`);
    if (r.url.startsWith(ctx.base)) {
      for (const n of cardNumbers) assert.ok(!r.postData.includes(n), `card number sent to the merchant: ${r.url}`);
    }
  }
  for (const f of ctx.page.frames()) {
    assert.ok(!f.url().includes(secretTail), `client secret in a frame URL: ${f.url()}`);
    const stored = await f.evaluate(() => {
      // A frame denied storage (a third-party frame, as the simulator's are on the https page) holds nothing.
      const dump = (s) => { try { return JSON.stringify(Object.entries(s())); } catch { return ''; } };
      return dump(() => localStorage) + dump(() => sessionStorage) + dump(() => ({ cookie: document.cookie }));
    });
    assert.ok(!stored.includes(secretTail), `client secret in web storage of ${f.url()}`);
  }
  for (const line of ctx.consoleLines) {
    assert.ok(!line.includes(secretTail), `client secret in a console line: ${line}`);
    assert.ok(!/^pageerror|Stripe\.js@/.test(line), `unexpected console output: ${line}`);
  }
  const dom = await ctx.page.evaluate(() => document.documentElement.outerHTML + document.body.innerText);
  for (const n of cardNumbers) {
    assert.ok(!dom.includes(n) && !dom.includes(spaced(n)), `card number ${n} in the host page's DOM`);
  }
}

test('a card payment with 4242 4242 4242 4242 succeeds', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p, form } = ctx;
    await typeCard(form, { number: '4242424242424242' });
    assert.equal(await form.locator('#number').inputValue(), '4242 4242 4242 4242');
    assert.equal(await form.locator('#expiry').inputValue(), '12 / 34');
    assert.equal(await form.locator('#brands').getAttribute('data-brand'), 'visa');
    const last = await p.evaluate(() => window.__checkout.changes.at(-1));
    assert.deepEqual({ complete: last.complete, empty: last.empty, value: last.value, elementType: last.elementType },
      { complete: true, empty: false, value: { type: 'card' }, elementType: 'payment' });
    await p.screenshot({ path: path.join(SHOTS, '01-card-filled.png') });

    const result = await pay(p);
    assert.deepEqual(result.paymentIntent, { id: ctx.intent.id, status: 'succeeded' }, JSON.stringify(result));
    assert.equal(result.retrieved, 'succeeded');
    assert.equal(await p.textContent('#message'), 'Payment succeeded.');
    await p.screenshot({ path: path.join(SHOTS, '02-succeeded.png') });

    const server = await simApi('GET', `/v1/payment_intents/${ctx.intent.id}`);
    assert.equal(server.body.status, 'succeeded');

    // The wire format the Rust side relies on.
    const confirm = ctx.requests.find((r) => r.method === 'POST' && r.url === `${sim.url}/v1/payment_intents/${ctx.intent.id}/confirm`);
    assert.ok(confirm, 'the form confirmed from the simulator origin');
    assert.equal(confirm.headers.authorization, `Bearer ${PUBLISHABLE_KEY}`);
    const body = new URLSearchParams(confirm.postData);
    assert.equal(body.get('client_secret'), ctx.intent.client_secret);
    assert.equal(body.get('payment_method_data[type]'), 'card');
    assert.equal(body.get('payment_method_data[card][number]'), '4242424242424242');
    assert.equal(body.get('payment_method_data[card][exp_month]'), '12');
    assert.equal(body.get('payment_method_data[card][exp_year]'), '2034');
    assert.equal(body.get('payment_method_data[card][cvc]'), '123');
    assert.equal(body.get('payment_method_data[billing_details][address][postal_code]'), '42424');
    assert.equal(body.get('return_url'), `${hostUrl}/complete`);
    const retrieve = ctx.requests.find((r) => r.method === 'GET' && r.url === `${sim.url}/v1/payment_intents/${ctx.intent.id}`);
    assert.ok(retrieve, 'the intent was retrieved from the simulator origin');
    assert.equal(retrieve.headers['stripe-client-secret'], ctx.intent.client_secret);

    await assertNoLeaks(ctx, ['4242424242424242']);
  } finally {
    await ctx.context.close();
  }
});

test('the form validates like Stripe before any request: incomplete fields, Luhn, past expiry, amex CVC', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p, form } = ctx;
    const confirms = () => ctx.requests.filter((r) => r.url.endsWith('/confirm')).length;

    let result = await pay(p);
    assert.equal(result.error.type, 'validation_error');
    assert.equal(result.error.code, 'incomplete_number');
    assert.equal(await form.locator('#number-error').textContent(), 'Your card number is incomplete.');
    assert.equal(await form.locator('#expiry-error').textContent(), "Your card's expiration date is incomplete.");
    assert.equal(await form.locator('#cvc-error').textContent(), "Your card's security code is incomplete.");
    assert.equal(await form.locator('#postal-error').textContent(), 'Your postal code is incomplete.');
    await p.screenshot({ path: path.join(SHOTS, '03-validation-empty.png') });

    await typeCard(form, { number: '4242424242424241', expiry: '0120' });
    assert.equal(await form.locator('#number-error').textContent(), 'Your card number is invalid.');
    assert.equal(await form.locator('#expiry-error').textContent(), "Your card's expiration year is in the past.");
    result = await pay(p);
    assert.equal(result.error.code, 'incorrect_number');
    assert.equal(result.error.message, 'Your card number is invalid.');
    await p.screenshot({ path: path.join(SHOTS, '04-validation-invalid.png') });

    await typeCard(form, { number: '378282246310005', cvc: '123' });
    assert.equal(await form.locator('#number').inputValue(), '3782 822463 10005');
    assert.equal(await form.locator('#brands').getAttribute('data-brand'), 'amex');
    result = await pay(p);
    assert.equal(result.error.code, 'incomplete_cvc');
    assert.equal(await form.locator('#cvc-error').textContent(), "Your card's security code is incomplete.");
    assert.equal(confirms(), 0, 'no confirm request for a form that does not validate');

    await form.locator('#cvc').fill('1234');
    result = await pay(p);
    assert.equal(result.paymentIntent?.status, 'succeeded', JSON.stringify(result));
    await assertNoLeaks(ctx, ['4242424242424241', '378282246310005']);
  } finally {
    await ctx.context.close();
  }
});

test('a decline (4000 0000 0000 9995) shows insufficient funds; the same intent is then paid with 4242', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p, form } = ctx;
    await typeCard(form, { number: '4000000000009995' });
    let result = await pay(p);
    assert.equal(result.error?.type, 'card_error', JSON.stringify(result));
    assert.equal(result.error.code, 'card_declined');
    assert.equal(result.error.decline_code, 'insufficient_funds');
    assert.match(result.error.message, /insufficient funds/i);
    assert.deepEqual(result.error.payment_intent, { id: ctx.intent.id, status: 'requires_payment_method' });
    assert.equal(await p.textContent('#message'), result.error.message);
    await p.screenshot({ path: path.join(SHOTS, '05-declined.png') });

    await typeCard(form, { number: '4242424242424242' });
    result = await pay(p);
    assert.deepEqual(result.paymentIntent, { id: ctx.intent.id, status: 'succeeded' }, JSON.stringify(result));
    assert.equal((await simApi('GET', `/v1/payment_intents/${ctx.intent.id}`)).body.status, 'succeeded');
    await assertNoLeaks(ctx, ['4000000000009995', '4242424242424242']);
  } finally {
    await ctx.context.close();
  }
});

test('3-D Secure (4000 0027 6000 3184): completing the challenge succeeds', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p, form } = ctx;
    await typeCard(form, { number: '4000002760003184' });
    await pay(p, { challenge: true });
    const challenge = p.frameLocator(CHALLENGE);
    await challenge.locator('#complete:enabled').waitFor();
    assert.match(await challenge.locator('#amount').textContent(), /19\.99/);
    assert.equal(await challenge.locator('#intent').textContent(), ctx.intent.id);
    await p.screenshot({ path: path.join(SHOTS, '06-3ds-challenge.png') });
    await challenge.locator('#complete').click();
    const result = await waitResult(p);
    assert.deepEqual(result.paymentIntent, { id: ctx.intent.id, status: 'succeeded' }, JSON.stringify(result));
    assert.equal(await p.locator('[data-kassa-sim="challenge"]').count(), 0, 'the modal closed');
    assert.equal((await simApi('GET', `/v1/payment_intents/${ctx.intent.id}`)).body.status, 'succeeded');
    const auth = ctx.requests.find((r) => r.url === `${sim.url}/v1/test_helpers/payment_intents/${ctx.intent.id}/authenticate`);
    assert.ok(auth, 'the challenge answered from the simulator origin');
    assert.equal(new URLSearchParams(auth.postData).get('outcome'), 'complete');
    await p.screenshot({ path: path.join(SHOTS, '07-3ds-succeeded.png') });
    await assertNoLeaks(ctx, ['4000002760003184']);
  } finally {
    await ctx.context.close();
  }
});

test('3-D Secure: failing the challenge returns payment_intent_authentication_failure', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p, form } = ctx;
    await typeCard(form, { number: '4000002760003184' });
    await pay(p, { challenge: true });
    const challenge = p.frameLocator(CHALLENGE);
    await challenge.locator('#fail:enabled').click();
    const result = await waitResult(p);
    assert.equal(result.error?.code, 'payment_intent_authentication_failure', JSON.stringify(result));
    assert.deepEqual(result.error.payment_intent, { id: ctx.intent.id, status: 'requires_payment_method' });
    assert.equal(await p.textContent('#message'), result.error.message);
    assert.equal(await p.locator('[data-kassa-sim="challenge"]').count(), 0, 'the modal closed');
    const server = await simApi('GET', `/v1/payment_intents/${ctx.intent.id}`);
    assert.equal(server.body.status, 'requires_payment_method');
    assert.equal(server.body.last_payment_error?.code, 'payment_intent_authentication_failure');
    await p.screenshot({ path: path.join(SHOTS, '08-3ds-failed.png') });
    await assertNoLeaks(ctx, ['4000002760003184']);
  } finally {
    await ctx.context.close();
  }
});

test('appearance: the night theme renders', async () => {
  const ctx = await openCheckout('night');
  try {
    await typeCard(ctx.form, { number: '5555555555554444' });
    assert.equal(await ctx.form.locator('#brands').getAttribute('data-brand'), 'mastercard');
    const bg = await ctx.form.locator('#number').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(48, 49, 61)');
    await ctx.page.screenshot({ path: path.join(SHOTS, '09-night.png') });
  } finally {
    await ctx.context.close();
  }
});

test('without an element: confirmCardPayment with pm_card_* tokens, handleNextAction runs 3-D Secure', async () => {
  const ctx = await openCheckout();
  try {
    const { page: p } = ctx;
    const secret = ctx.intent.client_secret; // handed over by CDP, not by a URL
    const declined = await p.evaluate(async (cs) => {
      const stripe = window.Stripe(document.body.dataset.pk);
      const r = await stripe.confirmCardPayment(cs, { payment_method: 'pm_card_visa_chargeDeclined' });
      return { code: r.error?.code, decline: r.error?.decline_code, pi: r.error?.payment_intent?.status };
    }, secret);
    assert.deepEqual(declined, { code: 'card_declined', decline: 'generic_decline', pi: 'requires_payment_method' });

    const pending = p.evaluate(async (cs) => {
      const stripe = window.Stripe(document.body.dataset.pk);
      const first = await stripe.confirmCardPayment(cs, { payment_method: 'pm_card_authenticationRequired' }, { handleActions: false });
      const next = await stripe.handleNextAction({ clientSecret: cs });
      return { first: first.paymentIntent?.status, next: next.paymentIntent?.status, error: next.error?.message };
    }, secret);
    await p.frameLocator(CHALLENGE).locator('#complete:enabled').click();
    assert.deepEqual(await pending, { first: 'requires_action', next: 'succeeded', error: undefined });

    const retrieved = await p.evaluate(async (cs) => (await window.Stripe(document.body.dataset.pk).retrievePaymentIntent(cs)).paymentIntent.status, secret);
    assert.equal(retrieved, 'succeeded');
    await assertNoLeaks(ctx, []);
  } finally {
    await ctx.context.close();
  }
});

// Stripe.js's HTTPS rule, as js.stripe.com applies it when Stripe(pk) is called: a live key on a page that is not
// https: throws (loadStripe rejects with it), a test key only warns.

test('http page, live key: loadStripe rejects with IntegrationError "Live Stripe.js integrations must use HTTPS."', async () => {
  const { page: p, context, requests, warnings } = await newPage();
  try {
    await p.goto(`${hostUrl}/?mode=live`);
    await p.waitForFunction(settled);
    const { error, ready } = await p.evaluate(() => ({ error: window.__checkout.error, ready: window.__checkout.ready }));
    assert.deepEqual(error, { name: 'IntegrationError', message: LIVE_NEEDS_HTTPS });
    assert.ok(error.message.startsWith('Live Stripe.js integrations must use HTTPS.'));
    assert.equal(await p.textContent('#message'), `IntegrationError: ${LIVE_NEEDS_HTTPS}`);
    assert.equal(ready, false);
    assert.equal(await p.locator('iframe').count(), 0, 'nothing mounted');
    assert.ok(!requests.some((r) => r.url.endsWith('/create-payment-intent')), 'the checkout stopped at loadStripe');
    assert.ok(!warnings.includes(TEST_OVER_HTTP), 'a live key throws instead of warning');
  } finally {
    await context.close();
  }
});

test('http page, test key: Stripe.js only warns, and the Payment Element mounts', async () => {
  const ctx = await openCheckout();
  try {
    assert.deepEqual(ctx.warnings.filter((w) => /HTTPS/.test(w)), [TEST_OVER_HTTP]);
    assert.equal(await ctx.form.locator('#note').textContent(), 'Test mode: the Kassa Stripe simulator. Use a test card such as 4242 4242 4242 4242.');
  } finally {
    await ctx.context.close();
  }
});

test('https page, live key, simulator with --live: no warning, the card pays, the intent is livemode', async () => {
  const ctx = await openCheckout('stripe', { live: true });
  try {
    const { page: p, form } = ctx;
    assert.equal(await p.evaluate(() => location.protocol), 'https:');
    assert.deepEqual(ctx.warnings.filter((w) => /HTTPS/.test(w)), []);
    assert.match(await form.locator('#note').textContent(), /^Simulated live mode/);
    assert.equal(ctx.intent.livemode, true);
    await typeCard(form, { number: '4242424242424242' });
    const result = await pay(p);
    assert.deepEqual(result.paymentIntent, { id: ctx.intent.id, status: 'succeeded' }, JSON.stringify(result));
    assert.equal(result.retrieved, 'succeeded');
    const confirm = ctx.requests.find((r) => r.method === 'POST' && r.url === `${liveSim.url}/v1/payment_intents/${ctx.intent.id}/confirm`);
    assert.equal(confirm?.headers.authorization, `Bearer ${LIVE_PUBLISHABLE_KEY}`);
    const server = await simApi('GET', `/v1/payment_intents/${ctx.intent.id}?expand[]=latest_charge`, undefined, mode('live'));
    assert.equal(server.body.status, 'succeeded');
    assert.equal(server.body.livemode, true);
    assert.equal(server.body.latest_charge.livemode, true);
    await assertNoLeaks(ctx, ['4242424242424242']);
  } finally {
    await ctx.context.close();
  }
});
