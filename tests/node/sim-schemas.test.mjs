// Stripe's own OpenAPI schemas as the judge: every answer of stripe-sim must validate against the schema Stripe
// publishes for it (vendored in tests/fixtures/stripe/openapi, see SOURCE.md there), carry the keys of Stripe's
// fixture objects, and the params we send must exist in Stripe's request schemas.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { startSim, FIXTURES_DIR, SECRET_KEY, PUBLISHABLE_KEY } from './lib/sim.mjs';

const OPENAPI = path.join(FIXTURES_DIR, 'stripe/openapi');
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const FIXTURES = readJson(path.join(OPENAPI, 'fixtures3.json')).resources;

// ---------------------------------------------------------------------------------------------------------------
// OpenAPI 3.0 → JSON Schema for ajv

/**
 * A schema set rooted at one folder. `$ref: '#/components/schemas/NAME'` resolves to NAME.json in that folder, or to
 * `{}` (anything) when the file is not there (SOURCE.md "Not copied"). `nullable: true` becomes anyOf [schema, null],
 * which also covers `anyOf` + nullable and enum + nullable (OpenAPI 3.0 meaning; ajv alone needs `type` for it).
 */
function schemaSet(dir) {
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'unix-time': true, currency: true, decimal: true } });
  const idFor = (name) => `https://openapi.stripe.test/schemas/${name}.json`;
  const loaded = new Set();
  const missing = new Set();

  function convert(node, pending) {
    if (Array.isArray(node)) return node.map((n) => convert(n, pending));
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const m = node.$ref.match(/^#\/components\/schemas\/(.+)$/);
      if (!m) throw new Error(`unsupported $ref ${node.$ref}`);
      pending.push(m[1]);
      return { $ref: idFor(m[1]) };
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'nullable') continue;
      if (['enum', 'example', 'default', 'required'].includes(k)) out[k] = v; // data, not schemas
      else if ((k === 'properties' || k === 'patternProperties') && v && typeof v === 'object') {
        out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, convert(sub, pending)]));
      } else out[k] = convert(v, pending);
    }
    return node.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
  }

  function load(name) {
    const queue = [name];
    while (queue.length) {
      const n = queue.shift();
      if (loaded.has(n)) continue;
      loaded.add(n);
      const file = path.join(dir, `${n}.json`);
      let schema = {};
      if (existsSync(file)) {
        const pending = [];
        schema = convert(readJson(file), pending);
        queue.push(...pending);
      } else {
        missing.add(n);
      }
      ajv.addSchema({ ...schema, $id: idFor(n) });
    }
  }

  /** Compiles an inline schema (which may $ref components). */
  function compile(inline) {
    const pending = [];
    const converted = convert(inline, pending);
    pending.forEach(load);
    return ajv.compile(converted);
  }
  return {
    component(name) {
      load(name);
      return ajv.getSchema(idFor(name));
    },
    compile,
    missing,
    raw: (name) => readJson(path.join(dir, `${name}.json`)),
  };
}

const NEW = schemaSet(path.join(OPENAPI, 'schemas'));
const OLD = schemaSet(path.join(OPENAPI, 'spec3-2022-04-12/schemas'));

function explain(validate, max = 12) {
  return (validate.errors ?? [])
    .slice(0, max)
    .map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('\n  ');
}

function assertValid(validate, data, what) {
  const ok = validate(data);
  assert.ok(ok, `${what} does not match the schema:\n  ${explain(validate)}\nobject: ${JSON.stringify(data).slice(0, 600)}`);
}

/** Validators of an operation's declared answers: 200 and default (error). */
function operation(file, dir = 'requests') {
  const op = readJson(path.join(OPENAPI, dir, `${file}.operation.json`));
  const ok = NEW.compile(op.responses['200'].content['application/json'].schema);
  const error = NEW.compile(op.responses.default.content['application/json'].schema);
  const bodyFile = path.join(OPENAPI, dir, `${file}.requestBody.schema.json`);
  const request = existsSync(bodyFile) ? NEW.compile(readJson(bodyFile)) : null;
  return { ok, error, request };
}

