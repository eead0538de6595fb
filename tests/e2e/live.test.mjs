// Live mode, offline, through the real window. Stripe.js refuses a live key on any page that is not https:, and
// the till's own page is tauri://localhost, so the till takes the card in a frame of the backend's HTTPS payment
// page. Here the backend serves HTTPS itself, with a certificate from a test CA that this file makes and adds to
// the system trust store (WebKitGTK trusts it), and simulates Stripe in live mode (--simulate --sim-live: pk_live_
// and sk_live_ keys, livemode true). The till is configured as a merchant's would be: the backend's https URL
// and a terminal token. One sale pays with 4242 4242 4242 4242 and is fulfilled exactly once; then the old
// embedding (Stripe.js on the till's own page) is shown to fail with Stripe's IntegrationError.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, alive, until } from './lib/harness.mjs';
import { session } from './lib/steps.mjs';
import { PAY_FRAME, WAIT, button, cashierSale, click, dbUntil, typeCard, waitPaid, waitShown } from './lib/ui.mjs';

const BACKEND = process.env.KASSA_BACKEND_BIN || path.join(ROOT, 'target/debug/kassa-backend');
const SYSTEM_CA_DIR = '/usr/local/share/ca-certificates';
const LIVE_SECRET_KEY = 'sk_live_kassa_simulated';

const live = { dir: null, backend: null, url: null, simUrl: null, caFile: null, token: null, log: null };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** A test CA and a leaf for localhost and 127.0.0.1, signed by it (P-256 keys, PKCS#8 PEM, two days). */
function makeCertificates(dir) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  // Name-constrained to this machine's loopback names, so the CA in the system store can vouch for nothing else.
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Kassa e2e test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.0/255.0.0.0'], dir);
  openssl(['req', ...ec, '-keyout', 'backend.key', '-out', 'backend.csr', '-subj', '/CN=localhost'], dir);
  fs.writeFileSync(path.join(dir, 'leaf.ext'), [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl(['x509', '-req', '-in', 'backend.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'backend.pem',
    '-days', '2', '-extfile', 'leaf.ext'], dir);
  // Nothing more is ever signed with it.
  fs.rmSync(path.join(dir, 'ca.key'));
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'backend.pem'), key: path.join(dir, 'backend.key') };
}

/** As root (CI), or through sudo without a password prompt (a developer's machine, as scripts/setup does). */
function asRoot(cmd, args) {
  const [bin, argv] = process.getuid?.() === 0 ? [cmd, args] : ['sudo', ['-n', cmd, ...args]];
  try {
    execFileSync(bin, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} needs root (the test CA goes into the system trust store): ${e.stderr || e.message}`);
  }
}

/** Adds the test CA to the system store, as a shop adds its own CA; removed again in after(). */
function trustCa(caPem) {
  // A run that was killed leaves its CA behind: never let test CAs pile up in the trust store. Only those of runs
  // that are gone: another run may be going on at the same time.
  const stale = fs.existsSync(SYSTEM_CA_DIR)
    ? fs.readdirSync(SYSTEM_CA_DIR).filter((f) => {
        const m = /^kassa-e2e-(\d+)\.crt$/.exec(f);
        return m && !alive(Number(m[1]));
      })
    : [];
  for (const f of stale) asRoot('rm', ['-f', path.join(SYSTEM_CA_DIR, f)]);
  live.caFile = path.join(SYSTEM_CA_DIR, `kassa-e2e-${process.pid}.crt`);
  asRoot('install', ['-D', '-m', '0644', caPem, live.caFile]);
  asRoot('update-ca-certificates', []);
}

function untrustCa() {
  if (!live.caFile) return;
  try {
    asRoot('rm', ['-f', live.caFile]);
    asRoot('update-ca-certificates', []);
  } catch (e) {
    console.error(`[e2e] removing the test CA: ${e.message}`);
  }
}

before(async () => {
  live.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kassa-e2e-live-backend-'));
  const certs = makeCertificates(live.dir);
  trustCa(certs.ca);
  const dataDir = path.join(live.dir, 'data');
  live.token = execFileSync(BACKEND, ['token', 'create', '--name', 'till-live', '--data-dir', dataDir], { encoding: 'utf8', timeout: 30_000 })
    .trim()
    .split('\n')
    .pop();
  const port = await freePort();
  live.log = path.join(live.dir, 'backend.log');
  const out = fs.openSync(live.log, 'a');
  live.backend = spawn(
    BACKEND,
    ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--simulate', '--sim-live', '--demo-catalog', '--tls-cert', certs.cert, '--tls-key', certs.key],
    { detached: true, stdio: ['ignore', out, out], env: { ...process.env, RUST_LOG: 'kassa_backend=info,stripe_sim=info' } },
  );
  fs.closeSync(out);
  await until(30_000, `the live-like backend did not start (see ${live.log})`, () => {
    if (live.backend.exitCode !== null) throw Object.assign(new Error(`it exited: ${fs.readFileSync(live.log, 'utf8')}`), { fatal: true });
    const text = fs.readFileSync(live.log, 'utf8');
    const listening = /kassa-backend listening on (https:\/\/\S+)/.exec(text);
    const sim = /stripe simulator on (http:\/\/\S+)/.exec(text);
    if (listening && sim) {
      live.url = `https://localhost:${port}`;
      live.simUrl = sim[1];
      return true;
    }
    return false;
  }, 200);
}, { timeout: 120_000 });

