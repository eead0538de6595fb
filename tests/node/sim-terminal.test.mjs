// The official Stripe Node SDK as the judge of stripe-sim's Terminal: locations, a simulated reader, its actions and
// errors, the present_payment_method test helper, refunds listed, and the terminal.reader.* webhooks verified by
// stripe.webhooks.constructEvent.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { until, failure } from './lib/wait.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { startSim, SECRET_KEY } from './lib/sim.mjs';

describe('stripe-node SDK against stripe-sim: Terminal readers, server-driven', () => {
  let sim;
  let stripe;
  let receiver;
  let location;
  let deliveries = [];

  before(async () => {
    receiver = await startReceiver();
    deliveries = receiver.deliveries;
    sim = await startSim(['--forward-to', receiver.url]);
    stripe = new Stripe(SECRET_KEY, { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
    location = await stripe.terminal.locations.create({
      display_name: 'Main Street',
      address: { line1: '1 Main St', city: 'Springfield', state: 'IL', postal_code: '62701', country: 'US' },
    });
  });
  after(async () => {
    await sim?.stop();
    await receiver?.close();
  });

  const newReader = (label = 'Reader 1') =>
    stripe.terminal.readers.create({ registration_code: 'simulated-wpe', label, location: location.id });
  const presentIntent = (extra = {}) =>
    stripe.paymentIntents.create({ amount: 1250, currency: 'usd', payment_method_types: ['card_present'], ...extra });
  const tap = (reader, params = {}) => stripe.testHelpers.terminal.readers.presentPaymentMethod(reader, params);

  it('registers, lists by status, retrieves, updates and deletes a simulated reader', async () => {
    assert.equal(location.object, 'terminal.location');
    const reader = await newReader('Counter');
    assert.equal(reader.object, 'terminal.reader');
    assert.match(reader.id, /^tmr_/);
    assert.equal(reader.device_type, 'simulated_wisepos_e');
    assert.equal(reader.status, 'online');
    assert.equal(reader.location, location.id);
    assert.equal(reader.action, null);

    const online = await stripe.terminal.readers.list({ status: 'online', location: location.id, limit: 100 });
    assert.ok(online.data.some((r) => r.id === reader.id));
    assert.equal((await stripe.terminal.readers.retrieve(reader.id)).label, 'Counter');
    assert.equal((await stripe.terminal.readers.update(reader.id, { label: 'Front' })).label, 'Front');
    const deleted = await stripe.terminal.readers.del(reader.id);
    assert.equal(deleted.deleted, true);
    const gone = await failure(stripe.terminal.readers.retrieve(reader.id));
    assert.ok(gone instanceof Stripe.errors.StripeInvalidRequestError);
    assert.equal(gone.statusCode, 404);
  });

  it('processes a PaymentIntent: in_progress at once, then the tap pays it and the charge is card_present', async () => {
    const reader = await newReader();
    const pi = await presentIntent();
    const started = await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    assert.equal(started.action.type, 'process_payment_intent');
    assert.equal(started.action.status, 'in_progress');

    const done = await tap(reader.id, { card_present: { number: '4242424242424242' } });
    assert.equal(done.action.status, 'succeeded');
    const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.latest_charge.payment_method_details.type, 'card_present');
    assert.equal(paid.latest_charge.payment_method_details.card_present.last4, '4242');
    assert.equal(paid.latest_charge.payment_method_details.card_present.read_method, 'contactless_emv');
  });

  it('with manual capture the tap authorizes, and a capture completes it', async () => {
    const reader = await newReader();
    const pi = await presentIntent({ capture_method: 'manual' });
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    await tap(reader.id);
    assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_capture');
    assert.equal((await stripe.paymentIntents.capture(pi.id)).status, 'succeeded');
  });

  it('a declined card fails the action with failure_code and failure_message', async () => {
    const reader = await newReader();
    const pi = await presentIntent();
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    const failed = await tap(reader.id, { card_present: { number: '4000000000009995' } });
    assert.equal(failed.action.status, 'failed');
    assert.equal(failed.action.failure_code, 'card_declined');
    assert.match(failed.action.failure_message, /insufficient funds/);
    assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');
  });

  it('a tip on the reader is added to the amount', async () => {
    const reader = await newReader();
    const pi = await presentIntent({ amount: 1000 });
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    await tap(reader.id, { amount_tip: 200 });
    const paid = await stripe.paymentIntents.retrieve(pi.id);
    assert.equal(paid.amount, 1200);
    assert.equal(paid.amount_details.tip.amount, 200);
  });

  it('answers busy, offline, timeout and invalid state with the codes Stripe documents', async () => {
    const reader = await newReader();
    const first = await presentIntent();
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: first.id });
    const busy = await failure(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: (await presentIntent()).id }));
    assert.equal(busy.code, 'terminal_reader_busy');
    assert.ok(busy instanceof Stripe.errors.StripeInvalidRequestError);

    await stripe.rawRequest('POST', `/_sim/terminal/readers/${reader.id}`, { status: 'offline' });
    assert.equal((await stripe.terminal.readers.retrieve(reader.id)).action.status, 'in_progress', 'a dropped action stays');
    const offline = await failure(stripe.terminal.readers.setReaderDisplay(reader.id, {
      type: 'cart',
      cart: { currency: 'usd', total: 100, line_items: [{ amount: 100, description: 'Tea', quantity: 1 }] },
    }));
    assert.equal(offline.code, 'terminal_reader_offline');
    const cancelled = await stripe.terminal.readers.cancelAction(reader.id);
    assert.equal(cancelled.action, null);

    await stripe.rawRequest('POST', `/_sim/terminal/readers/${reader.id}`, { status: 'online', unresponsive: 'true' });
    const timeout = await failure(stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: first.id }));
    assert.equal(timeout.code, 'terminal_reader_timeout');

    const other = await newReader();
    const cardOnly = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method_types: ['card'] });
    const invalid = await failure(stripe.terminal.readers.processPaymentIntent(other.id, { payment_intent: cardOnly.id }));
    assert.equal(invalid.code, 'intent_invalid_state');
  });

  it('shows a cart with set_reader_display', async () => {
    const reader = await newReader();
    const shown = await stripe.terminal.readers.setReaderDisplay(reader.id, {
      type: 'cart',
      cart: { currency: 'usd', tax: 80, total: 1080, line_items: [{ amount: 500, description: 'Coffee', quantity: 2 }] },
    });
    assert.equal(shown.action.type, 'set_reader_display');
    assert.equal(shown.action.set_reader_display.cart.total, 1080);
    assert.deepEqual(shown.action.set_reader_display.cart.line_items, [{ amount: 500, description: 'Coffee', quantity: 2 }]);
  });

  it('refunds on the reader, and lists refunds by payment_intent', async () => {
    const reader = await newReader();
    const pi = await presentIntent({ amount: 1500 });
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    await tap(reader.id);
    const started = await stripe.terminal.readers.refundPayment(reader.id, { payment_intent: pi.id, amount: 500 });
    assert.equal(started.action.type, 'refund_payment');
    assert.equal(started.action.status, 'in_progress');
    const done = await tap(reader.id);
    assert.equal(done.action.status, 'succeeded');

    const refunds = await stripe.refunds.list({ payment_intent: pi.id });
    assert.equal(refunds.data.length, 1);
    assert.equal(refunds.data[0].amount, 500);
    assert.equal((await stripe.refunds.retrieve(refunds.data[0].id)).amount, 500);
  });

  it('a method the path does not take answers 405 with a Stripe error the SDK reads', async () => {
    const err = await failure(stripe.rawRequest('PUT', '/v1/refunds', {}));
    assert.equal(err.statusCode, 405);
    assert.equal(err.raw?.type, 'invalid_request_error', `the body is Stripe's error object: ${JSON.stringify(err.raw)}`);
    assert.match(err.message, /PUT/);
  });

  it('terminal.reader.action_succeeded and action_failed arrive signed, carrying the reader', async () => {
    const reader = await newReader();
    const declined = await presentIntent();
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: declined.id });
    await tap(reader.id, { card_present: { number: '4000000000000002' } });
    await stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: declined.id });
    await tap(reader.id);

    const verified = () => deliveries.map((d) => stripe.webhooks.constructEvent(d.raw, d.headers['stripe-signature'], sim.webhookSecret));
    const mine = (kind) => verified().filter((e) => e.type === kind && e.data.object.id === reader.id);
    await until(() => mine('terminal.reader.action_succeeded').length && mine('terminal.reader.action_failed').length, { timeout: 10000 });
    const [failed] = mine('terminal.reader.action_failed');
    assert.equal(failed.data.object.object, 'terminal.reader');
    assert.equal(failed.data.object.action.failure_code, 'card_declined');
    const [succeeded] = mine('terminal.reader.action_succeeded');
    assert.equal(succeeded.data.object.action.process_payment_intent.payment_intent, declined.id);
    assert.equal((await stripe.events.retrieve(succeeded.id)).type, 'terminal.reader.action_succeeded');
  });
});
