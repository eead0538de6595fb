#!/usr/bin/env node
// The cashier UI in real Chromium against a real stripe-sim, without Tauri: the dev server with `?mock`
// (src/dev/mockTauri.ts stands in for the till core; the card form and 3-D Secure are the simulator's).
// Sells with a declined card, retries on the same intent with a 3-D Secure card, waits for "Paid", then an
// asynchronous (processing) payment and a canceled sale; checks the offline banner; saves screenshots.
//
//   npm run smoke            (from ui/; needs target/debug/stripe-sim built and Debian's chromium)
//   STRIPE_SIM_BIN=…  CHROMIUM_PATH=…  SHOTS=…  SIZES=1280x800,1024x700
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ui = path.resolve(here, '..');
const root = path.resolve(ui, '..');
const require = createRequire(path.join(root, 'tests/node/package.json'));
const { chromium } = require('playwright-core');

const SIM_BIN = process.env.STRIPE_SIM_BIN || path.join(root, 'target/debug/stripe-sim');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SHOTS = process.env.SHOTS || path.join(root, 'artifacts/ui');
const SIZES = (process.env.SIZES || '1280x800,1024x700').split(',').map((s) => s.split('x').map(Number));
const FORM = 'iframe[title="Secure payment input frame"]';
const CHALLENGE = 'iframe[name="kassa-sim-challenge"]';

function startSim() {
  return new Promise((resolve, reject) => {
    const child = spawn(SIM_BIN, ['--addr', '127.0.0.1:0', '--processing-delay-ms', '2500'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`stripe-sim did not start: ${out}`)), 15_000);
    child.on('error', reject);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop: () => child.kill() });
      }
    });
  });
}

async function sell(browser, base, [w, h]) {
  const tag = `${w}x${h}`;
  const page = await (await browser.newContext({ viewport: { width: w, height: h } })).newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.text().includes('_secret_')) problems.push(`console shows a client secret: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (r.url().includes('_secret_')) problems.push(`a URL holds a client secret: ${r.url()}`);
  });
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${tag}-${name}.png`) });
  const step = async (what, fn) => {
    try {
      await fn();
    } catch (e) {
      await shot('failed');
      throw new Error(`${tag}: ${what}: ${e.message}`);
    }
  };
  // The card form and the 3-D Secure challenge live in the payment page, which the till shows in a frame.
  const payPage = page.frameLocator('iframe.pay-frame');
  const form = payPage.frameLocator(FORM);
  const card = async (number) => {
    await form.locator('#number').fill(number);
    await form.locator('#expiry').fill('12 / 34');
    await form.locator('#cvc').fill('123');
    await form.locator('#postal').fill('42424');
  };

  await step('opens', async () => {
    await page.goto(base);
    await page.getByRole('button', { name: /^Espresso/ }).waitFor();
    // StrictMode runs effects twice in dev: the till must still ask for one new order, not two.
    const news = await page.evaluate(() => window.__kassaMock.callsOf('new_order').length);
    if (news !== 1) throw new Error(`new_order called ${news} times at start`);
    await shot('01-till');
  });
  await step('fills the cart by mouse and keyboard', async () => {
    await page.getByRole('button', { name: /^Cappuccino/ }).click();
    await page.getByRole('button', { name: /^Butter croissant/ }).click();
    await page.getByRole('button', { name: /^Cappuccino/ }).click();
    await page.keyboard.type('1250');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Charge $24.15' }).waitFor();
    await shot('02-cart');
  });
  await step('declines, then "Try another card" on the same intent', async () => {
    await page.keyboard.press('Enter');
    await form.locator('#number').waitFor();
    await page.getByRole('button', { name: /^Pay \$24\.15/ }).waitFor();
    await shot('03-card-form');
    await card('4000 0000 0000 0002');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByText('Your card was declined.').waitFor();
    await shot('04-declined');
    await page.keyboard.press('Enter');
    await form.locator('#number').waitFor();
  });
  await step('3-D Secure, then "Paid" only after the order event', async () => {
    await card('4000 0027 6000 3184');
    await page.getByRole('button', { name: /^Pay/ }).click();
    const ch = payPage.frameLocator(CHALLENGE);
    await ch.locator('#complete:enabled').waitFor();
    await page.getByText('Waiting for the customer to authenticate…').waitFor();
    await shot('05-3ds');
    await ch.locator('#complete').click();
    await page.getByText('Confirming payment with the bank…').waitFor();
    await shot('06-confirming');
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: 15_000 });
    await page.getByRole('article', { name: 'Receipt' }).getByText('•••• 3184').waitFor();
    const intents = await page.evaluate(() => [...window.__kassaMock.charges.values()].map((c) => c.payment_intent_id));
    if (intents.length !== 1) throw new Error(`expected one intent for the sale, got ${intents.join(', ')}`);
    await shot('07-paid');
    await page.emulateMedia({ media: 'print' });
    await shot('08-print');
    await page.emulateMedia({ media: 'screen' });
  });
  await step('asynchronous payment: processing, then paid', async () => {
    await page.keyboard.press('Enter'); // New sale
    await page.getByRole('button', { name: /^Sparkling water/ }).click();
    await page.keyboard.press('Enter');
    await form.locator('#number').waitFor();
    await card('4000 0000 0000 1182');
    await page.keyboard.press('Enter');
    await page.getByText('Payment processing — waiting for the bank…').waitFor();
    await shot('09-processing');
    await page.getByRole('heading', { name: 'Paid' }).waitFor({ timeout: 20_000 });
  });
  await step('cancel sale asks first', async () => {
    await page.getByRole('button', { name: 'New sale' }).click();
    await page.getByRole('button', { name: /^Espresso/ }).click();
    await page.getByRole('button', { name: 'Cancel sale' }).click();
    await shot('10-cancel');
    await page.getByRole('button', { name: 'Yes, cancel sale' }).click();
    await page.getByRole('button', { name: 'Charge $0.00' }).waitFor();
    const canceled = await page.evaluate(() => window.__kassaMock.callsOf('cancel_sale').length);
    if (canceled !== 1) throw new Error(`cancel_sale called ${canceled} times`);
  });
  await step('offline banner, JPY', async () => {
    await page.goto(`${base}&offline&currency=jpy`);
    await page.getByText(/Retrying in \d+ s/).waitFor();
    await page.keyboard.type('500');
    await page.getByRole('status', { name: 'Custom amount' }).getByText('¥500').waitFor();
    await page.keyboard.press('Enter');
    await shot('11-offline-jpy');
  });
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  if (storage.includes('_secret_')) problems.push('web storage holds a client secret');
  if (problems.length) throw new Error(`${tag}:\n  ${problems.join('\n  ')}`);
  console.log(`ok ${tag}`);
}

fs.mkdirSync(SHOTS, { recursive: true });
const sim = await startSim();
process.env.KASSA_SIM_URL = sim.url;
const { createServer } = await import('vite');
const server = await createServer({ root: ui, configFile: path.join(ui, 'vite.config.ts'), server: { port: 1425, strictPort: false }, logLevel: 'warn' });
await server.listen();
const base = `${server.resolvedUrls.local[0]}?mock&sim=${encodeURIComponent(sim.url)}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
let failed = 0;
try {
  for (const size of SIZES) {
    try {
      await sell(browser, base, size);
    } catch (e) {
      failed += 1;
      console.error(`not ok ${e.message}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
  sim.stop();
}
console.log(`${SIZES.length - failed} passed, ${failed} failed`);
console.log(`screenshots: ${SHOTS}`);
process.exit(failed ? 1 : 0);