const OPS = {
  create: operation('post_v1_payment_intents'),
  confirm: operation('post_v1_payment_intents_intent_confirm'),
  cancel: operation('post_v1_payment_intents_intent_cancel'),
  refund: operation('post_v1_refunds'),
  events: operation('get_v1_events'),
};
const EVENT_QUERY = Object.fromEntries(readJson(path.join(OPENAPI, 'requests/get_v1_events.parameters.json')).map((p) => [p.name, p]));

const V = {
  payment_intent: NEW.component('payment_intent'),
  refund: NEW.component('refund'),
  event: NEW.component('event'),
  error: NEW.component('error'),
  api_errors: NEW.component('api_errors'),
};

/** Top-level properties of `export interface NAME {` in stripe-node's generated .d.ts: name → optional? */
function sdkTypeProps(file, iface) {
  const text = readFileSync(new URL(`./node_modules/stripe/esm/resources/${file}.d.ts`, import.meta.url), 'utf8');
  const lines = text.split('\n');
  const start = lines.indexOf(`export interface ${iface} {`);
  assert.ok(start >= 0, `interface ${iface} in ${file}.d.ts`);
  const props = new Map();
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('}'); i++) {
    const m = lines[i].match(/^ {4}([a-z_0-9]+)(\?)?:/);
    if (m) props.set(m[1], Boolean(m[2]));
  }
  return props;
}

// ---------------------------------------------------------------------------------------------------------------
// raw HTTP, in Stripe's wire format (form bodies like stripe-node: a[b]=c, a[0]=x)

