// A shop's day through the real window (demo mode, with a receipt printer: a fake one this test runs on a
// loopback port): the admin imports a catalogue in the editor (a bad file first, refused with its row named);
// the cashier scans two barcodes, typed as a scanner types them; the customer pays part in cash and the rest
// by card; the receipt prints on the printer, with a drawer kick for the cash; and the Z report's figures
// match the sales in the till's database.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { session, norm } from './lib/steps.mjs';
import { WAIT, PAY_FRAME, button, waitShown, click, cart, typeCard, waitPaid, dbUntil, receiptMeta, chooseTypedCard } from './lib/ui.mjs';
import { until } from './lib/harness.mjs';

const ESC_INIT = Buffer.from([0x1b, 0x40]);
const CUT = Buffer.from([0x1d, 0x56, 0x42, 0x00]);
const KICK = Buffer.from([0x1b, 0x70, 0x00, 0x19, 0xfa]);
const pinKey = (digit) => `//div[@data-testid="pin-pad"]//button[contains(@class,"pin-key") and normalize-space()="${digit}"]`;

/** A receipt printer on 127.0.0.1: every connection is one job, kept whole. */
const printer = { jobs: [], server: null, port: 0 };
const printerReady = new Promise((resolve) => {
  printer.server = net.createServer((socket) => {
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => printer.jobs.push(Buffer.concat(chunks)));
  });
  printer.server.listen(0, '127.0.0.1', () => {
    printer.port = printer.server.address().port;
    resolve();
  });
});
await printerReady;

async function openAdmin(h) {
  const b = h.browser;
  await click(b, '//header//button[normalize-space()="Admin"]', "the header's Admin button");
  await waitShown(b, '[data-testid="pin-pad"]', 'the admin PIN pad', 5_000);
  for (const d of '1234') await click(b, pinKey(d), `PIN key ${d}`);
  await click(b, '//div[@data-testid="pin-pad"]//button[normalize-space()="Unlock"]', 'Unlock');
  await b.$('[data-testid="pin-pad"]').waitForExist({ reverse: true, timeout: 5_000, timeoutMsg: 'the PIN pad stayed open' });
}

async function backToTill(b) {
  await click(b, button('← Back to till'), '← Back to till');
  await waitShown(b, '.item-button', 'the till', 30_000);
}

