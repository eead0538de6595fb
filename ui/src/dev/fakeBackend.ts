// An in-memory stand-in for the till core's commands and events: the tests' backend and, in the browser
// with `?mock` (dev server only), the UI's. It is not the real core, but it follows the core's rules: the same
// demo catalog and error kinds (generated from Rust, ../api/generated.ts), the same rule for when a sale can
// still change, and a new sale when an item is added to one that cannot.
import type {
  AdminPage, AdminQuery, AdminRow, AppInfo, AttentionItem, Catalog, ChargeInfo, CsvExport, DayTotal, DisplayStatus,
  Fulfilment, MerchantCatalog, Order, OrderLine, PaymentDetail, PaymentStatus, Product, PutProduct, PutStore, PutTaxRate,
  ReaderInfo, Receipt, RowProblem, ShiftReport, StoredShiftReport, SyncStatus, TillError,
  TimelineEntry,
} from '../api/types';
import { CATALOG_EVENT, ORDER_EVENT, SYNC_EVENT } from '../api/types';
import { DEMO_CATALOG, type TillErrorKind } from '../api/generated';

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
  /** The staff PIN for verify_admin_pin and exit_kiosk. Default '1234'. */
  adminPin?: string;
  /** Refuse admin commands without an admin session, as the core does (default: open, for screen tests). */
  adminSession?: boolean;
  /** Barcodes the scanner may read, to the SKU each names. */
  barcodes?: Record<string, string>;
  /** The till's card readers (default none: the card is typed). A simulated one pays on simulate_tap. */
  readers?: ReaderInfo[];
}

/** A payment made up for the admin screen (tests, and the dev mock's demo data). */
export interface FakePayment {
  id?: string;
  status: DisplayStatus;
  amount?: number;
  currency?: string;
  terminal?: string;
  /** Unix seconds. */
  created?: number;
  updated?: number;
  amount_refunded?: number;
  /** For 'succeeded': false makes it "paid but not fulfilled". Default true. */
  fulfilled?: boolean;
  /** Stripe contradicted the final status an event gave: what each said (the core's `disagreement`). */
  disagreement?: string;
  card_brand?: string | null;
  card_last4?: string | null;
  /** A card-present payment's read method (contactless_emv, …); absent: the card was typed. */
  card_read_method?: string | null;
  decline_code?: string;
}

/** How long processing / requires_action may last before the admin screen flags it. */
export const STUCK_AFTER_SECONDS = 10 * 60;

/** The core's demo catalog. */
export const DEFAULT_CATALOG: Catalog = DEMO_CATALOG;

type Listener = (payload: unknown) => void;

function tillError(kind: TillErrorKind, message: string, field: string | null = null): TillError {
  return { kind, message, field };
}