function formPairs(value, prefix, out) {
  if (value === undefined) return out;
  if (Array.isArray(value)) value.forEach((v, i) => formPairs(v, `${prefix}[${i}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) formPairs(v, prefix ? `${prefix}[${k}]` : k, out);
  else out.push([prefix, value === null ? '' : String(value)]);
  return out;
}
const encode = (obj) => new URLSearchParams(formPairs(obj, '', [])).toString();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, { timeout = 5000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(interval);
  }
}

/** Which request schema a POST path belongs to (only the four operations whose request schemas we hold). */
function opOf(method, p) {
  if (method !== 'POST') return null;
  if (p === '/v1/payment_intents') return 'create';
  if (/^\/v1\/payment_intents\/[^/]+\/confirm$/.test(p)) return 'confirm';
  if (/^\/v1\/payment_intents\/[^/]+\/cancel$/.test(p)) return 'cancel';
  if (p === '/v1/refunds') return 'refund';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------

describe("stripe-sim answers against Stripe's OpenAPI schemas", () => {
  let sim;
  let server;
  const deliveries = [];
  const sent = []; // { op, path, params, status }
  const seen = { payment_intent: [], refund: [], event: [], charge: [], payment_method: [] };
  const errorAnswers = []; // { what, status, body }

  async function api(method, p, params, { key = SECRET_KEY, idem } = {}) {
    let url = `${sim.url}${p}`;
    const headers = { authorization: `Bearer ${key}` };
    let body;
    if (method === 'GET' && params && Object.keys(params).length) url += `?${encode(params)}`;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = encode(params ?? {});
      if (idem) headers['idempotency-key'] = idem;
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      assert.fail(`${method} ${p} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${method} ${p}: Content-Type`);
    assert.match(res.headers.get('request-id') ?? '', /^req_/, `${method} ${p}: Request-Id header`);
    const op = opOf(method, p);
    if (op) sent.push({ op, path: p, params: params ?? {}, status: res.status });
    if (method === 'GET' && p === '/v1/events') sent.push({ op: 'events', path: p, params: params ?? {}, status: res.status });
    return { status: res.status, headers: res.headers, body: json };
  }

  /** POST/GET expecting 200; validates the answer against the given validator and records it. */
  async function ok(method, p, params, validator, kind, opts) {
    const r = await api(method, p, params, opts);
    assert.equal(r.status, 200, `${method} ${p} ${JSON.stringify(params)} → ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
    if (validator) assertValid(validator, r.body, `${method} ${p} answer`);
    if (kind) seen[kind].push(r.body);
    return r.body;
  }

  /** Expecting an error answer: validates against error.json (and the operation's default answer). */
  async function bad(what, method, p, params, { status, opValidator, ...opts } = {}) {
    const r = await api(method, p, params, opts);
    assert.ok(r.status >= 400, `${what}: expected an error answer, got ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    if (status) assert.equal(r.status, status, `${what}: status`);
    assertValid(V.error, r.body, `${what}: error answer`);
    if (opValidator) assertValid(opValidator, r.body, `${what}: error answer (operation default response)`);
    errorAnswers.push({ what, status: r.status, body: r.body });
    return r.body.error;
  }

  const pi = {
    create: (params) => ok('POST', '/v1/payment_intents', params, OPS.create.ok, 'payment_intent'),
    confirm: (id, params) => ok('POST', `/v1/payment_intents/${id}/confirm`, params, OPS.confirm.ok, 'payment_intent'),
    cancel: (id, params = {}) => ok('POST', `/v1/payment_intents/${id}/cancel`, params, OPS.cancel.ok, 'payment_intent'),
    get: (id, params) => ok('GET', `/v1/payment_intents/${id}`, params, V.payment_intent, 'payment_intent'),
    capture: (id, params = {}) => ok('POST', `/v1/payment_intents/${id}/capture`, params, V.payment_intent, 'payment_intent'),
    authenticate: (id, outcome) => ok('POST', `/v1/test_helpers/payment_intents/${id}/authenticate`, { outcome }, V.payment_intent, 'payment_intent'),
  };
  const CARD_ONLY = { enabled: true, allow_redirects: 'never' };
  const fresh = (extra = {}) => pi.create({ amount: 1500, currency: 'usd', automatic_payment_methods: CARD_ONLY, ...extra });

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        deliveries.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200).end();
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    sim = await startSim(['--forward-to', `http://127.0.0.1:${server.address().port}/webhook`, '--processing-delay-ms', '200']);
  });
  after(async () => {
    await sim?.stop();
    await new Promise((r) => server?.close(r));
  });

  // --- payment_intent.json ------------------------------------------------------------------------------------

  it('a fresh PaymentIntent (create and retrieve) matches payment_intent.json', async () => {
    const created = await pi.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true }, metadata: { order_id: 'ord_schema' }, description: 'Kassa order' });
    assert.equal(created.status, 'requires_payment_method');
    await pi.get(created.id);
  });

  it('a succeeded PaymentIntent matches payment_intent.json', async () => {
    const p = await fresh();
    const done = await pi.confirm(p.id, { payment_method: 'pm_card_visa' });
    assert.equal(done.status, 'succeeded');
    await pi.get(p.id);
  });

  it('a PaymentIntent in requires_action (3-D Secure) matches payment_intent.json, next_action included', async () => {
    const p = await fresh();
    const pending = await pi.confirm(p.id, { payment_method: 'pm_card_authenticationRequired' });
    assert.equal(pending.status, 'requires_action');
    assert.equal(pending.next_action?.type, 'use_stripe_sdk');
    const done = await pi.authenticate(p.id, 'complete');
    assert.equal(done.status, 'succeeded');
  });

  it('a failed 3-D Secure leaves a PaymentIntent with last_payment_error that matches payment_intent.json', async () => {
    const p = await fresh();
    await pi.confirm(p.id, { payment_method: 'pm_card_authenticationRequired' });
    const failed = await pi.authenticate(p.id, 'fail');
    assert.equal(failed.last_payment_error?.code, 'payment_intent_authentication_failure');
    assertValid(V.api_errors, failed.last_payment_error, 'last_payment_error (api_errors.json)');
  });

  it('a declined confirm answers 402 with error.json, error.payment_intent matches; the intent with last_payment_error matches payment_intent.json', async () => {
    const p = await fresh();
    const error = await bad('declined confirm', 'POST', `/v1/payment_intents/${p.id}/confirm`, { payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds' }, { status: 402, opValidator: OPS.confirm.error });
    assert.equal(error.type, 'card_error');
    assert.equal(error.code, 'card_declined');
    assert.equal(error.decline_code, 'insufficient_funds');
    assert.ok(error.payment_intent, 'error.payment_intent present (as on api.stripe.com)');
    assertValid(V.payment_intent, error.payment_intent, 'error.payment_intent');
    const after = await pi.get(p.id);
    assert.equal(after.status, 'requires_payment_method');
    assert.ok(after.last_payment_error);
    assertValid(V.api_errors, after.last_payment_error, 'last_payment_error (api_errors.json)');
  });

  it('a canceled PaymentIntent matches payment_intent.json', async () => {
    const p = await fresh();
    const canceled = await pi.cancel(p.id, { cancellation_reason: 'abandoned' });
    assert.equal(canceled.status, 'canceled');
  });

  it('a manual-capture PaymentIntent matches payment_intent.json in requires_capture and after a partial capture', async () => {
    const p = await fresh({ amount: 1000, capture_method: 'manual' });
    const held = await pi.confirm(p.id, { payment_method: 'pm_card_mastercard' });
    assert.equal(held.status, 'requires_capture');
    const captured = await pi.capture(p.id, { amount_to_capture: 700 });
    assert.equal(captured.status, 'succeeded');
  });

  it('a processing PaymentIntent matches payment_intent.json, before and after it settles', async () => {
    const p = await fresh();
    const processing = await pi.confirm(p.id, { payment_method: 'pm_card_processing_succeeds' });
    assert.equal(processing.status, 'processing');
    const settled = await until(async () => {
      const g = await pi.get(p.id);
      return g.status !== 'processing' && g;
    });
    assert.equal(settled?.status, 'succeeded');
  });

  it('a PaymentIntent confirmed with raw card data (publishable key + client_secret, as Stripe.js does) matches payment_intent.json', async () => {
    const p = await fresh();
    const done = await ok('POST', `/v1/payment_intents/${p.id}/confirm`, {
      client_secret: p.client_secret,
      payment_method_data: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' }, billing_details: { address: { postal_code: '10115' } } },
    }, OPS.confirm.ok, 'payment_intent', { key: PUBLISHABLE_KEY });
    assert.equal(done.status, 'succeeded');
    await pi.get(p.id);
  });

  it('with expand[]=latest_charge and expand[]=payment_method the PaymentIntent matches payment_intent.json and holds a charge and a payment_method', async () => {
    const p = await fresh();
    await pi.confirm(p.id, { payment_method: 'pm_card_visa' });
    const got = await pi.get(p.id, { expand: ['latest_charge', 'payment_method'] });
    assert.equal(got.latest_charge?.object, 'charge');
    assert.equal(got.payment_method?.object, 'payment_method');
    seen.charge.push(got.latest_charge);
    seen.payment_method.push(got.payment_method);
    const q = await fresh();
    const confirmedExpanded = await pi.confirm(q.id, { payment_method: 'pm_card_visa', expand: ['latest_charge', 'payment_method'] });
    assert.equal(confirmedExpanded.latest_charge?.object, 'charge', 'expand on confirm');
    assert.equal(confirmedExpanded.payment_method?.object, 'payment_method', 'expand on confirm');
  });

  it('a PaymentIntent list answer is a list of objects matching payment_intent.json', async () => {
    const list = await ok('GET', '/v1/payment_intents', { limit: 3 });
    assert.equal(list.object, 'list');
    assert.equal(typeof list.has_more, 'boolean');
    assert.equal(list.url, '/v1/payment_intents');
    assert.ok(Array.isArray(list.data) && list.data.length === 3);
    for (const item of list.data) assertValid(V.payment_intent, item, `listed ${item.id}`);
  });

  // --- refund.json --------------------------------------------------------------------------------------------

  it('refunds (partial, full, retrieved) match refund.json', async () => {
    const p = await fresh({ amount: 1000 });
    await pi.confirm(p.id, { payment_method: 'pm_card_visa' });
    const partial = await ok('POST', '/v1/refunds', { payment_intent: p.id, amount: 250, reason: 'requested_by_customer', metadata: { line: '2' } }, OPS.refund.ok, 'refund');
    assert.equal(partial.amount, 250);
    const rest = await ok('POST', '/v1/refunds', { payment_intent: p.id }, OPS.refund.ok, 'refund');
    assert.equal(rest.amount, 750);
    await ok('GET', `/v1/refunds/${partial.id}`, undefined, V.refund, 'refund');
    const err = await bad('refund of a fully refunded intent', 'POST', '/v1/refunds', { payment_intent: p.id, amount: 1 }, { status: 400, opValidator: OPS.refund.error });
    assert.equal(err.type, 'invalid_request_error');
  });

  // --- event.json ---------------------------------------------------------------------------------------------

  it('GET /v1/events answers a NotificationEventList (operation schema) of events matching event.json', async () => {
    const params = { limit: 5, type: 'payment_intent.succeeded' };
    const list = await ok('GET', '/v1/events', params, OPS.events.ok);
    assert.ok(list.data.length > 0);
    for (const e of list.data) {
      assertValid(V.event, e, `listed event ${e.id}`);
      seen.event.push(e);
    }
    const one = await ok('GET', `/v1/events/${list.data[0].id}`, undefined, V.event, 'event');
    assert.equal(one.id, list.data[0].id);
    const all = await ok('GET', '/v1/events', { limit: 100 }, OPS.events.ok);
    for (const e of all.data) assertValid(V.event, e, `listed event ${e.id} (${e.type})`);
  });

  it('a delivered webhook event matches event.json', async () => {
    const got = await until(() => deliveries.length > 0, { timeout: 10000 });
    assert.ok(got, 'at least one webhook delivered within 10 s');
    for (const raw of deliveries) {
      const e = JSON.parse(raw);
      assertValid(V.event, e, `delivered event ${e.id} (${e.type})`);
      seen.event.push(e);
    }
  });

  // --- error.json ---------------------------------------------------------------------------------------------

  it('every error answer matches error.json: auth, missing object, validation, state, idempotency, unknown param', async () => {
    let e = await bad('wrong key', 'GET', '/v1/payment_intents', undefined, { status: 401, key: 'sk_live_kassa_wrong' });
    assert.equal(e.type, 'invalid_request_error', 'Stripe answers 401 with type invalid_request_error');
    e = await bad('unknown intent', 'GET', '/v1/payment_intents/pi_doesnotexist000000', undefined, { status: 404 });
    assert.equal(e.code, 'resource_missing');
    e = await bad('amount 0', 'POST', '/v1/payment_intents', { amount: 0, currency: 'usd' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.param, 'amount');
    e = await bad('fractional amount', 'POST', '/v1/payment_intents', { amount: '10.5', currency: 'usd' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.param, 'amount');
    e = await bad("currency 'xyz'", 'POST', '/v1/payment_intents', { amount: 1000, currency: 'xyz' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.param, 'currency');
    e = await bad('jpy below minimum', 'POST', '/v1/payment_intents', { amount: 49, currency: 'jpy' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.param, 'amount');
    e = await bad('amount too large', 'POST', '/v1/payment_intents', { amount: 100000000, currency: 'usd' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.param, 'amount');
    const p = await fresh();
    await pi.confirm(p.id, { payment_method: 'pm_card_visa' });
    e = await bad('cancel after success', 'POST', `/v1/payment_intents/${p.id}/cancel`, {}, { status: 400, opValidator: OPS.cancel.error });
    assert.equal(e.code, 'payment_intent_unexpected_state');
    if (e.payment_intent) assertValid(V.payment_intent, e.payment_intent, 'cancel error payment_intent');
    const held = await fresh({ amount: 1000, capture_method: 'manual' });
    await pi.confirm(held.id, { payment_method: 'pm_card_visa' });
    e = await bad('capture above capturable', 'POST', `/v1/payment_intents/${held.id}/capture`, { amount_to_capture: 5000 }, { status: 400 });
    assert.equal(e.type, 'invalid_request_error');
    const key = `schema-idem-${Date.now()}`;
    const first = await api('POST', '/v1/payment_intents', { amount: 1000, currency: 'usd' }, { idem: key });
    assert.equal(first.status, 200);
    e = await bad('idempotency key reused with other params', 'POST', '/v1/payment_intents', { amount: 1001, currency: 'usd' }, { status: 400, idem: key, opValidator: OPS.create.error });
    assert.equal(e.type, 'idempotency_error');
    const luhn = await fresh();
    e = await bad('confirm with a Luhn-invalid number', 'POST', `/v1/payment_intents/${luhn.id}/confirm`, {
      client_secret: luhn.client_secret,
      payment_method_data: { type: 'card', card: { number: '4242424242424241', exp_month: 12, exp_year: 2034, cvc: '123' } },
    }, { opValidator: OPS.confirm.error, key: PUBLISHABLE_KEY });
    assert.equal(e.code, 'incorrect_number');
  });

  it('an unknown parameter is refused like Stripe does (400 invalid_request_error naming it)', async () => {
    const e = await bad('unknown param', 'POST', '/v1/payment_intents', { amount: 1000, currency: 'usd', kassa_unknown: 'x' }, { status: 400, opValidator: OPS.create.error });
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.param, 'kassa_unknown');
  });

  // --- the older (2022-04-12) spec, for comparison ------------------------------------------------------------

  it("the objects carry every property the 2022-04-12 spec lists as required (its lists are longer: amount, capture_method, confirmation_method, currency, payment_method_types, …)", () => {
    // Only the required lists are compared: enums grew since (e.g. capture_method automatic_async, API 2024-06-20).
    const problems = new Set();
    const check = (name, obj, what) => {
      for (const k of OLD.raw(name).required ?? []) if (!(k in obj)) problems.add(`${what}: ${k}`);
    };
    for (const o of seen.payment_intent) check('payment_intent', o, `payment_intent (${o.status})`);
    for (const o of seen.refund) check('refund', o, 'refund');
    for (const o of seen.event) check('event', o, `event (${o.type})`);
    for (const a of errorAnswers) check('api_errors', a.body.error, `error (${a.what})`);
    assert.deepEqual([...problems], []);
  });

  // --- fixture keys -------------------------------------------------------------------------------------------

  /** Top-level keys of Stripe's fixture object missing from ours; keys the schema does not define are tolerated. */
  function missingFixtureKeys(kind, schemaProps) {
    const fixture = FIXTURES[kind];
    const report = {};
    const tolerated = new Set();
    for (const obj of seen[kind]) {
      for (const k of Object.keys(fixture)) {
        if (k in obj) continue;
        if (schemaProps && !(k in schemaProps)) {
          tolerated.add(k);
          continue;
        }
        (report[k] ??= new Set()).add(obj.status ?? obj.type ?? obj.id);
      }
    }
    return { missing: Object.fromEntries(Object.entries(report).map(([k, v]) => [k, [...v].sort()])), tolerated: [...tolerated] };
  }

  for (const kind of ['payment_intent', 'refund', 'event']) {
    it(`every ${kind} we saw has the keys of Stripe's fixtures3.json ${kind} (keys absent from ${kind}.json tolerated)`, (t) => {
      assert.ok(seen[kind].length > 0, `saw no ${kind}`);
      const { missing, tolerated } = missingFixtureKeys(kind, NEW.raw(kind).properties);
      if (tolerated.length) t.diagnostic(`tolerated (not in ${kind}.json): ${tolerated.join(', ')}`);
      assert.deepEqual(missing, {}, `fixture keys missing (key → in which states)`);
    });
  }

  // No charge / payment_method schema was copied; stripe-node's generated types (from Stripe's spec) stand in:
  // keys they mark optional (`refunds?:`, includable since 2022-11-15) are tolerated.
  for (const [kind, file, iface] of [['charge', 'Charges', 'Charge'], ['payment_method', 'PaymentMethods', 'PaymentMethod']]) {
    it(`an expanded ${kind} has the keys of Stripe's fixtures3.json ${kind} (keys optional in stripe-node's ${iface} type tolerated)`, (t) => {
      assert.ok(seen[kind].length > 0, `saw no ${kind}`);
      const props = sdkTypeProps(file, iface);
      const { missing } = missingFixtureKeys(kind, null);
      const tolerated = Object.keys(missing).filter((k) => props.get(k) !== false);
      if (tolerated.length) t.diagnostic(`tolerated (optional or absent in stripe-node's ${iface}): ${tolerated.join(', ')}`);
      assert.deepEqual(Object.keys(missing).filter((k) => props.get(k) === false).sort(), []);
    });
  }

  // --- request side -------------------------------------------------------------------------------------------

  it("every param the simulator accepted from us exists in Stripe's request schemas (requests/*.requestBody.schema.json, get_v1_events.parameters.json)", (t) => {
    const problems = [];
    const used = {};
    const rawCard = new Set();
    for (const s of sent) {
      if (s.status >= 400 && s.status !== 402) continue; // refused: not accepted
      (used[s.op] ??= new Set());
      for (const [k] of formPairs(s.params, '', [])) used[s.op].add(k.replace(/\[\d+\]/g, '[]'));
      if (s.op === 'events') {
        for (const [name, value] of Object.entries(s.params)) {
          const spec = EVENT_QUERY[name];
          if (!spec) problems.push(`GET /v1/events: query param ${name} is not in Stripe's parameters`);
          else {
            const v = NEW.compile(spec.schema);
            if (!v(value)) problems.push(`GET /v1/events ${name}=${JSON.stringify(value)}: ${explain(v)}`);
          }
        }
        continue;
      }
      const validate = OPS[s.op].request;
      let params = s.params;
      if (s.op === 'confirm' && params.payment_method_data?.type === 'card') {
        // Raw card data is the Stripe.js (publishable key) shape; Stripe's public spec has no payment_method_data[card].
        const { payment_method_data, ...rest } = params;
        const { type, card, ...pmdRest } = payment_method_data;
        params = { ...rest, payment_method_data: { type: 'us_bank_account', ...pmdRest } };
        rawCard.add(formPairs({ payment_method_data: { type, card } }, '', []).map(([k]) => k).join(' '));
      }
      // Form values are strings on the wire; we validate what we meant to send (numbers as numbers).
      if (!validate(params)) problems.push(`POST ${s.path} ${JSON.stringify(s.params)} (answered ${s.status}): ${explain(validate)}`);
    }
    for (const [op, keys] of Object.entries(used)) t.diagnostic(`params sent to ${op}: ${[...keys].sort().join(' ')}`);
    for (const keys of rawCard) t.diagnostic(`exempt (Stripe.js-only, not in the public confirm schema): ${keys}`);
    assert.ok(sent.some((s) => s.op === 'create') && sent.some((s) => s.op === 'confirm') && sent.some((s) => s.op === 'cancel') && sent.some((s) => s.op === 'refund'));
    assert.deepEqual(problems, []);
  });
});
