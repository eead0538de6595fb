// An in-memory stand-in for the till core's commands and events: the tests' backend and, in the browser
// with `?mock` (dev server only), the UI's. It follows src/api/types.ts; it is not the real core.
import type {
  AppInfo, Catalog, ChargeInfo, Order, OrderLine, PaymentStatus, Receipt, SyncStatus, TillError,
} from '../api/types';
import { ORDER_EVENT, SYNC_EVENT } from '../api/types';

export interface FakeTillOptions {
  info?: Partial<AppInfo>;
  catalog?: Catalog;
  /** Makes the PaymentIntent for an order's first charge. Default: a fixed fake intent. */
  createIntent?: (order: Order) => Promise<Omit<ChargeInfo, 'order_id'>> | Omit<ChargeInfo, 'order_id'>;
  /** What refresh_order learns about the intent. Default: nothing new. */
  refresh?: (order: Order, charge: ChargeInfo) => Promise<Partial<Order> | null> | Partial<Order> | null;
  /** Called when a sale with an intent is canceled. */
  cancelIntent?: (charge: ChargeInfo) => Promise<void> | void;
  sync?: SyncStatus;
}

export const DEFAULT_CATALOG: Catalog = {
  currency: 'usd',
  items: [
    { sku: 'espresso', name: 'Espresso', unit_amount: 280 },
    { sku: 'cappuccino', name: 'Cappuccino', unit_amount: 420 },
    { sku: 'flat-white', name: 'Flat white', unit_amount: 450 },
    { sku: 'croissant', name: 'Butter croissant', unit_amount: 325 },
    { sku: 'bagel', name: 'Sesame bagel', unit_amount: 375 },
    { sku: 'oj', name: 'Fresh orange juice', unit_amount: 550 },
    { sku: 'water', name: 'Sparkling water', unit_amount: 199 },
    { sku: 'cookie', name: 'Choc chip cookie', unit_amount: 250 },
    { sku: 'sandwich', name: 'Club sandwich', unit_amount: 895 },
    { sku: 'salad', name: 'Garden salad', unit_amount: 1150 },
    { sku: 'muffin', name: 'Blueberry muffin', unit_amount: 345 },
    { sku: 'tea', name: 'Green tea', unit_amount: 300 },
  ],
};

type Listener = (payload: unknown) => void;

function tillError(kind: string, message: string, field: string | null = null): TillError {
  return { kind, message, field };
}

