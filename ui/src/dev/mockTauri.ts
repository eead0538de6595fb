// Dev only: lets the UI run in a plain browser (http://localhost:1420/?mock) with a fake till core.
// Loaded by main.tsx behind import.meta.env.DEV, so `vite build` leaves it out.
//
// Card payments go to a running stripe-sim (default http://127.0.0.1:12111; `?sim=URL` for the browser side,
// KASSA_SIM_URL for the dev server's /__sim proxy). Its secret-key API is reached through the proxy, the way
// the real core would call it; the browser loads Stripe.js from the simulator itself. A poll of the intent stands
// in for the webhook.
//
// Query switches: ?mock  ?sim=URL  ?currency=jpy  ?offline  ?view=kiosk|admin  ?live (admin: a payment changes every
// few seconds)  ?empty (admin: no demo payments). The staff PIN is 1234. Kiosk timings: ?idle=  ?idleCountdown=  ?thanks=
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { ChargeInfo, Order, PaymentStatus, SyncStatus } from '../api/types';
import { CATALOG_EVENT, ORDER_EVENT, SYNC_EVENT } from '../api/types';
import { seedDemoPayments } from './demoPayments';
import { createFakeTill, DEFAULT_CATALOG, type FakeTill } from './fakeBackend';

const SECRET_KEY = 'sk_test_kassa_dev_mock';
const PUBLISHABLE_KEY = 'pk_test_kassa_dev_mock';

interface SimIntent {
  id: string;
  client_secret: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  last_payment_error?: { code?: string; message?: string } | null;
  payment_method?: { card?: { brand?: string; last4?: string } } | null;
}

async function sim(method: string, path: string, body?: Record<string, string>): Promise<SimIntent> {
  let res: Response;
  try {
    res = await fetch(`/__sim${path}`, {
      method,
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body ? new URLSearchParams(body).toString() : undefined,
    });
  } catch {
    throw { kind: 'stripe_unreachable', message: 'The Stripe simulator cannot be reached.', field: null };
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const message = json?.error?.message ?? `The Stripe simulator answered ${res.status}. Is stripe-sim running?`;
    throw { kind: 'stripe_error', message, field: null };
  }
  return json as SimIntent;
}

function patchFrom(pi: SimIntent): Partial<Order> | null {
  if (pi.status === 'succeeded') {
    return { status: 'paid', card_brand: pi.payment_method?.card?.brand ?? null, card_last4: pi.payment_method?.card?.last4 ?? null };
  }
  if (pi.status === 'requires_payment_method' && pi.last_payment_error) {
    return {
      payment_status: pi.status,
      last_error: { code: pi.last_payment_error.code ?? null, message: pi.last_payment_error.message ?? 'Declined.' },
    };
  }
  return { payment_status: pi.status, last_error: null };
}

export function installMockTauri(): FakeTill {
  const q = new URLSearchParams(window.location.search);
  const simPublic = (q.get('sim') || 'http://127.0.0.1:12111').replace(/\/$/, '');
  const currency = (q.get('currency') || 'usd').toLowerCase();
  const view = (q.get('view') as 'cashier' | 'kiosk' | 'admin' | null) || 'cashier';
  const watching = new Set<string>();

  const catalog =
    currency === 'jpy'
      ? { currency, more: 0, tip_percents: [], items: DEFAULT_CATALOG.items.map((i) => ({ ...i, unit_amount: Math.round(i.unit_amount * 1.5) })) }
      : { ...DEFAULT_CATALOG, currency };

  const fake: FakeTill = createFakeTill({
    info: { currency, view, terminal: view === 'kiosk' ? 'kiosk-1' : 'till-1' },
    catalog,
    async createIntent(order): Promise<Omit<ChargeInfo, 'order_id'>> {
      const pi = await sim('POST', '/v1/payment_intents', {
        amount: String(order.total),
        currency: order.currency,
        'automatic_payment_methods[enabled]': 'true',
        'metadata[order_id]': order.id,
      });
      watch(order.id, pi.id);
      return {
        payment_intent_id: pi.id, client_secret: pi.client_secret, publishable_key: PUBLISHABLE_KEY,
        stripe_js_url: `${simPublic}/v3`, pay_page_url: `${window.location.origin}/pay/`, amount: pi.amount, currency: pi.currency, status: pi.status,
      };
    },
    async refresh(_order, charge) {
      return patchFrom(await sim('GET', `/v1/payment_intents/${charge.payment_intent_id}?expand[]=payment_method`));
    },
    async cancelIntent(charge) {
      await sim('POST', `/v1/payment_intents/${charge.payment_intent_id}/cancel`, {});
    },
  });

  // Stands in for the webhook: watches the intent and tells the UI, as the core's till://order event would.
  function watch(orderId: string, piId: string) {
    if (watching.has(piId)) return;
    watching.add(piId);
    let last = '';
    const t = setInterval(async () => {
      const o = fake.orders.get(orderId);
      if (!o || o.status !== 'awaiting_payment') {
        clearInterval(t);
        return;
      }
      try {
        const pi = await sim('GET', `/v1/payment_intents/${piId}?expand[]=payment_method`);
        const key = `${pi.status}:${pi.last_payment_error?.message ?? ''}`;
        if (key === last) return;
        last = key;
        const patch = patchFrom(pi);
        if (!patch) return;
        if (patch.status === 'paid') {
          // A webhook takes a moment; so does this, to show "Confirming payment with the bank…".
          setTimeout(() => fake.markPaid(orderId, { brand: patch.card_brand ?? undefined, last4: patch.card_last4 ?? undefined }), 1200);
          clearInterval(t);
        } else {
          fake.update(orderId, patch);
        }
      } catch {
        /* the next tick tries again */
      }
    }, 1000);
  }

  if (q.has('offline')) {
    const offline = (): SyncStatus => ({
      online: false, message: 'The payment backend at 127.0.0.1:4242 is not answering (connection refused).',
      retry_in_ms: 15_000, cursor: 41,
    });
    fake.setSync(offline());
    setInterval(() => fake.setSync(offline()), 15_000);
  }

  if (!q.has('empty')) seedDemoPayments(fake);
  if (q.has('live')) {
    // Something happens now and then, as on a busy day: a new payment, or a pending one moves on.
    let n = 0;
    setInterval(() => {
      n += 1;
      const pending = Array.from(fake.orders.values()).find((o) => o.status === 'awaiting_payment' && o.payment_status === 'processing' && Date.now() / 1000 - o.updated < 600);
      if (pending && n % 2 === 0) fake.markPaid(pending.id);
      else {
        const id = fake.addPayment({ status: 'processing', amount: 500 + ((n * 379) % 4000), terminal: ['till-1', 'till-2', 'kiosk-1'][n % 3] });
        fake.update(id, { payment_status: 'processing' });
      }
    }, 4000);
  }

  mockIPC((cmd, args) => fake.handle(cmd, args as Record<string, unknown> | undefined), { shouldMockEvents: true });
  fake.on(ORDER_EVENT, (p) => void emit(ORDER_EVENT, p));
  fake.on(SYNC_EVENT, (p) => void emit(SYNC_EVENT, p));
  fake.on(CATALOG_EVENT, (p) => void emit(CATALOG_EVENT, p));
  (window as unknown as { __kassaMock: FakeTill }).__kassaMock = fake;
  return fake;
}