after(async () => {
  if (live.backend?.pid) {
    try {
      process.kill(-live.backend.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  untrustCa();
  if (live.log && fs.existsSync(live.log)) {
    const dest = path.join(ROOT, 'artifacts/e2e/live');
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(live.log, path.join(dest, 'live-backend.log'));
  }
  if (live.dir) fs.rmSync(live.dir, { recursive: true, force: true });
});

async function simIntent(id) {
  const res = await fetch(`${live.simUrl}/v1/payment_intents/${id}`, {
    headers: { Authorization: `Bearer ${LIVE_SECRET_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200, `the simulator's intent ${id}`);
  return res.json();
}

describe('live-like mode: a sale through the backend’s HTTPS payment page in the real window', () => {
  const s = session('live', {
    // Filled in by before() above, which node:test runs first.
    get extraEnv() {
      return { KASSA_BACKEND_URL: live.url, KASSA_TERMINAL_TOKEN: live.token, KASSA_TERMINAL_NAME: 'till-live' };
    },
  });
  const sale = {};

  s.step('1. the till is live: its backend is the HTTPS one, with a live publishable key', WAIT, async (h) => {
    const info = await h.browser.executeAsync((done) => {
      window.__TAURI_INTERNALS__.invoke('app_info').then(done, (e) => done({ error: String(e?.message ?? e) }));
    });
    assert.equal(info.mode, 'live');
    assert.equal(info.backend_url, live.url);
  });

  s.step('2. Charge: the payment page is framed from the backend’s https: origin, and Stripe.js accepted the live key there', WAIT * 2, async (h) => {
    const b = h.browser;
    await cashierSale(h, ['Espresso']);
    const frame = await waitShown(b, PAY_FRAME, 'the payment page frame');
    assert.equal(await frame.getAttribute('src'), `${live.url}/pay`);
    await b.switchFrame(frame);
    try {
      const inside = await b.execute(() => ({
        protocol: location.protocol,
        origin: location.origin,
        stripe: typeof window.Stripe,
        status: document.getElementById('pay-status')?.textContent ?? '',
        formFrames: document.querySelectorAll('iframe[title="Secure payment input frame"]').length,
      }));
      assert.equal(inside.protocol, 'https:');
      assert.equal(inside.origin, live.url);
      assert.equal(inside.stripe, 'function', 'Stripe.js (the simulator’s stand-in) loaded in the payment page');
      assert.equal(inside.formFrames, 1, 'the Payment Element is mounted in the payment page');
      assert.doesNotMatch(inside.status, /IntegrationError|must use HTTPS/);
    } finally {
      await b.switchFrame(null);
    }
  });

  s.step('3. card 4242 4242 4242 4242; Pay; "Paid" and the receipt', WAIT * 3, async (h) => {
    const b = h.browser;
    await typeCard(h, '4242 4242 4242 4242');
    await h.shot('live card typed');
    await click(b, '#pay-form button[type="submit"]', 'Pay');
    Object.assign(sale, await waitPaid(h));
    assert.equal(sale.paidBy, 'Visa •••• 4242');
    assert.match(sale.paymentIntent, /^pi_[A-Za-z0-9]+$/);
  });

  s.step('4. fulfilled exactly once in till.sqlite3, and the intent is a live one', 20_000, async (h) => {
    const [order] = await dbUntil(h, 'the order in till.sqlite3', 'SELECT * FROM orders WHERE id = ?', [sale.orderId], (r) => r.length === 1 && r[0].status === 'paid');
    assert.equal(order.payment_intent_id, sale.paymentIntent);
    const fulfilments = h.sql('SELECT * FROM fulfilments WHERE payment_intent_id = ? OR order_id = ?', [sale.paymentIntent, sale.orderId]);
    assert.equal(fulfilments.length, 1, `fulfilments: ${JSON.stringify(fulfilments)}`);
    const succeeded = h.sql("SELECT * FROM applied_events WHERE payment_intent_id = ? AND type = 'payment_intent.succeeded'", [sale.paymentIntent]);
    assert.equal(succeeded.length, 1);
    assert.equal(succeeded[0].outcome, 'fulfilled');
    const intent = await simIntent(sale.paymentIntent);
    assert.equal(intent.livemode, true, 'the simulator ran in live mode');
    assert.equal(intent.status, 'succeeded');
  });

  s.step('5. 3-D Secure inside the frame: card 4000 0027 6000 3184; the challenge fills the window; Complete → Paid', WAIT * 4, async (h) => {
    const b = h.browser;
    await click(b, button('New sale'), 'New sale');
    await cashierSale(h, ['Croissant']);
    await typeCard(h, '4000 0027 6000 3184');
    await click(b, '#pay-form button[type="submit"]', 'Pay');
    // Stripe.js opens its challenge inside the payment page; the till gives that frame the whole window.
    await b.waitUntil(async () => (await b.$(PAY_FRAME).getAttribute('class'))?.includes('is-challenge'), {
      timeout: WAIT,
      timeoutMsg: 'the payment page frame did not fill the window for the 3-D Secure challenge',
    });
    const size = await b.execute((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return { w: r.width, h: r.height, vw: window.innerWidth, vh: window.innerHeight };
    }, PAY_FRAME);
    assert.deepEqual([size.w, size.h], [size.vw, size.vh], 'the challenge frame covers the window');
    const progress = await b.execute(() =>
      Array.from(document.querySelectorAll('.payment [role="status"]')).map((e) => `${e.getAttribute('aria-label') ?? ''} ${e.textContent}`).join(' | '),
    );
    assert.match(progress, /authenticate/i, 'the till says the customer is authenticating');
    await b.switchFrame(await b.$(PAY_FRAME));
    try {
      await waitShown(b, 'iframe[name="kassa-sim-challenge"]', 'the 3-D Secure challenge');
      // The payment page keeps only the challenge on screen while it is open.
      assert.equal(await b.execute(() => getComputedStyle(document.getElementById('pay')).visibility), 'hidden');
      await b.switchFrame(null);
      await h.shot('3-D Secure challenge in the payment page'); // (a screenshot returns to the top frame)
      await b.switchFrame(await b.$(PAY_FRAME));
      await b.switchFrame(await b.$('iframe[name="kassa-sim-challenge"]'));
      await b.$('#complete:enabled').waitForExist({ timeout: WAIT, timeoutMsg: 'Complete authentication stayed disabled' });
      await click(b, '#complete', 'Complete authentication');
    } finally {
      await b.switchFrame(null);
    }
    const r = await waitPaid(h);
    assert.equal(r.paidBy, 'Visa •••• 3184');
    const fulfilments = h.sql('SELECT * FROM fulfilments WHERE payment_intent_id = ?', [r.paymentIntent]);
    assert.equal(fulfilments.length, 1);
    assert.equal((await simIntent(r.paymentIntent)).livemode, true);
  });

  s.step('6. the old embedding fails: Stripe.js with the live key on the till’s own page throws IntegrationError', WAIT, async (h) => {
    const b = h.browser;
    // The stand-in exactly as the old till page loaded it (a <script> of the simulator's /v3, then Stripe(pk)).
    // The till's CSP no longer lets its page load that script, so WebDriver runs the same source in the page.
    const res = await fetch(`${live.simUrl}/v3`, { signal: AbortSignal.timeout(10_000) });
    const source = await res.text();
    const outcome = await b.execute(`${source}
      ;return (function () {
        var out = { protocol: location.protocol };
        try { window.Stripe('pk_live_kassa_simulated'); out.live = 'no error'; }
        catch (e) { out.live = { name: e.name, message: e.message }; }
        try { window.Stripe('pk_test_kassa_simulated'); out.test = 'no error'; }
        catch (e) { out.test = { name: e.name, message: e.message }; }
        var note = document.createElement('div');
        note.id = 'old-embedding-result';
        note.setAttribute('role', 'alert');
        note.style.cssText = 'position:fixed;left:16px;right:16px;bottom:16px;z-index:99999;padding:16px;border-radius:8px;' +
          'background:#7f1d1d;color:#fff;font:16px/1.4 system-ui,sans-serif;white-space:pre-wrap';
        note.textContent = 'Old embedding: Stripe.js on ' + location.origin + ' (protocol ' + location.protocol + ')\\n' +
          'Stripe(pk_live_…) → ' + (out.live.name || '') + ': ' + (out.live.message || out.live);
        document.body.appendChild(note);
        return out;
      })();`);
    assert.equal(outcome.protocol, 'tauri:');
    assert.equal(outcome.live.name, 'IntegrationError');
    assert.match(outcome.live.message, /^Live Stripe\.js integrations must use HTTPS\./);
    assert.equal(outcome.test, 'no error', 'a test key on the same page only warns');
    await waitShown(b, '#old-embedding-result', 'the old embedding’s error on screen');
    await h.shot('old embedding fails with IntegrationError');
  });

  s.closeApp();
});
