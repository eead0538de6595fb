// The official Stripe Node SDK as the judge: stripe-sim must behave, through `stripe` (npm), like api.stripe.com
// in test mode. Each describe block starts its own simulator (lib/sim.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { sleep, until, failure } from './lib/wait.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { startSim, TEST_CARDS, SECRET_KEY, PUBLISHABLE_KEY } from './lib/sim.mjs';

// ---------------------------------------------------------------------------------------------------------------
// shared data and helpers

/** test-cards.tsv rows: { number, payment_method, result, error_code, decline_code, notes } */
const CARDS = readFileSync(TEST_CARDS, 'utf8')
  .split('\n')
  .map((l) => l.replace(/\r$/, ''))
  .filter((l) => l.trim() && !l.startsWith('#'))
  .slice(1)
  .map((l) => {
    const [number, payment_method, result, error_code, decline_code, notes] = l.split('\t');
    return { number, payment_method, result, error_code: error_code || '', decline_code: decline_code || '', notes: notes || '' };
  });
const DECLINE_TOKENS = CARDS.filter((c) => c.result === 'declined' && c.payment_method);
const DECLINE_NUMBERS = CARDS.filter((c) => c.result === 'declined');
const THREE_DS_TOKENS = CARDS.filter((c) => c.result === 'requires_action' && c.payment_method && !c.error_code);
const THREE_DS_THEN_DECLINE = CARDS.filter((c) => c.result === 'requires_action' && c.error_code);
const LUHN_INVALID = CARDS.filter((c) => c.result === 'invalid');




function sdk(port, key = SECRET_KEY) {
  return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
}

function errInfo(err) {
  return `${err?.constructor?.name} ${err?.statusCode} ${JSON.stringify({ type: err?.rawType, code: err?.code, decline_code: err?.decline_code, param: err?.param, message: err?.message })}`;
}

/** Asserts err is an instance of the given SDK error class. */
function assertErrorClass(err, cls, context = '') {
  assert.ok(err instanceof cls, `${context}expected ${cls.name}, got ${errInfo(err)}`);
}

/** Card rows may have an empty decline_code: then Stripe either omits it or repeats the error code. */
function assertDecline(actualCode, actualDecline, row, context) {
  assert.equal(actualCode, row.error_code, `${context}: code`);
  if (row.decline_code) assert.equal(actualDecline, row.decline_code, `${context}: decline_code`);
  else assert.ok([undefined, null, '', row.error_code].includes(actualDecline), `${context}: decline_code ${actualDecline} (expected none or ${row.error_code})`);
}

// Intents that allow redirect-based methods need a return_url at server-side confirm on api.stripe.com; the flows
// below use allow_redirects=never, which is what a server-side card integration does.
const CARD_ONLY = { enabled: true, allow_redirects: 'never' };

// ---------------------------------------------------------------------------------------------------------------