export function createFakeTill(opts: FakeTillOptions = {}) {
  const info: AppInfo = {
    mode: 'demo', view: 'cashier', terminal: 'till-1', backend_url: 'http://127.0.0.1:4242', currency: 'usd',
    dashboard_url: 'https://dashboard.stripe.com/test', ...opts.info,
  };
  const catalog = opts.catalog ?? { ...DEFAULT_CATALOG, currency: info.currency };
  const orders = new Map<string, Order>();
  const charges = new Map<string, ChargeInfo>();
  const listeners = new Map<string, Set<Listener>>();
  const calls: { cmd: string; args: Record<string, unknown> | undefined }[] = [];
  let sync: SyncStatus = opts.sync ?? { online: true, message: null, retry_in_ms: null, cursor: 0 };
  let currentId: string | null = null;
  let seq = 0;
  let lineSeq = 0;
  let clock = 0;

  /** Unix seconds, strictly increasing. */
  const tick = () => (clock = Math.max(clock + 1, Math.floor(Date.now() / 1000)));
  const copy = (o: Order): Order => ({ ...o, lines: o.lines.map((l) => ({ ...l })) });

  function recalc(o: Order) {
    for (const l of o.lines) l.amount = l.unit_amount * l.quantity;
    o.total = o.lines.reduce((n, l) => n + l.amount, 0);
    o.updated = tick();
  }

  function newOrder(): Order {
    const t = tick();
    const o: Order = {
      id: `ord_${String(++seq).padStart(4, '0')}`, status: 'open', currency: catalog.currency, lines: [], total: 0,
      payment_intent_id: null, payment_status: null, last_error: null, fulfilled_at: null, card_brand: null,
      card_last4: null, created: t, updated: t,
    };
    orders.set(o.id, o);
    currentId = o.id;
    return o;
  }

  function get(orderId: unknown): Order {
    const o = typeof orderId === 'string' ? orders.get(orderId) : undefined;
    if (!o) throw tillError('not_found', `No order ${String(orderId)}.`, 'orderId');
    return o;
  }

  function current(): Order {
    const o = currentId ? orders.get(currentId) : undefined;
    if (!o) throw tillError('no_order', 'There is no open sale.');
    return o;
  }

  function editable(): Order {
    const o = current();
    if (o.status !== 'open') throw tillError('order_locked', 'This sale can no longer be changed.');
    return o;
  }

  function line(o: Order, lineId: unknown): OrderLine {
    const l = o.lines.find((x) => x.id === lineId);
    if (!l) throw tillError('not_found', `No line ${String(lineId)} in this sale.`, 'lineId');
    return l;
  }

  function emit(event: string, payload: unknown) {
    for (const fn of Array.from(listeners.get(event) ?? [])) fn(payload);
  }

  function on(event: string, fn: Listener): () => void {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event)!.add(fn);
    return () => listeners.get(event)?.delete(fn);
  }

  /** Changes an order as the core would on news from Stripe, and emits till://order. */
  function update(orderId: string, patch: Partial<Order>): Order {
    const o = get(orderId);
    Object.assign(o, patch);
    o.updated = tick();
    emit(ORDER_EVENT, copy(o));
    return copy(o);
  }

  function markPaid(orderId: string, card: { brand?: string; last4?: string } = {}): Order {
    const now = tick();
    return update(orderId, {
      status: 'paid', payment_status: 'succeeded', last_error: null, fulfilled_at: now,
      card_brand: card.brand ?? 'visa', card_last4: card.last4 ?? '4242',
    });
  }

  function setSync(s: SyncStatus) {
    sync = s;
    emit(SYNC_EVENT, s);
  }

  async function handle(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    calls.push({ cmd, args });
    switch (cmd) {
      case 'app_info':
        return { ...info };
      case 'catalog':
        return structuredClone(catalog);
      case 'current_order':
        return currentId ? copy(current()) : null;
      case 'new_order': {
        const cur = currentId ? orders.get(currentId) : undefined;
        if (cur && cur.status === 'open' && cur.lines.length === 0) return copy(cur);
        return copy(newOrder());
      }
      case 'add_item': {
        const o = editable();
        const item = catalog.items.find((i) => i.sku === args?.sku);
        if (!item) throw tillError('not_found', `No item ${String(args?.sku)}.`, 'sku');
        const l = o.lines.find((x) => x.sku === item.sku);
        if (l) l.quantity += 1;
        else o.lines.push({ id: ++lineSeq, sku: item.sku, name: item.name, unit_amount: item.unit_amount, quantity: 1, amount: 0 });
        recalc(o);
        return copy(o);
      }
      case 'add_custom': {
        const o = editable();
        const amount = args?.amount;
        if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) {
          throw tillError('invalid_amount', 'The amount must be more than zero.', 'amount');
        }
        const name = typeof args?.name === 'string' && args.name ? args.name : 'Custom amount';
        o.lines.push({ id: ++lineSeq, sku: null, name, unit_amount: amount, quantity: 1, amount: 0 });
        recalc(o);
        return copy(o);
      }
      case 'set_quantity': {
        const o = editable();
        const l = line(o, args?.lineId);
        const q = args?.quantity;
        if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > 999) {
          throw tillError('invalid_quantity', 'The quantity must be between 1 and 999.', 'quantity');
        }
        l.quantity = q;
        recalc(o);
        return copy(o);
      }
      case 'remove_line': {
        const o = editable();
        const l = line(o, args?.lineId);
        o.lines = o.lines.filter((x) => x !== l);
        recalc(o);
        return copy(o);
      }
      case 'charge': {
        const o = get(args?.orderId);
        if (o.status === 'paid') throw tillError('already_paid', 'This sale is already paid.');
        if (o.status === 'canceled') throw tillError('canceled', 'This sale was canceled.');
        if (o.lines.length === 0 || o.total <= 0) throw tillError('empty_order', 'Add something to the sale first.');
        let c = charges.get(o.id);
        if (!c) {
          const made = await (opts.createIntent ?? defaultIntent)(o);
          c = { ...made, order_id: o.id };
          charges.set(o.id, c);
          o.status = 'awaiting_payment';
          o.payment_intent_id = c.payment_intent_id;
          o.payment_status = c.status;
          o.updated = tick();
          emit(ORDER_EVENT, copy(o));
        }
        return { ...c, status: o.payment_status ?? c.status };
      }
      case 'refresh_order': {
        const o = get(args?.orderId);
        const c = charges.get(o.id);
        if (c && opts.refresh && o.status === 'awaiting_payment') {
          const patch = await opts.refresh(copy(o), c);
          if (patch) {
            if (patch.status === 'paid') return markPaid(o.id, { brand: patch.card_brand ?? undefined, last4: patch.card_last4 ?? undefined });
            return update(o.id, patch);
          }
        }
        return copy(o);
      }
      case 'cancel_sale': {
        const o = get(args?.orderId);
        if (o.status === 'paid') throw tillError('already_paid', 'A paid sale cannot be canceled; refund it instead.');
        const c = charges.get(o.id);
        if (c && o.payment_status === 'processing') throw tillError('processing', 'The payment is processing and cannot be canceled now.');
        if (c) await opts.cancelIntent?.(c);
        o.status = 'canceled';
        if (c) o.payment_status = 'canceled';
        o.updated = tick();
        return copy(o);
      }
      case 'order':
        return copy(get(args?.orderId));
      case 'receipt': {
        const o = get(args?.orderId);
        if (o.status !== 'paid' || !o.payment_intent_id) throw tillError('not_paid', 'This sale is not paid yet.');
        const r: Receipt = {
          order_id: o.id, lines: o.lines.map((l) => ({ ...l })), total: o.total, currency: o.currency,
          card_brand: o.card_brand, card_last4: o.card_last4, payment_intent_id: o.payment_intent_id,
          paid_at: o.fulfilled_at ?? o.updated, terminal: info.terminal,
        };
        return r;
      }
      case 'sync_status':
        return { ...sync };
      case 'reconcile':
        return { checked: 0, changed: 0 };
      default:
        throw tillError('unknown_command', `Unknown command ${cmd}.`);
    }
  }

  function defaultIntent(o: Order): Omit<ChargeInfo, 'order_id'> {
    const n = String(seq).padStart(4, '0');
    return {
      payment_intent_id: `pi_fake${n}`, client_secret: `pi_fake${n}_secret_s3cr3tV4lue${n}`,
      publishable_key: 'pk_test_fake', stripe_js_url: 'http://127.0.0.1:12111/v3', amount: o.total,
      currency: o.currency, status: 'requires_payment_method' as PaymentStatus,
    };
  }

  return {
    info, catalog, orders, charges, calls, handle, emit, on, update, markPaid, setSync,
    /** The order a test is looking at. */
    currentOrder: () => (currentId ? copy(current()) : null),
    /** Commands called, by name. */
    callsOf: (cmd: string) => calls.filter((c) => c.cmd === cmd),
  };
}

export type FakeTill = ReturnType<typeof createFakeTill>;
