// The self-checkout kiosk through the real window (`kassa --kiosk`, demo mode): fullscreen with no decorations,
// a whole sale (Welcome → items → card → Thank you with the receipt → Welcome), the lock-down (no context menu,
// no reload keys, Alt+F4 refused), the idle timeout canceling the PaymentIntent, and the staff PIN exit.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Key } from 'webdriverio';
import { sleep, until } from './lib/harness.mjs';
import { session, norm } from './lib/steps.mjs';
import { PAY_FRAME, WAIT, waitShown, click, typeCard, dbUntil, receiptMeta, simApi, chooseTypedCard } from './lib/ui.mjs';

const SCREEN = { width: 1280, height: 800 }; // the harness's Xvfb screen
const TITLE = 'Kassa self-checkout';
const tile = (sku) => `li.ktile[data-sku="${sku}"]`;
const addOne = (sku) => `${tile(sku)} button.kbtn-add`;
const pinKey = (digit) => `//div[@data-testid="pin-pad"]//button[contains(@class,"pin-key") and normalize-space()="${digit}"]`;

/** The kiosk's stage (data-stage on its root), or null before it is mounted. */
const stage = (b) => b.execute(() => document.querySelector('.kiosk')?.getAttribute('data-stage') ?? null);

async function waitStage(b, want, timeout = WAIT) {
  const wanted = [want].flat();
  let last;
  await b.waitUntil(async () => wanted.includes((last = await stage(b))), {
    timeout,
    timeoutMsg: `the kiosk did not reach ${wanted.join(' or ')} within ${timeout / 1000} s (stage: ${last})`,
  });
  return last;
}

/** The order panel's lines ("2× Espresso $ 5.00") and the total, as shown. */
async function orderShown(b) {
  return b.execute(() => ({
    lines: Array.from(document.querySelectorAll('.korder-lines li')).map((li) =>
      Array.from(li.children).map((c) => c.textContent).join(' '),
    ),
    total: document.querySelector('.korder-total strong')?.textContent ?? '',
  })).then((o) => ({ lines: o.lines.map(norm), total: norm(o.total) }));
}

/** Taps Welcome and waits for the items screen with an empty order. */
async function startSale(b) {
  await click(b, '.kwelcome-button', 'Welcome · Tap to start');
  await waitShown(b, '[data-testid="kiosk-items"]', 'the items screen');
  await waitShown(b, addOne('espresso'), 'the Espresso tile');
}

/** Adds one of `sku` and waits until the tile counts `qty`. */
async function add(b, sku, qty) {
  await click(b, addOne(sku), `+ on ${sku}`);
  await b.waitUntil(async () => norm(await b.$(`${tile(sku)} .ktile-count`).getText()) === String(qty), {
    timeout: WAIT,
    timeoutMsg: `${sku} did not reach ${qty} in the order`,
  });
}

function x(h, cmd, args) {
  return execFileSync(cmd, args, { env: { ...process.env, DISPLAY: h.display }, encoding: 'utf8', timeout: 10_000 });
}

/** xwininfo's geometry of a window: { x, y, width, height }. */
function geometry(h, id) {
  const out = x(h, 'xwininfo', id === 'root' ? ['-root'] : ['-id', id]);
  const num = (label) => Number(new RegExp(`${label}:\\s+(-?\\d+)`).exec(out)?.[1]);
  return { x: num('Absolute upper-left X'), y: num('Absolute upper-left Y'), width: num('Width'), height: num('Height') };
}

/** The app's top-level X window (the one titled TITLE), its window-manager frame, and their state. */
function kioskWindow(h) {
  const tree = x(h, 'xwininfo', ['-root', '-tree']);
  const ids = tree
    .split('\n')
    .filter((l) => l.includes(`"${TITLE}"`))
    .map((l) => l.trim().split(/\s+/)[0]);
  assert.equal(ids.length, 1, `exactly one X window titled "${TITLE}":\n${tree}`);
  const id = ids[0];
  const parent = /Parent window id: (0x[0-9a-f]+)/.exec(x(h, 'xwininfo', ['-tree', '-id', id]))?.[1];
  const props = x(h, 'xprop', ['-id', id, '_NET_WM_STATE', '_NET_FRAME_EXTENTS', '_MOTIF_WM_HINTS']);
  return { id, parent, client: geometry(h, id), frame: parent ? geometry(h, parent) : null, props };
}