describe('stripe-node SDK against stripe-sim: PaymentIntents, declines, 3-D Secure, capture, refunds', () => {
  let sim;
  let stripe;

  before(async () => {
    sim = await startSim(['--processing-delay-ms', '200']);
    stripe = sdk(sim.port);
  });
  after(async () => {
    await sim?.stop();
  });

  async function newIntent(extra = {}) {
    return stripe.paymentIntents.create({ amount: 1500, currency: 'usd', automatic_payment_methods: CARD_ONLY, ...extra });
  }
  async function paidIntent(extra = {}) {
    const pi = await newIntent(extra);
    const done = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(done.status, extra.capture_method === 'manual' ? 'requires_capture' : 'succeeded');
    return done;
  }
  /** Raw card data goes to confirm the way Stripe.js sends it: publishable key + client_secret + payment_method_data.
   * (api.stripe.com refuses raw card numbers from a secret key unless raw card data APIs are enabled.) */
  async function confirmWithCard(intent, number) {
    return sdk(sim.port, PUBLISHABLE_KEY).paymentIntents.confirm(intent.id, {
      client_secret: intent.client_secret,
      payment_method_data: { type: 'card', card: { number, exp_month: 12, exp_year: 2034, cvc: '123' } },
    });
  }
  async function authenticate(id, outcome, client = stripe) {
    return client.rawRequest('POST', `/v1/test_helpers/payment_intents/${id}/authenticate`, { outcome });
  }

  // --- create / confirm -------------------------------------------------------------------------------------

  it('creates a PaymentIntent with amount, currency, automatic_payment_methods[enabled] and metadata', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      automatic_payment_methods: { enabled: true },
      metadata: { order_id: 'ord_123', till: '3' },
    });
    assert.equal(pi.object, 'payment_intent');
    assert.match(pi.id, /^pi_/);
    assert.equal(pi.amount, 2000);
    assert.equal(pi.currency, 'usd');
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.automatic_payment_methods?.enabled, true);
    assert.deepEqual(pi.metadata, { order_id: 'ord_123', till: '3' });
    assert.equal(pi.livemode, false);
    assert.equal(pi.amount_received, 0);
    // The default is automatic_async since API version 2024-06-20 (the SDK pins a newer one).
    assert.equal(pi.capture_method, 'automatic_async');
    assert.equal(pi.latest_charge, null);
    assert.equal(pi.last_payment_error, null);
    assert.ok(pi.client_secret?.startsWith(`${pi.id}_secret_`), `client_secret ${pi.client_secret}`);
    assert.equal(typeof pi.created, 'number');
    assert.match(pi.lastResponse?.requestId ?? '', /^req_/, 'Request-Id header');

    const again = await stripe.paymentIntents.retrieve(pi.id);
    assert.deepEqual({ ...again }, { ...pi });
  });

  it("answers in the API version the SDK asks for (Stripe-Version request header echoed in the response)", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    assert.equal(pi.lastResponse?.headers?.['stripe-version'], Stripe.API_VERSION);
  });

  it('confirming with pm_card_visa succeeds and records a charge in latest_charge', async () => {
    const pi = await newIntent({ amount: 2100 });
    const done = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.amount_received, 2100);
    assert.match(done.latest_charge ?? '', /^ch_/);
    assert.match(done.payment_method ?? '', /^pm_/, 'payment_method is a pm_ id after confirming with a token');
    assert.equal(done.last_payment_error, null);
    assert.equal(done.next_action, null);
  });

  it('expand[] latest_charge and payment_method return the full objects (on confirm and on retrieve)', async () => {
    const pi = await newIntent({ amount: 2200 });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', expand: ['latest_charge', 'payment_method'] });
    assert.equal(confirmed.status, 'succeeded');
    assert.equal(typeof confirmed.latest_charge, 'object', 'latest_charge expanded on confirm');
    assert.equal(typeof confirmed.payment_method, 'object', 'payment_method expanded on confirm');

    const got = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge', 'payment_method'] });
    const charge = got.latest_charge;
    assert.equal(charge?.object, 'charge');
    assert.equal(charge.id, confirmed.latest_charge.id);
    assert.equal(charge.amount, 2200);
    assert.equal(charge.currency, 'usd');
    assert.equal(charge.status, 'succeeded');
    assert.equal(charge.paid, true);
    assert.equal(charge.captured, true);
    assert.equal(charge.payment_intent, pi.id);
    const pm = got.payment_method;
    assert.equal(pm?.object, 'payment_method');
    assert.equal(pm.type, 'card');
    assert.equal(pm.card?.brand, 'visa');
    assert.equal(pm.card?.last4, '4242');
    assert.equal(charge.payment_method, pm.id);

    const plain = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(plain.latest_charge, charge.id, 'unexpanded latest_charge is the id');
    assert.equal(plain.payment_method, pm.id, 'unexpanded payment_method is the id');
  });

  it('an intent that allows redirects (automatic_payment_methods without allow_redirects=never) needs return_url at server-side confirm', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1600, currency: 'usd', automatic_payment_methods: { enabled: true } });
    const err = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }), 'confirm without return_url');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.param, 'return_url');
    const ok = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', return_url: 'https://kassa.example/return' });
    assert.equal(ok.status, 'succeeded');
  });

  // --- declines -----------------------------------------------------------------------------------------------

  for (const row of DECLINE_TOKENS) {
    it(`${row.payment_method} is declined as StripeCardError ${row.error_code}${row.decline_code ? '/' + row.decline_code : ''}; the intent returns to requires_payment_method and a retry with pm_card_visa succeeds`, async () => {
      const pi = await newIntent({ amount: 1700 });
      const err = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: row.payment_method }), `confirm with ${row.payment_method}`);
      assertErrorClass(err, Stripe.errors.StripeCardError);
      assert.equal(err.statusCode, 402);
      assert.equal(err.rawType, 'card_error');
      assertDecline(err.code, err.decline_code, row, 'error');
      assert.equal(typeof err.message, 'string');
      assert.ok(err.message.length > 0, 'error message');
      assert.equal(err.payment_intent?.id, pi.id, 'error.payment_intent is the intent');
      assert.equal(err.payment_intent?.status, 'requires_payment_method', 'error.payment_intent.status');

      const after = await stripe.paymentIntents.retrieve(pi.id);
      assert.equal(after.status, 'requires_payment_method');
      assert.ok(after.last_payment_error, 'last_payment_error set');
      assert.equal(after.last_payment_error.type, 'card_error');
      assertDecline(after.last_payment_error.code, after.last_payment_error.decline_code, row, 'last_payment_error');
      assert.match(after.last_payment_error.payment_method?.id ?? '', /^pm_/, 'last_payment_error.payment_method');
      assert.equal(after.amount_received, 0);

      const retried = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      assert.equal(retried.status, 'succeeded');
      assert.equal(retried.last_payment_error, null, 'last_payment_error cleared after success');
      assert.equal(retried.amount_received, 1700);
    });
  }

  it('raw card numbers (payment_method_data[card], publishable key + client_secret as Stripe.js sends them) decline exactly like their tokens', async () => {
    for (const row of DECLINE_NUMBERS) {
      const pi = await newIntent({ amount: 1800 });
      const err = await failure(confirmWithCard(pi, row.number), `confirm with card ${row.number}`);
      assertErrorClass(err, Stripe.errors.StripeCardError, `${row.number}: `);
      assertDecline(err.code, err.decline_code, row, row.number);
    }
  });

  for (const row of LUHN_INVALID) {
    it(`card number ${row.number} (fails Luhn) is refused as StripeCardError ${row.error_code}`, async () => {
      const pi = await newIntent();
      const err = await failure(confirmWithCard(pi, row.number));
      assertErrorClass(err, Stripe.errors.StripeCardError);
      assert.equal(err.code, row.error_code);
    });
  }

  // --- 3-D Secure ---------------------------------------------------------------------------------------------

  it('pm_card_authenticationRequired → requires_action (use_stripe_sdk); authenticate outcome=complete → succeeded', async () => {
    const pi = await newIntent({ amount: 1900 });
    const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(pending.status, 'requires_action');
    assert.equal(pending.next_action?.type, 'use_stripe_sdk');
    assert.equal(pending.amount_received, 0);
    const done = await authenticate(pi.id, 'complete');
    assert.equal(done.object, 'payment_intent');
    assert.equal(done.status, 'succeeded');
    assert.equal(done.next_action, null);
    const got = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(got.status, 'succeeded');
    assert.match(got.latest_charge ?? '', /^ch_/);
    assert.equal(got.amount_received, 1900);
  });

  it('pm_card_authenticationRequired with authenticate outcome=fail → requires_payment_method with payment_intent_authentication_failure', async () => {
    const pi = await newIntent();
    const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(pending.status, 'requires_action');
    const failed = await authenticate(pi.id, 'fail');
    assert.equal(failed.status, 'requires_payment_method');
    assert.equal(failed.last_payment_error?.code, 'payment_intent_authentication_failure');
    assert.equal(failed.next_action, null);
    const got = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(got.status, 'requires_payment_method');
    assert.equal(got.last_payment_error?.code, 'payment_intent_authentication_failure');
    const retried = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    assert.equal(retried.status, 'succeeded');
  });

  it('every 3-D Secure token of test-cards.tsv asks for authentication, then succeeds once completed', async () => {
    for (const row of THREE_DS_TOKENS) {
      const pi = await newIntent();
      const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: row.payment_method });
      assert.equal(pending.status, 'requires_action', row.payment_method);
      assert.equal(pending.next_action?.type, 'use_stripe_sdk', row.payment_method);
      const done = await authenticate(pi.id, 'complete');
      assert.equal(done.status, 'succeeded', row.payment_method);
    }
  });

  it('3-D Secure cards that decline after authentication end in requires_payment_method with the listed decline', async () => {
    for (const row of THREE_DS_THEN_DECLINE) {
      const pi = await newIntent();
      const pending = await confirmWithCard(pi, row.number);
      assert.equal(pending.status, 'requires_action', row.number);
      const after = await authenticate(pi.id, 'complete');
      assert.equal(after.status, 'requires_payment_method', row.number);
      assert.ok(after.last_payment_error, `${row.number}: last_payment_error`);
      assertDecline(after.last_payment_error.code, after.last_payment_error.decline_code, row, row.number);
    }
  });

  it('a 3-D Secure confirm with return_url (no use_stripe_sdk) asks for redirect_to_url back to that URL', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', automatic_payment_methods: { enabled: true } });
    const pending = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_authenticationRequired', return_url: 'https://kassa.example/return' });
    assert.equal(pending.status, 'requires_action');
    assert.equal(pending.next_action?.type, 'redirect_to_url');
    assert.equal(pending.next_action?.redirect_to_url?.return_url, 'https://kassa.example/return');
    assert.match(pending.next_action?.redirect_to_url?.url ?? '', /^https?:\/\//);
  });

  it('a publishable key with the client_secret may answer the challenge; without the secret it may not', async () => {
    const pk = sdk(sim.port, PUBLISHABLE_KEY);
    const pi = await newIntent();
    await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_authenticationRequired' });
    const refused = await failure(authenticate(pi.id, 'complete', pk), 'authenticate with pk and no client_secret');
    assert.ok(refused instanceof Stripe.errors.StripeError, errInfo(refused));
    const done = await pk.rawRequest('POST', `/v1/test_helpers/payment_intents/${pi.id}/authenticate`, { outcome: 'complete', client_secret: pi.client_secret });
    assert.equal(done.status, 'succeeded');
  });

  // --- processing ---------------------------------------------------------------------------------------------

  it('pm_card_processing_succeeds → processing, then succeeded', async () => {
    const pi = await newIntent({ amount: 2300 });
    const first = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_processing_succeeds' });
    assert.equal(first.status, 'processing');
    const last = await until(async () => {
      const p = await stripe.paymentIntents.retrieve(pi.id);
      return p.status !== 'processing' && p;
    });
    assert.ok(last, 'left processing within 5 s (delay 200 ms)');
    assert.equal(last.status, 'succeeded');
    assert.equal(last.amount_received, 2300);
    assert.match(last.latest_charge ?? '', /^ch_/);
  });

  it('pm_card_processing_fails → processing, then requires_payment_method with card_declined/generic_decline', async () => {
    const pi = await newIntent();
    const first = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_processing_fails' });
    assert.equal(first.status, 'processing');
    const last = await until(async () => {
      const p = await stripe.paymentIntents.retrieve(pi.id);
      return p.status !== 'processing' && p;
    });
    assert.ok(last, 'left processing within 5 s (delay 200 ms)');
    assert.equal(last.status, 'requires_payment_method');
    assert.equal(last.last_payment_error?.code, 'card_declined');
    assert.equal(last.last_payment_error?.decline_code, 'generic_decline');
    assert.equal(last.amount_received, 0);
  });

  // --- cancel -------------------------------------------------------------------------------------------------

  it('cancel moves an unpaid intent to canceled with canceled_at and cancellation_reason; confirming it afterwards is refused', async () => {
    const pi = await newIntent();
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' });
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'requested_by_customer');
    assert.equal(typeof canceled.canceled_at, 'number');
    const err = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }), 'confirm after cancel');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.code, 'payment_intent_unexpected_state');
  });

  it('cancel after success is refused with invalid_request_error (payment_intent_unexpected_state) and the intent stays succeeded', async () => {
    const pi = await paidIntent();
    const err = await failure(stripe.paymentIntents.cancel(pi.id), 'cancel of a succeeded intent');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.rawType, 'invalid_request_error');
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'payment_intent_unexpected_state');
    assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  });

  // --- manual capture -----------------------------------------------------------------------------------------

  it('capture_method=manual → requires_capture; a partial capture with amount_to_capture succeeds', async () => {
    const pi = await paidIntent({ amount: 1000, capture_method: 'manual' });
    assert.equal(pi.status, 'requires_capture');
    assert.equal(pi.capture_method, 'manual');
    assert.equal(pi.amount_capturable, 1000);
    assert.equal(pi.amount_received, 0);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 600);
    assert.equal(captured.amount_capturable, 0);
    const charge = (await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] })).latest_charge;
    assert.equal(charge.captured, true);
    assert.equal(charge.amount, 1000);
    assert.equal(charge.amount_captured, 600);
  });

  it('capturing more than amount_capturable is refused and the intent stays requires_capture', async () => {
    const pi = await paidIntent({ amount: 1000, capture_method: 'manual' });
    const err = await failure(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1001 }), 'capture above capturable');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    const got = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(got.status, 'requires_capture');
    assert.equal(got.amount_capturable, 1000);
    const full = await stripe.paymentIntents.capture(pi.id);
    assert.equal(full.status, 'succeeded');
    assert.equal(full.amount_received, 1000);
  });

  // --- refunds ------------------------------------------------------------------------------------------------

  it('a full refund by payment_intent refunds amount_received and marks the charge refunded', async () => {
    const pi = await paidIntent({ amount: 2500 });
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    assert.equal(refund.object, 'refund');
    assert.match(refund.id, /^re_/);
    assert.equal(refund.amount, 2500);
    assert.equal(refund.currency, 'usd');
    assert.equal(refund.status, 'succeeded');
    assert.equal(refund.payment_intent, pi.id);
    assert.equal(refund.charge, pi.latest_charge);
    const got = await stripe.refunds.retrieve(refund.id);
    assert.deepEqual({ ...got }, { ...refund });
    const charge = (await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] })).latest_charge;
    assert.equal(charge.amount_refunded, 2500);
    assert.equal(charge.refunded, true);
    const again = await failure(stripe.refunds.create({ payment_intent: pi.id }), 'a second full refund');
    assertErrorClass(again, Stripe.errors.StripeInvalidRequestError);
    assert.equal(again.code, 'charge_already_refunded');
  });

  it('partial refunds add up, and a refund above what remains is refused', async () => {
    const pi = await paidIntent({ amount: 1000 });
    const r1 = await stripe.refunds.create({ payment_intent: pi.id, amount: 300, reason: 'requested_by_customer', metadata: { line: '1' } });
    assert.equal(r1.amount, 300);
    assert.equal(r1.reason, 'requested_by_customer');
    assert.deepEqual(r1.metadata, { line: '1' });
    const r2 = await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    assert.equal(r2.amount, 400);
    const err = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 301 }), 'refund above the remaining 300');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    const r3 = await stripe.refunds.create({ payment_intent: pi.id, amount: 300 });
    assert.equal(r3.amount, 300);
    const charge = (await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] })).latest_charge;
    assert.equal(charge.amount_refunded, 1000);
  });

  it('a refund above amount_received (partially captured intent) is refused; a refund without amount refunds amount_received', async () => {
    const pi = await paidIntent({ amount: 1000, capture_method: 'manual' });
    await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
    const err = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 700 }), 'refund of 700 when 600 was received');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    const full = await stripe.refunds.create({ payment_intent: pi.id });
    assert.equal(full.amount, 600);
  });

  it('a refund of an intent that has not succeeded is refused', async () => {
    const pi = await newIntent();
    const err = await failure(stripe.refunds.create({ payment_intent: pi.id }), 'refund of an unpaid intent');
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
  });

  // --- idempotency --------------------------------------------------------------------------------------------

  it('same Idempotency-Key with the same params replays the same PaymentIntent (Idempotent-Replayed: true)', async () => {
    const key = `kassa-idem-${Date.now()}-create`;
    const params = { amount: 4200, currency: 'usd', automatic_payment_methods: CARD_ONLY, metadata: { order_id: 'idem' } };
    const a = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const b = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    assert.equal(b.id, a.id);
    assert.equal(b.lastResponse?.headers?.['idempotent-replayed'], 'true', 'Idempotent-Replayed header on the replay');
    assert.notEqual(a.lastResponse?.headers?.['idempotent-replayed'], 'true', 'first answer is not a replay');
    const c = await stripe.paymentIntents.create(params, { idempotencyKey: `${key}-other` });
    assert.notEqual(c.id, a.id, 'another key creates another intent');
  });

  it('same Idempotency-Key replays a card error instead of running the confirm again', async () => {
    const pi = await newIntent();
    const key = `kassa-idem-${Date.now()}-decline`;
    const e1 = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa_chargeDeclined' }, { idempotencyKey: key }));
    const e2 = await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa_chargeDeclined' }, { idempotencyKey: key }));
    assertErrorClass(e1, Stripe.errors.StripeCardError);
    assertErrorClass(e2, Stripe.errors.StripeCardError);
    assert.equal(e2.code, e1.code);
    assert.equal(e2.decline_code, e1.decline_code);
    assert.equal(e2.headers?.['idempotent-replayed'], 'true', 'Idempotent-Replayed header on the replayed error');
    if (e1.charge) assert.equal(e2.charge, e1.charge, 'same failed charge');
  });

  it('same Idempotency-Key with other params → StripeIdempotencyError', async () => {
    const key = `kassa-idem-${Date.now()}-mismatch`;
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY }, { idempotencyKey: key });
    const err = await failure(stripe.paymentIntents.create({ amount: 1001, currency: 'usd', automatic_payment_methods: CARD_ONLY }, { idempotencyKey: key }));
    assertErrorClass(err, Stripe.errors.StripeIdempotencyError);
    assert.equal(err.rawType, 'idempotency_error');
    assert.equal(err.statusCode, 400);
  });

  it('same Idempotency-Key on another endpoint → StripeIdempotencyError', async () => {
    const key = `kassa-idem-${Date.now()}-endpoint`;
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY }, { idempotencyKey: key });
    const err = await failure(stripe.paymentIntents.cancel(pi.id, {}, { idempotencyKey: key }));
    assertErrorClass(err, Stripe.errors.StripeIdempotencyError);
  });

  // --- validation ---------------------------------------------------------------------------------------------

  const INVALID = [
    ['amount 0', { amount: 0, currency: 'usd' }, 'amount'],
    ['a fractional amount (10.5)', { amount: 10.5, currency: 'usd' }, 'amount'],
    ['a negative amount', { amount: -100, currency: 'usd' }, 'amount'],
    ["currency 'xyz'", { amount: 1000, currency: 'xyz' }, 'currency'],
    ['jpy below the ¥50 minimum (49)', { amount: 49, currency: 'jpy' }, 'amount', 'amount_too_small'],
    ['usd below the $0.50 minimum (49)', { amount: 49, currency: 'usd' }, 'amount', 'amount_too_small'],
    ['an amount above 99999999', { amount: 100000000, currency: 'usd' }, 'amount', 'amount_too_large'],
    ['a missing amount', { currency: 'usd' }, 'amount'],
    ['a missing currency', { amount: 1000 }, 'currency'],
  ];
  for (const [what, params, param, code] of INVALID) {
    it(`creating with ${what} is refused with StripeInvalidRequestError naming param '${param}'${code ? ` (code ${code})` : ''}`, async () => {
      const err = await failure(stripe.paymentIntents.create(params), `create with ${what}`);
      assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.statusCode, 400);
      assert.equal(err.param, param);
      if (code) assert.equal(err.code, code);
      assert.ok(err.message, 'message');
    });
  }

  it('the boundaries are accepted: usd 99999999, usd 50, jpy 50', async () => {
    for (const [amount, currency] of [[99999999, 'usd'], [50, 'usd'], [50, 'jpy']]) {
      const pi = await stripe.paymentIntents.create({ amount, currency });
      assert.equal(pi.amount, amount);
      assert.equal(pi.currency, currency);
    }
  });

  it('an unknown PaymentIntent id → 404 resource_missing', async () => {
    const err = await failure(stripe.paymentIntents.retrieve('pi_doesnotexist000000'));
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
  });

  // --- auth ---------------------------------------------------------------------------------------------------

  it('a key that is not a test secret key → StripeAuthenticationError (401)', async () => {
    for (const key of ['sk_live_kassa_wrong', 'not_a_key']) {
      const err = await failure(sdk(sim.port, key).paymentIntents.create({ amount: 1000, currency: 'usd' }), `create with key ${key}`);
      assertErrorClass(err, Stripe.errors.StripeAuthenticationError, `${key}: `);
      assert.equal(err.statusCode, 401);
    }
  });

  it('a publishable key cannot create a PaymentIntent', async () => {
    const err = await failure(sdk(sim.port, PUBLISHABLE_KEY).paymentIntents.create({ amount: 1000, currency: 'usd' }), 'create with pk');
    assert.ok(err instanceof Stripe.errors.StripeError && [401, 403].includes(err.statusCode), errInfo(err));
  });

  it('with --secret-key pinned, another sk_test_ key → StripeAuthenticationError', async () => {
    const pinned = await startSim(['--secret-key', SECRET_KEY]);
    try {
      const ok = await sdk(pinned.port).paymentIntents.create({ amount: 1000, currency: 'usd' });
      assert.match(ok.id, /^pi_/);
      const err = await failure(sdk(pinned.port, 'sk_test_someone_else').paymentIntents.create({ amount: 1000, currency: 'usd' }));
      assertErrorClass(err, Stripe.errors.StripeAuthenticationError);
    } finally {
      await pinned.stop();
    }
  });

  // --- events -------------------------------------------------------------------------------------------------

  it("events.list({type:'payment_intent.succeeded'}) auto-paginates over every success, newest first; events.retrieve returns the same event", async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await paidIntent({ amount: 3000 + i })).id);
    const listed = await stripe.events.list({ type: 'payment_intent.succeeded', limit: 2 }).autoPagingToArray({ limit: 10000 });
    assert.ok(listed.length >= 3);
    assert.ok(listed.every((e) => e.object === 'event' && e.type === 'payment_intent.succeeded'), 'all of the filtered type');
    const ids = listed.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice across pages');
    const objects = listed.map((e) => e.data.object.id);
    for (const id of mine) assert.equal(objects.filter((o) => o === id).length, 1, `one payment_intent.succeeded for ${id}`);
    for (let i = 1; i < listed.length; i++) assert.ok(listed[i - 1].created >= listed[i].created, 'newest first');
    assert.deepEqual(objects.slice(0, 3), [...mine].reverse(), 'the three newest are ours, newest first');
    const ev = listed.find((e) => e.data.object.id === mine[0]);
    assert.equal(ev.data.object.status, 'succeeded');
    assert.equal(ev.livemode, false);
    const one = await stripe.events.retrieve(ev.id);
    assert.deepEqual(JSON.parse(JSON.stringify(one)), JSON.parse(JSON.stringify(ev)));
  });

  it('events.list filters by types[] and created[gte]', async () => {
    const since = Math.floor(Date.now() / 1000);
    const paid = await paidIntent();
    const canceled = await stripe.paymentIntents.cancel((await newIntent()).id);
    const listed = await stripe.events
      .list({ types: ['payment_intent.succeeded', 'payment_intent.canceled'], created: { gte: since } })
      .autoPagingToArray({ limit: 10000 });
    assert.ok(listed.every((e) => ['payment_intent.succeeded', 'payment_intent.canceled'].includes(e.type)));
    assert.ok(listed.every((e) => e.created >= since));
    assert.ok(listed.some((e) => e.type === 'payment_intent.succeeded' && e.data.object.id === paid.id));
    assert.ok(listed.some((e) => e.type === 'payment_intent.canceled' && e.data.object.id === canceled.id));
  });

  it('an unknown event id → 404 resource_missing', async () => {
    const err = await failure(stripe.events.retrieve('evt_doesnotexist000000'));
    assertErrorClass(err, Stripe.errors.StripeInvalidRequestError);
    assert.equal(err.statusCode, 404);
  });

  // --- listing ------------------------------------------------------------------------------------------------

  it('paymentIntents.list pages newest first with limit, starting_after and ending_before; auto-pagination sees each once', async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push((await newIntent({ amount: 5000 + i })).id);
    const newestFirst = [...mine].reverse();
    const p1 = await stripe.paymentIntents.list({ limit: 2 });
    assert.equal(p1.object, 'list');
    assert.equal(p1.url, '/v1/payment_intents');
    assert.equal(p1.has_more, true);
    assert.deepEqual(p1.data.map((p) => p.id), newestFirst.slice(0, 2));
    const p2 = await stripe.paymentIntents.list({ limit: 2, starting_after: p1.data.at(-1).id });
    assert.deepEqual(p2.data.map((p) => p.id), newestFirst.slice(2, 4));
    const p3 = await stripe.paymentIntents.list({ limit: 2, starting_after: p2.data.at(-1).id });
    assert.equal(p3.data[0]?.id, newestFirst[4]);
    const back = await stripe.paymentIntents.list({ limit: 2, ending_before: p2.data[0].id });
    assert.deepEqual(back.data.map((p) => p.id), newestFirst.slice(0, 2));
    const all = await stripe.paymentIntents.list({ limit: 3 }).autoPagingToArray({ limit: 10000 });
    const ids = all.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'no intent twice');
    assert.deepEqual(ids.slice(0, 5), newestFirst);
    const last = await stripe.paymentIntents.list({ limit: 100, starting_after: ids.at(-1) });
    assert.deepEqual(last.data, []);
    assert.equal(last.has_more, false);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('webhooks delivered with --forward-to, verified by stripe.webhooks.constructEvent', () => {
  let sim;
  let stripe;
  let receiver;
  let listedAtEnd;
  let deliveries = [];

  before(async () => {
    receiver = await startReceiver();
    deliveries = receiver.deliveries;
    sim = await startSim(['--forward-to', receiver.url, '--processing-delay-ms', '200']);
    stripe = sdk(sim.port);
  });
  after(async () => {
    await sim?.stop();
    await receiver?.close();
  });

  it('every delivery verifies with the printed whsec_ secret and the delivered event ids equal what /v1/events lists', async (t) => {
    // A run that produces many kinds of events.
    const ok = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY, metadata: { run: 'webhooks' } });
    await stripe.paymentIntents.confirm(ok.id, { payment_method: 'pm_card_visa' });
    await stripe.refunds.create({ payment_intent: ok.id, amount: 400 });
    const declined = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY });
    await failure(stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_visa_chargeDeclined' }));
    const tds = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY });
    await stripe.paymentIntents.confirm(tds.id, { payment_method: 'pm_card_authenticationRequired' });
    await stripe.rawRequest('POST', `/v1/test_helpers/payment_intents/${tds.id}/authenticate`, { outcome: 'complete' });
    const slow = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: CARD_ONLY });
    await stripe.paymentIntents.confirm(slow.id, { payment_method: 'pm_card_processing_succeeds' });
    await stripe.paymentIntents.cancel((await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' })).id);
    const slowDone = await until(async () => (await stripe.paymentIntents.retrieve(slow.id)).status === 'succeeded');
    assert.ok(slowDone, 'processing intent succeeded');

    const listAll = async () => (await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10000 }));
    let listed = await listAll();
    assert.ok(listed.length > 0, 'the run produced events');
    const deliveredIds = () => new Set(deliveries.map((d) => JSON.parse(d.raw.toString('utf8')).id));
    await until(() => listed.every((e) => deliveredIds().has(e.id)), { timeout: 15000, interval: 100 });
    await sleep(500); // late or duplicate deliveries
    listed = await listAll();

    // Every delivery passes the official signature check.
    const verified = [];
    for (const d of deliveries) {
      assert.equal(d.method, 'POST');
      assert.equal(d.url, '/webhook');
      assert.match(d.headers['content-type'] ?? '', /^application\/json/);
      assert.ok(d.headers['stripe-signature'], 'Stripe-Signature header');
      let event;
      assert.doesNotThrow(() => {
        event = stripe.webhooks.constructEvent(d.raw, d.headers['stripe-signature'], sim.webhookSecret);
      }, `delivery ${d.raw.toString('utf8').slice(0, 120)} fails constructEvent`);
      assert.equal(event.object, 'event');
      verified.push(event);
    }

    const delivered = new Set(verified.map((e) => e.id));
    const listedIds = new Set(listed.map((e) => e.id));
    const notDelivered = [...listedIds].filter((id) => !delivered.has(id));
    const notListed = [...delivered].filter((id) => !listedIds.has(id));
    assert.deepEqual({ notDelivered, notListed }, { notDelivered: [], notListed: [] });

    // Delivered payloads are the listed events.
    const byId = new Map(listed.map((e) => [e.id, e]));
    for (const e of verified) {
      const l = byId.get(e.id);
      assert.equal(e.type, l.type, e.id);
      assert.equal(e.created, l.created, e.id);
      assert.equal(e.data.object.id, l.data.object.id, e.id);
    }
    listedAtEnd = listed;
    t.diagnostic(`${deliveries.length} deliveries verified, ${delivered.size} distinct events, ${listed.length} listed`);
  });

  it('the run produced the event types Stripe sends for these transitions', () => {
    assert.ok(listedAtEnd, 'previous test listed the events');
    const types = new Set(listedAtEnd.map((e) => e.type));
    const expected = ['payment_intent.created', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action',
      'payment_intent.processing', 'payment_intent.canceled', 'charge.succeeded', 'charge.failed', 'charge.refunded'];
    const missing = expected.filter((t) => !types.has(t));
    assert.deepEqual(missing, [], `got types: ${[...types].sort().join(', ')}`);
  });

  it('a tampered payload or another secret does not verify (the judge itself is sound)', async () => {
    assert.ok(deliveries.length > 0);
    const d = deliveries[0];
    const tampered = Buffer.from(d.raw.toString('utf8').replace('"event"', '"evenT"'));
    assert.throws(() => stripe.webhooks.constructEvent(tampered, d.headers['stripe-signature'], sim.webhookSecret), Stripe.errors.StripeSignatureVerificationError);
    assert.throws(() => stripe.webhooks.constructEvent(d.raw, d.headers['stripe-signature'], 'whsec_not_the_secret'), Stripe.errors.StripeSignatureVerificationError);
  });
});