export function createFakeTill(opts: FakeTillOptions = {}) {
  const info: AppInfo = {
    mode: 'demo', view: 'cashier', terminal: 'till-1', backend_url: 'http://127.0.0.1:4242', currency: 'usd', receipt_printer: null,
    ...opts.info,
  };
  let catalog = opts.catalog ?? { ...DEFAULT_CATALOG, currency: info.currency };
  const orders = new Map<string, Order>();
  const charges = new Map<string, ChargeInfo>();
  const listeners = new Map<string, Set<Listener>>();
  const calls: { cmd: string; args: Record<string, unknown> | undefined }[] = [];
  let sync: SyncStatus = opts.sync ?? { online: true, message: null, retry_in_ms: null, cursor: 0 };
  let currentId: string | null = null;
  let seq = 0;
  let lineSeq = 0;
  let clock = 0;
  // Admin: what the core keeps next to each order with an intent.
  interface PayMeta {
    terminal: string;
    amount_refunded: number;
    timeline: TimelineEntry[];
    fulfilment: Fulfilment | null;
    disagreement?: string;
    card_read_method?: string | null;
  }
  const meta = new Map<string, PayMeta>();
  const refundsByKey = new Map<string, PaymentDetail>();
  const opened: string[] = [];
  const adminPin = opts.adminPin ?? '1234';
  let kioskExited = false;
  let adminUnlocked = !opts.adminSession;
  // Shifts: which shift each paid sale fell in, and the closed ones' Z reports.
  const shiftOf = new Map<string, number>();
  let shift = { number: 1, opened_at: Math.floor(Date.now() / 1000), opening_float: 0 };
  const zReports: StoredShiftReport[] = [];
  // The backend's catalogue, as the editor sees it.
  const merchant: MerchantCatalog = { store: null, tax_rates: [], products: [], version: 0 };
  let evSeq = 0;
  let seedSeq = 0;

  /** Unix seconds, strictly increasing. */
  const tick = () => (clock = Math.max(clock + 1, Math.floor(Date.now() / 1000)));
  const copy = (o: Order): Order => ({ ...o, lines: o.lines.map((l) => ({ ...l })) });

  function recalc(o: Order) {
    for (const l of o.lines) l.amount = l.unit_amount * l.quantity;
    o.total = o.lines.reduce((n, l) => n + l.amount, 0);
    o.due = o.total - (o.cash?.amount ?? 0);
    o.updated = tick();
  }

  function newOrder(): Order {
    const t = tick();
    const o: Order = {
      id: `ord_${String(++seq).padStart(4, '0')}`, status: 'open', currency: catalog.currency, lines: [], total: 0, tax: 0, taxes: [], cash: null, due: 0, tip: 0,
      payment_intent_id: null, payment_status: null, last_error: null, fulfilled_at: null, card_brand: null,
      card_last4: null, card_read_method: null, created: t, updated: t,
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

  function current(): Order | undefined {
    return currentId ? orders.get(currentId) : undefined;
  }

  /** The core's Order::editable: before an intent, or while it still awaits a card. */
  function canChange(o: Order): boolean {
    if (o.cash) return false;
    if (o.status === 'open') return true;
    return o.status === 'awaiting_payment'
      && (o.payment_status === null || o.payment_status === 'requires_payment_method' || o.payment_status === 'requires_confirmation');
  }

  /** The core's open_order: the current sale while it can change, otherwise a new one. */
  function openOrder(): Order {
    const o = current();
    return o && canChange(o) ? o : newOrder();
  }

  function editable(o: Order): Order {
    if (!canChange(o)) throw tillError('conflict', `order ${o.id} can no longer change: its payment is ${o.payment_status ?? o.status}`);
    return o;
  }

  function orderOfLine(lineId: unknown): Order {
    for (const o of orders.values()) if (o.lines.some((l) => l.id === lineId)) return o;
    throw tillError('not_found', `line ${String(lineId)} not found`);
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
    recordNews(o);
    emit(ORDER_EVENT, copy(o));
    return copy(o);
  }

  // ---- admin ----
  function metaOf(o: Order): PayMeta {
    let m = meta.get(o.id);
    if (!m) {
      m = { terminal: info.terminal, amount_refunded: 0, timeline: [], fulfilment: null };
      meta.set(o.id, m);
    }
    return m;
  }

  function record(o: Order, type: string, outcome: string, statusAfter: string | null, at = o.updated) {
    metaOf(o).timeline.push({ at, type, status_after: statusAfter, outcome, event_id: `evt_fake${String(++evSeq).padStart(5, '0')}` });
  }

  /** The webhook event an order change stands for, on its timeline. */
  function recordNews(o: Order) {
    if (!o.payment_intent_id) return;
    if (o.status === 'paid') {
      const m = metaOf(o);
      if (!m.fulfilment) {
        m.fulfilment = {
          payment_intent_id: o.payment_intent_id, event_id: `evt_fake${String(evSeq + 1).padStart(5, '0')}`, amount: o.total,
          currency: o.currency, fulfilled_at: o.fulfilled_at ?? o.updated,
        };
        record(o, 'payment_intent.succeeded', 'fulfilled', 'succeeded');
      }
      return;
    }
    const ps = o.payment_status;
    const type =
      ps === 'requires_payment_method' && o.last_error ? 'payment_intent.payment_failed'
      : ps === 'requires_action' ? 'payment_intent.requires_action'
      : ps === 'processing' ? 'payment_intent.processing'
      : ps === 'requires_capture' ? 'payment_intent.amount_capturable_updated'
      : ps === 'canceled' ? 'payment_intent.canceled'
      : ps === 'succeeded' ? 'payment_intent.succeeded'
      : 'payment_intent.updated';
    record(o, type, 'state_changed', ps);
  }

  function displayStatus(o: Order): DisplayStatus {
    const ps = o.payment_status;
    if (ps === 'requires_payment_method' && o.last_error) return 'failed';
    if (!ps || ps === 'requires_confirmation') return 'requires_payment_method';
    return ps;
  }

  function rowOf(o: Order): AdminRow {
    const m = metaOf(o);
    return {
      order_id: o.id, terminal: m.terminal, amount: o.total, currency: o.currency, status: displayStatus(o),
      fulfilment: o.fulfilled_at ? 'fulfilled' : 'not_fulfilled', payment_intent_id: o.payment_intent_id,
      card_brand: o.card_brand, card_last4: o.card_last4, card_read_method: m.card_read_method ?? null, amount_refunded: m.amount_refunded, created: o.created, updated: o.updated,
    };
  }

  /** Newest first; the keyset cursor is "created|order_id". */
  function allRows(q: AdminQuery): AdminRow[] {
    const term = q.terminal?.trim().toLowerCase();
    const search = q.search?.trim().toLowerCase();
    return Array.from(orders.values())
      .filter((o) => o.payment_intent_id)
      .map(rowOf)
      .filter((r) => !q.status || r.status === q.status)
      .filter((r) => !term || r.terminal.toLowerCase() === term) // the core: exact
      .filter((r) => q.from == null || r.created >= q.from)
      .filter((r) => q.to == null || r.created < q.to)
      .filter((r) => !search || r.order_id.toLowerCase().startsWith(search) || (r.payment_intent_id ?? '').toLowerCase().startsWith(search))
      .sort((a, b) => b.created - a.created || (a.order_id < b.order_id ? 1 : a.order_id > b.order_id ? -1 : 0));
  }

  const cursorOf = (r: AdminRow) => `${r.created}|${r.order_id}`;

  function page(q: AdminQuery): AdminPage {
    let rows = allRows(q);
    if (q.after) {
      const [c, id] = q.after.split('|');
      const created = Number(c);
      rows = rows.filter((r) => r.created < created || (r.created === created && r.order_id < id));
    }
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    const pageRows = rows.slice(0, limit);
    return { rows: pageRows, next: rows.length > limit ? cursorOf(pageRows[pageRows.length - 1]) : null };
  }

  function detail(orderId: unknown): PaymentDetail {
    const o = get(orderId);
    const m = metaOf(o);
    return {
      row: rowOf(o), order: copy(o), timeline: m.timeline.map((t) => ({ ...t })), fulfilment: m.fulfilment ? { ...m.fulfilment } : null,
      dashboard_url: o.payment_intent_id ? `https://dashboard.stripe.com/test/payments/${o.payment_intent_id}` : null,
    };
  }

  function csvOf(rows: AdminRow[]): string {
    const cols = ['order_id', 'terminal', 'amount', 'currency', 'status', 'fulfilment', 'payment_intent_id', 'card_brand', 'card_last4', 'amount_refunded', 'created', 'updated'] as const;
    const cell = (v: unknown) => {
      const t = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
    };
    return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
  }

  /** Adds a payment in any state, as if it had happened (not the current sale). Returns its order id. */
  function addPayment(p: FakePayment): string {
    const now = Math.floor(Date.now() / 1000);
    const created = p.created ?? now;
    const updated = Math.max(p.updated ?? created + 20, created);
    const currency = p.currency ?? catalog.currency;
    const id = p.id ?? `ord_s${String(++seedSeq).padStart(4, '0')}`;
    const amount = p.amount ?? 1000;
    const pi = `pi_seed${id.replace(/^ord_/, '')}${'x'.repeat(Math.max(0, 8 - id.length))}`;
    const carded = p.status !== 'requires_payment_method' && p.status !== 'canceled';
    const o: Order = {
      id, status: 'awaiting_payment', currency, lines: [{ id: ++lineSeq, sku: null, name: 'Sale', unit_amount: amount, quantity: 1, amount }],
      total: amount, tax: 0, taxes: [], cash: null, due: amount, tip: 0, payment_intent_id: pi, payment_status: p.status === 'failed' ? 'requires_payment_method' : p.status,
      last_error: null, fulfilled_at: null,
      card_brand: p.card_brand !== undefined ? p.card_brand : carded ? 'visa' : null,
      card_last4: p.card_last4 !== undefined ? p.card_last4 : carded ? '4242' : null,
      card_read_method: p.card_read_method ?? null, created, updated,
    };
    const m: PayMeta = { terminal: p.terminal ?? info.terminal, amount_refunded: p.amount_refunded ?? 0, timeline: [], fulfilment: null, disagreement: p.disagreement, card_read_method: p.card_read_method ?? null };
    orders.set(id, o);
    meta.set(id, m);
    record(o, 'payment_intent.created', 'state_changed', 'requires_payment_method', created);
    switch (p.status) {
      case 'succeeded':
        if (p.fulfilled === false) {
          record(o, 'payment_intent.succeeded', 'amount_mismatch', 'succeeded', updated);
        } else {
          o.status = 'paid';
          o.fulfilled_at = updated;
          m.fulfilment = { payment_intent_id: pi, event_id: `evt_fake${String(evSeq + 1).padStart(5, '0')}`, amount, currency, fulfilled_at: updated };
          record(o, 'payment_intent.succeeded', 'fulfilled', 'succeeded', updated);
          record(o, 'payment_intent.succeeded', 'duplicate', null, updated + 1);
        }
        if (m.amount_refunded > 0) record(o, 'charge.refunded', 'unchanged', null, updated + 60);
        break;
      case 'failed': {
        const code = p.decline_code ?? 'insufficient_funds';
        o.last_error = { code, message: code === 'insufficient_funds' ? 'Your card has insufficient funds.' : 'Your card was declined.' };
        record(o, 'payment_intent.payment_failed', 'state_changed', 'requires_payment_method', updated);
        break;
      }
      case 'canceled':
        o.status = 'canceled';
        record(o, 'payment_intent.canceled', 'state_changed', 'canceled', updated);
        break;
      case 'requires_action':
        record(o, 'payment_intent.requires_action', 'state_changed', 'requires_action', updated);
        break;
      case 'processing':
        record(o, 'payment_intent.processing', 'state_changed', 'processing', updated);
        break;
      case 'requires_capture':
        record(o, 'payment_intent.amount_capturable_updated', 'state_changed', 'requires_capture', updated);
        break;
      default:
        break;
    }
    return id;
  }

  const PENDING: DisplayStatus[] = ['requires_payment_method', 'requires_action', 'requires_capture', 'failed'];

  function markPaid(orderId: string, card: { brand?: string; last4?: string; readMethod?: string } = {}): Order {
    const now = tick();
    return update(orderId, {
      status: 'paid', payment_status: 'succeeded', last_error: null, fulfilled_at: now,
      card_brand: card.brand ?? 'visa', card_last4: card.last4 ?? '4242', card_read_method: card.readMethod ?? null,
    });
  }

  function setSync(s: SyncStatus) {
    sync = s;
    emit(SYNC_EVENT, s);
  }

  const readers: ReaderInfo[] = structuredClone(opts.readers ?? []);
  function readerOf(readerId: unknown): ReaderInfo {
    const r = readers.find((x) => x.reader_id === readerId);
    if (!r) throw tillError('not_found', `reader ${String(readerId)} not found`);
    return r;
  }

  async function handle(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    calls.push({ cmd, args });
    if (cmd.startsWith('admin_') && !adminUnlocked) {
      throw tillError('admin_locked', 'enter the admin PIN first: the admin screen is locked, or its session has timed out');
    }
    switch (cmd) {
      case 'app_info':
        return { ...info };
      case 'catalog':
        return structuredClone(catalog);
      case 'current_order':
        { const o = current(); return o ? copy(o) : null; }
      case 'new_order': {
        const cur = currentId ? orders.get(currentId) : undefined;
        if (cur && cur.status === 'open' && cur.lines.length === 0) return copy(cur);
        return copy(newOrder());
      }
      case 'add_item': {
        const item = catalog.items.find((i) => i.sku === args?.sku);
        if (!item) throw tillError('invalid', `no item ${JSON.stringify(args?.sku)} in the catalog`, 'sku');
        const o = openOrder();
        const l = o.lines.find((x) => x.sku === item.sku);
        if (l) l.quantity += 1;
        else o.lines.push({ id: ++lineSeq, sku: item.sku, name: item.name, unit_amount: item.unit_amount, quantity: 1, amount: 0 });
        recalc(o);
        return copy(o);
      }
      case 'add_custom': {
        const amount = args?.amount;
        if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0) {
          throw tillError('invalid', 'amount must be more than zero in minor units', 'amount');
        }
        const o = openOrder();
        const name = typeof args?.name === 'string' && args.name.trim() ? args.name.trim() : 'Custom amount';
        o.lines.push({ id: ++lineSeq, sku: null, name, unit_amount: amount, quantity: 1, amount: 0 });
        recalc(o);
        return copy(o);
      }
      case 'scan': {
        const code = String(args?.code ?? '').trim();
        const sku = (opts.barcodes ?? {})[code];
        const item = sku ? catalog.items.find((i) => i.sku === sku) : undefined;
        if (!item) throw tillError('invalid', `Unknown barcode ${code}`, 'barcode');
        const o = openOrder();
        o.lines.push({ id: ++lineSeq, sku: item.sku, name: item.name, unit_amount: item.unit_amount, quantity: 1, amount: 0 });
        recalc(o);
        return copy(o);
      }
      case 'search': {
        const q = String(args?.query ?? '').trim().toLowerCase();
        if (!q) return [];
        return catalog.items.filter((i) => i.name.toLowerCase().includes(q) || i.sku.startsWith(q)).map((i) => ({ ...i }));
      }
      case 'readers':
        return readers.map((r) => structuredClone(r));
      case 'pay_on_reader': {
        const r = readerOf(args?.readerId);
        const o = get(args?.orderId);
        if (r.status === 'offline') throw tillError('backend', `${r.label} is offline: check that it is switched on and connected to the network`);
        if (r.action?.status === 'in_progress') throw tillError('backend', `${r.label} is busy with another payment: finish or cancel it on the reader, then try again`);
        await handle('charge', { orderId: o.id });
        r.action = { kind: 'process_payment_intent', status: 'in_progress', payment_intent_id: o.payment_intent_id, failure_code: null, failure_message: null };
        return structuredClone(r);
      }
      case 'reader':
        return structuredClone(readerOf(args?.readerId));
      case 'cancel_reader': {
        const r = readerOf(args?.readerId);
        r.action = null;
        return structuredClone(r);
      }
      case 'simulate_tap': {
        const r = readerOf(args?.readerId);
        if (!r.simulated) throw tillError('backend', 'a simulated tap exists only in test mode');
        const a = r.action;
        if (!a || a.status !== 'in_progress') throw tillError('backend', `Reader ${r.reader_id} has no action in progress to present a payment method to.`);
        const o = [...orders.values()].find((x) => x.payment_intent_id === a.payment_intent_id);
        if (args?.cardNumber === '4000000000000002') {
          r.action = { ...a, status: 'failed', failure_code: 'card_declined', failure_message: 'Your card was declined.' };
          if (o) update(o.id, { payment_status: 'requires_payment_method', last_error: { code: 'card_declined', message: 'Your card was declined.' } });
        } else {
          r.action = { ...a, status: 'succeeded' };
          if (o) markPaid(o.id, { readMethod: 'contactless_emv' });
        }
        return structuredClone(r);
      }
      case 'set_tip': {
        const o = get(args?.orderId);
        const bp = Number(args?.basisPoints);
        if (o.status === 'paid' || o.status === 'canceled') throw tillError('conflict', `order ${o.id} is past the point where a tip can change`);
        if (bp !== 0 && !(catalog.tip_percents ?? []).includes(bp)) {
          throw tillError('invalid', `a tip of ${bp} basis points is not one of the store's choices`, 'basis_points');
        }
        o.tip = Math.floor((o.due * bp * 2 + 10_000) / 20_000);
        const c = charges.get(o.id);
        if (c) c.amount = o.due + o.tip;
        o.updated = tick();
        emit(ORDER_EVENT, copy(o));
        return copy(o);
      }
      case 'pay_cash': {
        const o = get(args?.orderId);
        const given = args?.given;
        if (o.lines.length === 0) throw tillError('invalid', 'add an item before taking payment', 'order');
        if (o.status === 'paid' || o.status === 'canceled') throw tillError('conflict', `order ${o.id} is already ${o.status}`);
        if (o.cash) throw tillError('conflict', `cash was already taken for order ${o.id}; the rest is paid by card`);
        if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
          throw tillError('invalid', 'the cash given must be more than zero in minor units', 'given');
        }
        if (given < o.due && o.due - given < 50) {
          throw tillError('invalid', 'the card would pay less than the smallest card payment; take all of it in cash, or less cash', 'given');
        }
        const amount = Math.min(given, o.due);
        const t = tick();
        o.cash = { tender_id: `cash_fake${String(o.id)}`, amount, given, change: given - amount, taken_at: t };
        o.due -= amount;
        o.updated = t;
        if (o.due === 0) {
          o.status = 'paid';
          o.fulfilled_at = t;
        }
        emit(ORDER_EVENT, copy(o));
        return copy(o);
      }
      case 'set_quantity':
      case 'remove_line': {
        const q = cmd === 'remove_line' ? 0 : args?.quantity;
        if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > 999) {
          throw tillError('invalid', 'quantity must be between 0 and 999', 'quantity');
        }
        const o = editable(orderOfLine(args?.lineId));
        const l = line(o, args?.lineId);
        if (q === 0) o.lines = o.lines.filter((x) => x !== l);
        else l.quantity = q;
        recalc(o);
        return copy(o);
      }
      case 'charge': {
        const o = get(args?.orderId);
        if (o.status === 'paid') throw tillError('conflict', `order ${o.id} is already paid`);
        if (o.status === 'canceled') throw tillError('conflict', `order ${o.id} is already canceled`);
        if (o.lines.length === 0 || o.total <= 0) throw tillError('invalid', 'add an item before charging', 'order');
        let c = charges.get(o.id);
        if (!c) {
          const made = await (opts.createIntent ?? defaultIntent)(o);
          c = { ...made, order_id: o.id };
          charges.set(o.id, c);
          o.status = 'awaiting_payment';
          o.payment_intent_id = c.payment_intent_id;
          o.payment_status = c.status;
          o.updated = tick();
          metaOf(o);
          record(o, 'payment_intent.created', 'state_changed', c.status);
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
        if (o.status === 'paid') throw tillError('conflict', `order ${o.id} is paid; refund it from the admin screen instead`);
        const c = charges.get(o.id);
        if (c && o.payment_status === 'processing') throw tillError('conflict', 'The payment is processing and cannot be canceled now.');
        if (c) await opts.cancelIntent?.(c);
        o.status = 'canceled';
        if (c) o.payment_status = 'canceled';
        o.updated = tick();
        recordNews(o);
        return copy(o);
      }
      case 'order':
        return copy(get(args?.orderId));
      case 'receipt': {
        const o = get(args?.orderId);
        if (o.status !== 'paid') throw tillError('conflict', 'This sale is not paid yet.');
        const r: Receipt = {
          order_id: o.id, lines: o.lines.map((l) => ({ ...l })), total: o.total, tax: o.tax, taxes: o.taxes, currency: o.currency,
          store_name: 'Kassa demo store', store_address: '',
          card_amount: o.payment_intent_id ? o.due + o.tip : 0, tip: o.tip, cash: o.cash ? { ...o.cash } : null, card_brand: o.card_brand, card_last4: o.card_last4, card_read_method: o.card_read_method, payment_intent_id: o.payment_intent_id,
          paid_at: o.fulfilled_at ?? o.updated, terminal: info.terminal,
        };
        return r;
      }
      case 'print_receipt': {
        const o = get(args?.orderId);
        if (!info.receipt_printer) throw tillError('not_configured', 'no receipt printer is set for this till');
        if (o.status !== 'paid') throw tillError('conflict', `order ${o.id} is not paid yet`);
        const drawer = !args?.reprint && !!o.cash;
        return { printer: info.receipt_printer, bytes: 512, drawer_opened: drawer };
      }
      case 'sync_status':
        return { ...sync };
      case 'reconcile':
        return { checked: Array.from(orders.values()).filter((o) => o.status === 'awaiting_payment').length, changed: 0 };
      case 'admin_payments':
        return page((args?.query ?? {}) as AdminQuery);
      case 'admin_detail':
        return detail(args?.orderId);
      case 'admin_refund': {
        const key = args?.idempotencyKey;
        if (typeof key !== 'string' || !key) throw tillError('invalid', 'A refund needs an idempotency key.', 'idempotencyKey');
        const seen = refundsByKey.get(key);
        if (seen) return structuredClone(seen);
        const o = get(args?.orderId);
        const m = metaOf(o);
        if (displayStatus(o) !== 'succeeded') throw tillError('conflict', 'Only a succeeded payment can be refunded.');
        const left = o.total - m.amount_refunded;
        const amount = args?.amount == null ? left : args.amount;
        if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || amount > left) {
          throw tillError('invalid', `The refund must be more than zero and at most what is left (${left}).`, 'amount');
        }
        m.amount_refunded += amount;
        o.updated = tick();
        record(o, 'charge.refunded', 'unchanged', null);
        emit(ORDER_EVENT, copy(o));
        const d = detail(o.id);
        refundsByKey.set(key, structuredClone(d));
        return d;
      }
      case 'admin_cancel': {
        if (typeof args?.idempotencyKey !== 'string' || !args.idempotencyKey) throw tillError('invalid', 'a cancel needs an idempotency key', 'idempotency_key');
        const o = get(args?.orderId);
        const st = displayStatus(o);
        if (!PENDING.includes(st)) throw tillError('conflict', `A payment in ${st} cannot be canceled.`);
        const c = charges.get(o.id);
        if (c) await opts.cancelIntent?.(c);
        update(o.id, { status: 'canceled', payment_status: 'canceled' });
        return detail(o.id);
      }
      case 'admin_capture': {
        if (typeof args?.idempotencyKey !== 'string' || !args.idempotencyKey) throw tillError('invalid', 'a capture needs an idempotency key', 'idempotency_key');
        const o = get(args?.orderId);
        if (displayStatus(o) !== 'requires_capture') throw tillError('conflict', 'Only an authorized payment can be captured.');
        const amount = args?.amount == null ? o.total : args.amount;
        if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || amount > o.total) {
          throw tillError('invalid', `The capture must be more than zero and at most ${o.total}.`, 'amount');
        }
        markPaid(o.id, { brand: o.card_brand ?? undefined, last4: o.card_last4 ?? undefined });
        return detail(o.id);
      }
      case 'admin_end_of_day': {
        const from = Number(args?.from);
        const to = Number(args?.to);
        const groups = new Map<string, DayTotal>();
        for (const r of allRows({ from, to })) {
          const k = `${r.currency}|${r.status}`;
          const g = groups.get(k) ?? { currency: r.currency, status: r.status, count: 0, amount: 0, amount_refunded: 0, net: 0 };
          g.count += 1;
          g.amount += r.amount;
          g.amount_refunded += r.amount_refunded;
          if (r.status === 'succeeded') g.net += r.amount - r.amount_refunded;
          groups.set(k, g);
        }
        return Array.from(groups.values());
      }
      case 'admin_export_csv': {
        const q = { ...((args?.query ?? {}) as AdminQuery), after: null, limit: null };
        const rows = allRows(q);
        const d = new Date();
        const stamp = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}-${String(d.getHours()).padStart(2, '0')}${String(d.getMinutes()).padStart(2, '0')}${String(d.getSeconds()).padStart(2, '0')}`;
        const out: CsvExport = { path: `/home/kassa/Documents/Kassa/payments-${stamp}.csv`, rows: rows.length, csv: csvOf(rows) };
        return out;
      }
      case 'admin_catalog':
        return structuredClone(merchant);
      case 'admin_put_store': {
        const st = args?.store as PutStore;
        if (!st.name?.trim()) throw tillError('backend', 'name must not be empty', 'name');
        merchant.store = { ...st };
        merchant.version++;
        return { ...st };
      }
      case 'admin_put_tax_rate': {
        const id = String(args?.id);
        const r = args?.rate as PutTaxRate;
        const rate = { id, ...r };
        merchant.tax_rates = [...merchant.tax_rates.filter((x) => x.id !== id), rate];
        merchant.version++;
        return rate;
      }
      case 'admin_put_product': {
        const sku = String(args?.sku);
        const p = args?.product as PutProduct;
        if (p.price < 1) throw tillError('backend', 'price must be at least 1 (in minor units: 350 for 3.50)', 'price');
        if (p.tax_rate && !merchant.tax_rates.some((r) => r.id === p.tax_rate)) {
          throw tillError('backend', `no tax rate ${p.tax_rate}`, 'tax_rate');
        }
        const product: Product = { sku, ...p };
        merchant.products = [...merchant.products.filter((x) => x.sku !== sku), product];
        merchant.version++;
        return product;
      }
      case 'admin_import_catalog': {
        const lines = String(args?.csv ?? '').split('\n').filter((l) => l.trim());
        const problems: RowProblem[] = [];
        const rows: Product[] = [];
        lines.slice(1).forEach((l, i) => {
          const [sku, name, price, barcode, category, tax] = l.split(',');
          const line = i + 2;
          if (!/^\d+$/.test(price ?? '') || Number(price) < 1) {
            problems.push({ line, field: 'price', message: `price ${JSON.stringify(price ?? '')} is not a whole number of minor units (350 for 3.50)` });
          } else if (tax && !merchant.tax_rates.some((r) => r.id === tax)) {
            problems.push({ line, field: 'tax', message: `no tax rate ${JSON.stringify(tax)}` });
          } else {
            rows.push({ sku, name, price: Number(price), barcodes: barcode ? barcode.split('|') : [], category: category || null, tax_rate: tax || null, active: true });
          }
        });
        if (problems.length) return { report: null, problems };
        const created = rows.filter((r) => !merchant.products.some((p) => p.sku === r.sku)).length;
        merchant.products = [...merchant.products.filter((p) => !rows.some((r) => r.sku === p.sku)), ...rows];
        merchant.version++;
        return { report: { created, updated: rows.length - created, version: merchant.version }, problems: [] };
      }
      case 'admin_shift_report':
        return shiftReport(null);
      case 'admin_close_shift': {
        const counted = args?.countedCash;
        const next = args?.nextFloat;
        if (typeof counted !== 'number' || !Number.isInteger(counted) || counted < 0) {
          throw tillError('invalid', 'counted_cash must be 0 or more in minor units', 'counted_cash');
        }
        const z = shiftReport(counted);
        zReports.unshift({ ...z, report_id: `z_fake${z.number}`, received_at: z.closed_at ?? 0 });
        shift = { number: shift.number + 1, opened_at: tick(), opening_float: typeof next === 'number' ? next : 0 };
        return z;
      }
      case 'admin_shift_reports':
        return zReports.map((r) => ({ ...r }));
      case 'admin_export_shift_reports':
        return { path: '/tmp/exports/z-reports.csv', rows: zReports.length, csv: 'terminal,z_number\n' };
      case 'admin_needs_attention': {
        const now = Math.floor(Date.now() / 1000);
        const items: AttentionItem[] = [];
        for (const r of allRows({})) {
          const disagreement = meta.get(r.order_id)?.disagreement;
          if (disagreement) {
            items.push({ row: r, reason: 'stripe_disagrees', since: r.updated, detail: disagreement });
          } else if ((r.status === 'processing' || r.status === 'requires_action') && now - r.updated > STUCK_AFTER_SECONDS) {
            items.push({ row: r, reason: 'stuck', since: r.updated, detail: null });
          } else if (r.status === 'succeeded' && r.fulfilment === 'not_fulfilled') {
            items.push({ row: r, reason: 'paid_not_fulfilled', since: r.updated, detail: null });
          }
        }
        return items;
      }
      case 'verify_admin_pin':
        if (args?.pin !== adminPin) return false;
        adminUnlocked = true;
        return true;
      case 'lock_admin':
        if (opts.adminSession) adminUnlocked = false;
        return null;
      case 'exit_kiosk':
        if (args?.pin !== adminPin) return false;
        kioskExited = true;
        return true;
      case 'ui_ready':
        return null;
      case 'plugin:shell|open':
        opened.push(String(args?.path));
        return null;
      default:
        throw new Error(`the fake till has no command ${cmd}`);
    }
  }

  /** The core's shift report: the open shift's paid sales by tender; `counted` closes it (a Z report). */
  function shiftReport(counted: number | null): ShiftReport {
    for (const o of orders.values()) if (o.status === 'paid' && !shiftOf.has(o.id)) shiftOf.set(o.id, shift.number);
    const paid = Array.from(orders.values()).filter((o) => shiftOf.get(o.id) === shift.number);
    const cash = paid.filter((o) => o.cash);
    const card = paid.filter((o) => o.due > 0);
    const expected = shift.opening_float + cash.reduce((n, o) => n + (o.cash?.amount ?? 0), 0);
    return {
      terminal: info.terminal, number: shift.number, currency: catalog.currency, opened_at: shift.opened_at,
      closed_at: counted === null ? null : tick(), sales_count: paid.length, gross: paid.reduce((n, o) => n + o.total, 0),
      tenders: [
        { kind: 'cash', count: cash.length, amount: cash.reduce((n, o) => n + (o.cash?.amount ?? 0), 0) },
        { kind: 'card', count: card.length, amount: card.reduce((n, o) => n + o.due, 0) },
      ],
      tips: card.reduce((n, o) => n + o.tip, 0), taxes: [], refunds_count: 0, refunds: 0, opening_float: shift.opening_float, expected_cash: expected,
      counted_cash: counted, difference: counted === null ? null : counted - expected,
    };
  }

  function defaultIntent(o: Order): Omit<ChargeInfo, 'order_id'> {
    const n = String(seq).padStart(4, '0');
    return {
      payment_intent_id: `pi_fake${n}`, client_secret: `pi_fake${n}_secret_s3cr3tV4lue${n}`,
      publishable_key: 'pk_test_fake', stripe_js_url: 'http://127.0.0.1:12111/v3', pay_page_url: 'http://127.0.0.1:4242/pay', amount: o.due + o.tip,
      currency: o.currency, status: 'requires_payment_method' as PaymentStatus,
    };
  }

  return {
    info, orders, charges, calls, handle, emit, on, update, markPaid, setSync, addPayment,
    get catalog() {
      return catalog;
    },
    /** The feed brought a new catalogue, as the core's till://catalog event says. */
    setCatalog(next: Catalog) {
      catalog = structuredClone(next);
      emit(CATALOG_EVENT, null);
    },
    /** URLs handed to the shell plugin's open. */
    opened,
    kioskExited: () => kioskExited,
    /** The core's admin session times out (with `adminSession`). */
    expireAdminSession: () => {
      adminUnlocked = false;
    },
    adminUnlocked: () => adminUnlocked,
    /** The order a test is looking at. */
    currentOrder: () => { const o = current(); return o ? copy(o) : null; },
    /** Commands called, by name. */
    callsOf: (cmd: string) => calls.filter((c) => c.cmd === cmd),
  };
}

export type FakeTill = ReturnType<typeof createFakeTill>;