describe('a shop day through the real window', () => {
  const s = session('shop', { extraEnv: { KASSA_RECEIPT_PRINTER: `127.0.0.1:${printer.port}` } });
  const files = {};
  let sale = {};

  before(() => {
    const dir = fs.mkdtempSync(path.join('/tmp', 'kassa-e2e-csv-'));
    files.bad = path.join(dir, 'deli-bad.csv');
    files.good = path.join(dir, 'deli.csv');
    fs.writeFileSync(files.bad, 'sku,name,price,barcode,category,tax\nolives,Olives,450,036000291452,Deli,\npickles,Pickles,3.99,96385074,Deli,\n');
    fs.writeFileSync(files.good, 'sku,name,price,barcode,category,tax\nolives,Olives,450,036000291452,Deli,\npickles,Pickles,399,96385074,Deli,\n');
  });
  after(() => printer.server.close());

  s.step('1. the admin imports a catalogue: a bad file is refused naming its row, the good one is taken', WAIT * 2, async (h) => {
    const b = h.browser;
    await waitShown(b, '.item-button', 'the till', 30_000);
    await openAdmin(h);
    await click(b, button('Catalogue'), 'Catalogue');
    await waitShown(b, '[data-testid="catalog-editor"]', 'the catalogue editor');
    const input = await b.$('//label[.//span[normalize-space()="CSV file"]]//input[@type="file"]');
    await input.setValue(files.bad);
    await waitShown(b, '[data-testid="import-problems"]', 'the bad rows');
    const problems = norm(await b.$('[data-testid="import-problems"]').getText());
    assert.match(problems, /1 row of deli-bad\.csv is wrong; nothing was imported\./);
    const rows = await b.execute(() =>
      Array.from(document.querySelectorAll('[data-testid="import-problems"] tbody tr')).map((tr) =>
        Array.from(tr.querySelectorAll('td')).slice(0, 2).map((td) => td.textContent),
      ),
    );
    assert.deepEqual(rows, [['3', 'price']], 'line 3, column price');
    await h.shot('catalogue editor: the bad row');
    await input.setValue(files.good);
    await waitShown(b, '[data-testid="import-result"]', 'the import result');
    assert.equal(norm(await b.$('[data-testid="import-result"]').getText()), 'Imported deli.csv: 2 new, 0 updated.');
    // 12 demo products and the 2 imported.
    await b.waitUntil(async () => /Products \(14\)/i.test(await b.$('#products-title').getText()), { timeout: WAIT, timeoutMsg: 'the product list did not grow to 14' });
    await h.shot('catalogue editor: imported');
    await backToTill(b);
    // The feed brings the change back to this till: the grid shows the new category.
    await waitShown(b, '//h3[@class="item-category" and normalize-space()="Deli"]', 'the Deli products on the grid');
  });

  s.step('2. two barcodes, typed as a scanner types them, add Olives and Pickles', WAIT * 2, async (h) => {
    const b = h.browser;
    await b.waitUntil(async () => (await cart(b)).lines.length === 0, { timeout: WAIT, timeoutMsg: 'the sale did not start empty' });
    // Nothing focused: the scan goes to the window.
    await b.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    for (const code of ['036000291452', '96385074']) {
      // Key by key, each pressed and released, as a scanner's keyboard emulation sends them (WebDriver's keys()
      // merges a repeated character into one press).
      let keys = b.action('key');
      for (const k of [...code, '\uE007']) keys = keys.down(k).up(k);
      await keys.perform();
      await b.pause(150);
    }
    await b.waitUntil(async () => (await cart(b)).lines.length === 2, { timeout: WAIT, timeoutMsg: 'the scans did not reach the cart' });
    const c = await cart(b);
    assert.deepEqual(c.lines.map((l) => [l.name, l.amount]), [['Olives', '$ 4.50'], ['Pickles', '$ 3.99']]);
    assert.equal(c.total, '$ 8.49');
    assert.equal(norm(await b.execute(() => document.querySelector('output.keypad-display')?.textContent)), '$ 0.00', 'the scans left the keypad alone');
    await h.shot('scanned');
  });

  s.step('3. split tender: 5.00 in cash, the card pays 3.49', WAIT * 4, async (h) => {
    const b = h.browser;
    await click(b, button('Cash'), 'Cash');
    const field = await b.$('//label[.//span[normalize-space()="Cash given"]]//input');
    await field.waitForDisplayed({ timeout: WAIT });
    await field.setValue('5');
    await waitShown(b, '[data-testid="cash-card-rest"]', 'what the card pays');
    assert.equal(norm(await b.$('[data-testid="cash-card-rest"]').getText()), '$ 3.49');
    await h.shot('split tender: cash part');
    await click(b, button('Take cash, card for the rest'), 'Take cash, card for the rest');
    await chooseTypedCard(b);
    await waitShown(b, PAY_FRAME, 'the payment page frame');
    assert.equal(norm(await b.$('[data-testid="cart-due"]').getText()), '$ 3.49');
    await typeCard(h, '4242 4242 4242 4242');
    await h.shot('split tender: the card for the rest');
    await click(b, '#pay-form button[type="submit"]', 'Pay');
    const paid = await waitPaid(h);
    sale = { orderId: paid.orderId };
    assert.match(paid.banner, /^\$ 8\.49 received · \$ 5\.00 cash, \$ 3\.49 Visa •••• 4242$/);
    const meta = await receiptMeta(b);
    assert.equal(meta.Cash, '$ 5.00');
    assert.equal(meta.Card, 'Visa •••• 4242 $ 3.49');
    const [order] = await dbUntil(h, 'the order is paid with both tenders',
      `SELECT o.status, t.amount AS cash, f.amount AS card FROM orders o JOIN tenders t ON t.order_id = o.id
       JOIN fulfilments f ON f.order_id = o.id WHERE o.id = ?`, [sale.orderId], (r) => r.length === 1);
    assert.deepEqual({ ...order }, { status: 'paid', cash: 500, card: 349 });
  });

  s.step('4. the receipt printed on the receipt printer: initialise, the lines, the cut, and the drawer kick', WAIT, async (h) => {
    await until(WAIT, 'a job at the printer', () => printer.jobs.length >= 1);
    const job = printer.jobs[0];
    assert.ok(job.subarray(0, 2).equals(ESC_INIT), 'the job starts with ESC @');
    const text = job.toString('latin1');
    for (const want of ['Olives', 'Pickles', 'TOTAL', '$8.49', 'Cash', '$5.00', 'Visa **** 4242', '$3.49', sale.orderId]) {
      assert.ok(text.includes(want), `${want} on the printed receipt:\n${text}`);
    }
    assert.ok(job.includes(CUT), 'the paper is cut');
    assert.ok(job.subarray(job.length - KICK.length).equals(KICK), 'the drawer opens after the cut: the sale took cash');
    await waitShown(h.browser, '//p[normalize-space()="Receipt printed · drawer opened"]', 'the printed note');
    fs.writeFileSync(path.join(h.shotDir, 'receipt.escpos'), job);
  });

  s.step('5. the Z report closes the shift with figures that match the sales', WAIT * 2, async (h) => {
    const b = h.browser;
    await click(b, button('New sale'), 'New sale');
    await openAdmin(h);
    await click(b, button('Payments'), 'Payments');
    const panel = '[data-testid="shift"]';
    await waitShown(b, `${panel} [data-testid="shift-expected"]`, 'the X report');
    const [db] = h.sql(
      `SELECT COUNT(*) AS sales, SUM(t.amount) AS cash FROM orders o LEFT JOIN tenders t ON t.order_id = o.id WHERE o.status = 'paid'`,
    );
    const [card] = h.sql(`SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount FROM fulfilments`);
    const dollars = (n) => `$ ${(n / 100).toFixed(2)}`;
    assert.equal(norm(await b.$(`${panel} [data-testid="shift-cash"]`).getText()), `1 · ${dollars(db.cash)}`);
    assert.equal(norm(await b.$(`${panel} [data-testid="shift-card"]`).getText()), `${card.n} · ${dollars(card.amount)}`);
    await click(b, `${panel} button.btn-small`, 'Close shift (Z)');
    const dialog = '[data-testid="close-shift"]';
    await waitShown(b, dialog, 'the close-shift dialog');
    await b.$(`//div[@data-testid="close-shift"]//label[.//span[normalize-space()="Counted cash"]]//input`).setValue('4.90');
    await waitShown(b, `${dialog} [role="status"]`, 'the difference');
    assert.equal(norm(await b.$(`${dialog} [role="status"]`).getText()), 'Difference −$ 0.10 short');
    await click(b, `${dialog} button[type="submit"]`, 'Close shift');
    await waitShown(b, '[data-testid="z-result"]', 'the Z report');
    const z = '[data-testid="z-result"]';
    assert.equal(norm(await b.$(`${z} [data-testid="shift-cash"]`).getText()), `1 · ${dollars(db.cash)}`);
    assert.equal(norm(await b.$(`${z} [data-testid="shift-card"]`).getText()), `${card.n} · ${dollars(card.amount)}`);
    assert.equal(norm(await b.$(`${z} [data-testid="shift-difference"]`).getText()), '−$ 0.10');
    await waitShown(b, '[data-testid="z-reports"] tbody tr', 'the Z report in the list (from the backend)');
    await b.$(z).scrollIntoView();
    await h.shot('Z report');
    const [shift] = await dbUntil(h, 'the Z report reached the backend', 'SELECT number, sent_at FROM shifts WHERE report IS NOT NULL', [], (r) => r.length === 1 && r[0].sent_at !== null);
    assert.equal(shift.number, 1);
    assert.equal(db.sales, 1);
  });

  s.closeApp();
});