describe('the self-checkout kiosk through the real window', () => {
  const s = session('kiosk', { args: ['--kiosk'], maximize: false });
  const sale = {};
  const idle = {};

  s.step('1. the window covers the whole 1280x800 display: fullscreen, always on top, no title bar or border', 40_000, async (h) => {
    const b = h.browser;
    await waitShown(b, '[data-testid="kiosk-welcome"]', 'the Welcome screen', 30_000);
    const root = geometry(h, 'root');
    assert.deepEqual(root, { x: 0, y: 0, ...SCREEN }, 'the X screen is 1280x800');
    const w = kioskWindow(h);
    assert.deepEqual(w.client, { x: 0, y: 0, ...SCREEN }, `the app's window covers the screen (window ${w.id})`);
    // openbox reparents every managed window into a frame; a title bar or border would make it larger.
    assert.deepEqual(w.frame, { x: 0, y: 0, ...SCREEN }, `openbox's frame around it (${w.parent}) adds no title bar or border`);
    assert.match(w.props, /_NET_FRAME_EXTENTS\(CARDINAL\) = 0, 0, 0, 0/, `no frame extents:\n${w.props}`);
    assert.match(w.props, /_NET_WM_STATE\(ATOM\) = .*_NET_WM_STATE_FULLSCREEN/, `fullscreen:\n${w.props}`);
    assert.match(w.props, /_NET_WM_STATE\(ATOM\) = .*_NET_WM_STATE_ABOVE/, `always on top:\n${w.props}`);
    // _MOTIF_WM_HINTS flags 0x2 (decorations given) with decorations 0: the app asked for none.
    assert.match(w.props, /_MOTIF_WM_HINTS\(_MOTIF_WM_HINTS\) = 0x2, 0x0, 0x0/, `no decorations requested:\n${w.props}`);
    // And as WebDriver and the page see it.
    assert.deepEqual(await b.getWindowRect(), { x: 0, y: 0, ...SCREEN });
    assert.deepEqual(await b.execute(() => [innerWidth, innerHeight, screen.width, screen.height]), [1280, 800, 1280, 800]);
    assert.equal(await stage(b), 'welcome');
  });

  s.step('2. Welcome → items: 2 Espresso and a Croissant, $ 7.90', WAIT * 2, async (h) => {
    const b = h.browser;
    await startSale(b);
    assert.deepEqual(await orderShown(b), { lines: [], total: '$ 0.00' }, 'a new sale starts empty');
    await add(b, 'espresso', 1);
    await add(b, 'espresso', 2);
    await add(b, 'croissant', 1);
    assert.deepEqual(await orderShown(b), { lines: ['2× Espresso $ 5.00', '1× Croissant $ 2.90'], total: '$ 7.90' });
    assert.equal(norm(await b.$('[data-testid="kiosk-total"]').getText()), '$ 7.90');
    await b.$('.kbtn-pay').waitForEnabled({ timeout: WAIT, timeoutMsg: 'Pay stayed disabled' });
    assert.equal(norm(await b.$('.kbtn-pay').getText()), 'Pay $ 7.90');
  });

  s.step('3. Pay: the card form; 4242 4242 4242 4242; Pay', WAIT * 3, async (h) => {
    const b = h.browser;
    await click(b, '.kbtn-pay', 'Pay $ 7.90');
    await waitShown(b, '[data-testid="kiosk-pay"]', 'the pay screen');
    await chooseTypedCard(b);
    await waitShown(b, PAY_FRAME, 'the payment page frame');
    await b.$('#pay-form button[type="submit"]').waitForEnabled({ timeout: WAIT, timeoutMsg: 'the card form never became ready' });
    await h.shot('pay screen');
    assert.deepEqual((await orderShown(b)).total, '$ 7.90');
    await typeCard(h, '4242 4242 4242 4242');
    await h.shot('card typed');
    await click(b, '#pay-form button[type="submit"]', 'Pay');
  });

  s.step('4. Thank you, with the receipt on screen (Visa •••• 4242, the PaymentIntent); the order is paid in till.sqlite3', WAIT * 2, async (h) => {
    const b = h.browser;
    await waitShown(b, '[data-testid="kiosk-thanks"]', 'the Thank you screen', WAIT * 1.5);
    assert.equal(norm(await b.$('#thanks-title').getText()), 'Thank you!');
    assert.equal(
      norm(await b.$('.kthanks-head [role="status"]').getText()),
      'Your payment of $ 7.90 was received (Visa •••• 4242).',
    );
    await waitShown(b, 'article.kreceipt[aria-label="Receipt"]', 'the on-screen receipt');
    const meta = await receiptMeta(b);
    assert.equal(meta['Paid by'], 'Visa •••• 4242', `receipt: ${JSON.stringify(meta)}`);
    assert.match(meta.Payment ?? '', /^pi_[A-Za-z0-9]+$/, `receipt: ${JSON.stringify(meta)}`);
    assert.match(meta.Order ?? '', /\S/);
    Object.assign(sale, { orderId: meta.Order, paymentIntent: meta.Payment });
    const receiptText = norm(await b.$('article.kreceipt').getText());
    for (const want of ['Espresso', 'Croissant', '$ 7.90']) assert.ok(receiptText.includes(want), `the receipt shows ${want}: ${receiptText}`);
    await h.shot('thank you and receipt');
    const [order] = await dbUntil(h, 'the paid order in till.sqlite3', 'SELECT * FROM orders WHERE id = ?', [sale.orderId], (r) => r.length === 1 && r[0].status === 'paid');
    assert.equal(order.payment_intent_id, sale.paymentIntent);
    assert.equal(order.payment_status, 'succeeded');
    const fulfilments = h.sql('SELECT * FROM fulfilments WHERE order_id = ?', [sale.orderId]);
    assert.equal(fulfilments.length, 1, JSON.stringify(fulfilments));
    assert.equal(fulfilments[0].amount, 790);
  });

  s.step('5. the Thank you screen counts down and returns to Welcome on its own', 30_000, async (h) => {
    const b = h.browser;
    const countdown = norm(await b.$('.kthanks-foot .kmuted').getText());
    assert.match(countdown, /^Returning to start in \d+ s · tap anywhere$/, countdown);
    await waitStage(b, 'welcome', 25_000);
    await waitShown(b, '[data-testid="kiosk-welcome"]', 'the Welcome screen');
  });

  s.step('6. lock-down: a contextmenu event (synthetic and a real right-click) is default-prevented', WAIT, async (h) => {
    const b = h.browser;
    await startSale(b);
    await add(b, 'tea', 1);
    const synthetic = await b.execute(() => {
      const target = document.querySelector('.ktile');
      const ev = new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: 10, clientY: 10 });
      const notCanceled = target.dispatchEvent(ev);
      return { notCanceled, defaultPrevented: ev.defaultPrevented };
    });
    assert.deepEqual(synthetic, { notCanceled: false, defaultPrevented: true }, 'the kiosk let a contextmenu event through');
    await b.execute(() => {
      window.__e2eContextMenus = [];
      window.addEventListener('contextmenu', (e) => window.__e2eContextMenus.push({ trusted: e.isTrusted, prevented: e.defaultPrevented }));
    });
    await b.$('.ktiles').click({ button: 'right' });
    const seen = await b.waitUntil(async () => {
      const list = await b.execute(() => window.__e2eContextMenus);
      return list.length ? list : false;
    }, { timeout: 5_000, timeoutMsg: 'a right-click produced no contextmenu event' });
    assert.deepEqual(seen, [{ trusted: true, prevented: true }]);
    await h.shot('after right-click');
  });

  s.step('7. lock-down: F5, Ctrl+R, Ctrl+Shift+R and Ctrl+F5 do not reload (a page marker survives, the screen is unchanged)', WAIT, async (h) => {
    const b = h.browser;
    const before = await b.execute(() => {
      window.__marker = 1;
      window.__e2eKeys = [];
      // Window, capture phase, added after the lock-down's own listener: it sees what the lock-down did.
      window.addEventListener('keydown', (e) => window.__e2eKeys.push({ key: e.key, ctrl: e.ctrlKey, shift: e.shiftKey, prevented: e.defaultPrevented }), true);
      return { origin: performance.timeOrigin, href: location.href, text: document.body.innerText };
    });
    const order = await orderShown(b);
    assert.deepEqual(order.lines, ['1× Tea $ 2.20']);
    await b.keys(Key.F5);
    await b.keys([Key.Ctrl, 'r']);
    await b.keys([Key.Ctrl, Key.Shift, 'r']);
    await b.keys([Key.Ctrl, Key.F5]);
    await sleep(1_500); // a reload, had one started, would have replaced the page by now
    const after = await b.execute(() => ({
      marker: window.__marker,
      keys: window.__e2eKeys,
      origin: performance.timeOrigin,
      href: location.href,
      text: document.body.innerText,
    }));
    assert.equal(after.marker, 1, 'the page was reloaded: window.__marker is gone');
    assert.equal(after.origin, before.origin, 'a new document was loaded (performance.timeOrigin changed)');
    assert.equal(after.href, before.href);
    assert.equal(after.text, before.text, 'the screen changed');
    assert.equal(await stage(b), 'items');
    assert.deepEqual(await orderShown(b), order);
    const reloadKeys = after.keys.filter((k) => k.key === 'F5' || k.key.toLowerCase() === 'r');
    assert.deepEqual(
      reloadKeys,
      [
        { key: 'F5', ctrl: false, shift: false, prevented: true },
        { key: 'r', ctrl: true, shift: false, prevented: true },
        { key: 'R', ctrl: true, shift: true, prevented: true },
        { key: 'F5', ctrl: true, shift: false, prevented: true },
      ],
      `keydowns seen: ${JSON.stringify(after.keys)}`,
    );
  });

  s.step('8. Alt+F4 (a real X key press, handled by openbox) is refused: the window and the app stay', WAIT, async (h) => {
    const b = h.browser;
    const pids = h.appProcesses().map((p) => p.pid);
    assert.equal(pids.length, 1, 'one app process');
    // Alt+F4 goes to openbox (its default A-F4 binding: Close), which asks the focused window to close.
    h.xkey(['Alt_L', 'F4']);
    await sleep(2_000); // the cashier's window is gone within ~1 s of the same key press (tried by hand)
    assert.deepEqual(h.appProcesses().map((p) => p.pid), pids, 'the app exited on Alt+F4');
    assert.equal(await b.execute(() => window.__marker), 1, 'the page is still the same');
    const w = kioskWindow(h);
    assert.deepEqual(w.client, { x: 0, y: 0, ...SCREEN }, 'the window is still there, fullscreen');
    assert.equal(await stage(b), 'items');
    assert.deepEqual((await orderShown(b)).lines, ['1× Tea $ 2.20'], 'the order is untouched');
  });

  s.step('9. idle timeout (?idle=5&idleCountdown=3): at payment, "Are you still there?" counts down, then back to Welcome', WAIT * 2, async (h) => {
    const b = h.browser;
    // The timings are read once, when the kiosk mounts: load the app again with short ones (the open order with
    // its Tea is picked up again).
    const base = (await b.getUrl()).split('?')[0];
    await b.url(`${base}?idle=5&idleCountdown=3`);
    const at = await waitStage(b, ['items', 'welcome'], 30_000);
    if (at === 'welcome') {
      await startSale(b);
      await add(b, 'tea', 1);
    }
    await b.$('.kbtn-pay').waitForEnabled({ timeout: WAIT, timeoutMsg: 'Pay stayed disabled' });
    await click(b, '.kbtn-pay', 'Pay');
    await chooseTypedCard(b);
    await waitShown(b, PAY_FRAME, 'the payment page frame');
    await b.$('#pay-form button[type="submit"]').waitForEnabled({ timeout: WAIT, timeoutMsg: 'the card form never became ready' });
    const [order] = h.sql("SELECT * FROM orders WHERE status = 'awaiting_payment' ORDER BY created DESC LIMIT 1");
    assert.ok(order?.payment_intent_id, `an order awaiting payment with an intent: ${JSON.stringify(order)}`);
    Object.assign(idle, { orderId: order.id, paymentIntent: order.payment_intent_id });
    const intent = await simApi(h, 'GET', `/v1/payment_intents/${idle.paymentIntent}`);
    assert.equal(intent.status, 'requires_payment_method', 'the intent waits for a card at the simulator');
    // No input from here on.
    await waitShown(b, '[data-testid="idle-countdown"]', '"Are you still there?"', 10_000);
    const seconds = Number(await b.$('[data-testid="idle-seconds"]').getText());
    assert.ok(seconds >= 1 && seconds <= 3, `the countdown shows ${seconds}`);
    assert.equal(norm(await b.$('#idle-title').getText()), 'Are you still there?');
    await h.shot('idle countdown');
    await waitStage(b, 'welcome', 10_000);
    await waitShown(b, '[data-testid="kiosk-welcome"]', 'the Welcome screen');
  });

  s.step('10. the abandoned order is canceled in till.sqlite3 and its PaymentIntent at the simulator', 20_000, async (h) => {
    const [order] = await dbUntil(
      h,
      'orders.status and payment_status canceled',
      'SELECT id, status, payment_status, payment_intent_id FROM orders WHERE id = ?',
      [idle.orderId],
      (r) => r.length === 1 && r[0].status === 'canceled' && r[0].payment_status === 'canceled',
    );
    assert.equal(order.payment_intent_id, idle.paymentIntent);
    const intent = await simApi(h, 'GET', `/v1/payment_intents/${idle.paymentIntent}`);
    assert.equal(intent.status, 'canceled', `the intent at the simulator: ${intent.status}`);
    assert.equal(h.sql('SELECT COUNT(*) AS n FROM fulfilments WHERE order_id = ?', [idle.orderId])[0].n, 0);
  });

  s.step('11. staff exit: 5 taps on the logo open the PIN pad; Cancel closes it', WAIT, async (h) => {
    const b = h.browser;
    // Back to the default timings: the PIN pad would otherwise time out too.
    const base = (await b.getUrl()).split('?')[0];
    await b.url(base);
    await waitStage(b, 'welcome', 30_000);
    const logo = await waitShown(b, '[data-testid="kiosk-logo"]', 'the logo');
    for (let i = 0; i < 5; i++) await logo.click();
    await waitShown(b, '[data-testid="pin-pad"]', 'the staff PIN pad', 5_000);
    assert.equal(norm(await b.$('#pin-title').getText()), 'Staff only');
    await click(b, '//div[@data-testid="pin-pad"]//button[normalize-space()="Cancel"]', 'Cancel');
    await b.$('[data-testid="pin-pad"]').waitForExist({ reverse: true, timeout: 5_000, timeoutMsg: 'Cancel did not close the PIN pad' });
  });

  s.step('12. Ctrl+Alt+K opens the PIN pad; 0000 → "Wrong PIN", the app keeps running', WAIT, async (h) => {
    const b = h.browser;
    await b.keys([Key.Ctrl, Key.Alt, 'k']);
    await waitShown(b, '[data-testid="pin-pad"]', 'the staff PIN pad (Ctrl+Alt+K)', 5_000);
    for (const d of '0000') await click(b, pinKey(d), `PIN key ${d}`);
    await b.waitUntil(async () => norm(await b.$('.pin-display').getText()) === '●●●●', { timeout: 5_000, timeoutMsg: 'the PIN pad does not show 4 digits' });
    await h.shot('pin pad 4 digits');
    await click(b, '//div[@data-testid="pin-pad"]//button[normalize-space()="Leave kiosk"]', 'Leave kiosk');
    await waitShown(b, '[data-testid="pin-error"]', 'the wrong-PIN message');
    assert.equal(norm(await b.$('[data-testid="pin-error"]').getText()), '✕ Wrong PIN. 4 tries left.');
    await h.shot('wrong pin');
    await sleep(2_000);
    assert.equal(h.appProcesses().length, 1, 'the app exited on a wrong PIN');
    assert.ok(h.backendProcesses().length >= 1, 'the demo backend stopped on a wrong PIN');
    assert.equal(await stage(b), 'welcome');
    assert.ok(await b.$('[data-testid="pin-pad"]').isDisplayed(), 'the PIN pad stays open for another try');
  });

  s.step('13. 1234 → the app exits, and its demo backend with it', 40_000, async (h) => {
    const b = h.browser;
    for (const d of '1234') await click(b, pinKey(d), `PIN key ${d}`);
    await b.waitUntil(async () => norm(await b.$('.pin-display').getText()) === '●●●●', { timeout: 5_000, timeoutMsg: 'the PIN pad does not show 4 digits' });
    const leave = await waitShown(b, '//div[@data-testid="pin-pad"]//button[normalize-space()="Leave kiosk"]', 'Leave kiosk');
    await leave.waitForEnabled({ timeout: 5_000, timeoutMsg: 'Leave kiosk stayed disabled' });
    h.appExited = true; // from here on the app may be gone at any moment
    // The app may exit before WebKitWebDriver has answered the click: an error here counts only if it stays up.
    const clickError = await leave.click().then(() => null, (e) => e);
    await until(15_000, `the app exits after the right PIN${clickError ? ` (the click failed: ${clickError.message})` : ''}`, () => h.appProcesses().length === 0, 200);
    // The app exited through Tauri's RunEvent::Exit, which stops the sidecar; the sidecar's own parent watch
    // would end it too.
    await until(10_000, 'the demo backend exits with the app', () => h.backendProcesses().length === 0, 200);
  });

  s.closeApp();
});
