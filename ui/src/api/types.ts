// The till's IPC contract: what the Rust core (crates/till, through src-tauri) sends and accepts.
// Money is always an integer in the currency's smallest unit (cents; yen for JPY).

export type Mode = 'demo' | 'live';

export interface AppInfo {
  mode: Mode;
  /** 'cashier' | 'kiosk' | 'admin': which screen the window was opened for. */
  view: 'cashier' | 'kiosk' | 'admin';
  terminal: string;
  backend_url: string;
  currency: string;
}

export interface CatalogItem {
  sku: string;
  name: string;
  unit_amount: number;
}

export interface Catalog {
  currency: string;
  items: CatalogItem[];
}

export interface OrderLine {
  id: number;
  sku: string | null;
  name: string;
  unit_amount: number;
  quantity: number;
  amount: number;
}

/**
 * open: a cart, no payment yet. awaiting_payment: an intent exists and is not final.
 * paid: the webhook confirmed payment_intent.succeeded and the order was fulfilled (exactly once).
 * canceled: the sale was abandoned and its intent canceled.
 */
export type OrderStatus = 'open' | 'awaiting_payment' | 'paid' | 'canceled';

/** Stripe's PaymentIntent status as last learned from the backend feed. */
export type PaymentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

export interface Order {
  id: string;
  status: OrderStatus;
  currency: string;
  lines: OrderLine[];
  total: number;
  payment_intent_id: string | null;
  payment_status: PaymentStatus | null;
  last_error: { code: string | null; message: string } | null;
  fulfilled_at: number | null;
  card_brand: string | null;
  card_last4: string | null;
  created: number;
  updated: number;
}

/** What the Payment Element needs. client_secret lives only in memory: never in a URL, a log or web storage. */
export interface ChargeInfo {
  order_id: string;
  payment_intent_id: string;
  client_secret: string;
  publishable_key: string;
  stripe_js_url: string;
  /** The backend's payment page (…/pay), shown in a frame: Stripe.js runs there, on the backend's origin. */
  pay_page_url: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
}

export interface Receipt {
  order_id: string;
  lines: OrderLine[];
  total: number;
  currency: string;
  card_brand: string | null;
  card_last4: string | null;
  payment_intent_id: string;
  paid_at: number;
  terminal: string;
}

export interface SyncStatus {
  online: boolean;
  /** Plain words for the banner when offline. */
  message: string | null;
  /** Milliseconds until the next attempt, while offline. */
  retry_in_ms: number | null;
  cursor: number;
}

/** Every command error: a stable kind, words for a person, and the field at fault if any. */
export interface TillError {
  kind: string;
  message: string;
  field?: string | null;
}

/** Tauri event names. */
export const ORDER_EVENT = 'till://order';
export const SYNC_EVENT = 'till://sync';

// ---------------------------------------------------------------------------------------------------------------
// Kiosk and admin (issue 5).

/** Every payment status the admin table distinguishes; 'failed' is requires_payment_method after a decline. */
export type DisplayStatus =
  | 'requires_payment_method'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled'
  | 'failed';

export interface AdminRow {
  order_id: string;
  terminal: string;
  amount: number;
  currency: string;
  /** Derived: Stripe's status, or 'failed' when the last attempt was declined. */
  status: DisplayStatus;
  /** 'fulfilled' once the webhook-confirmed payment fulfilled the order; 'not_fulfilled' otherwise. */
  fulfilment: 'fulfilled' | 'not_fulfilled';
  payment_intent_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  amount_refunded: number;
  created: number;
  updated: number;
}

export interface AdminQuery {
  status?: DisplayStatus | null;
  terminal?: string | null;
  /** Unix seconds, inclusive. */
  from?: number | null;
  /** Unix seconds, exclusive. */
  to?: number | null;
  /** An order id or a PaymentIntent id (exact or prefix). */
  search?: string | null;
  limit?: number | null;
  /** The `next` of the previous page. */
  after?: string | null;
}

export interface AdminPage {
  rows: AdminRow[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface TimelineEntry {
  at: number;
  type: string;
  /** The payment status the event moved the order to (null when it moved nothing). */
  status_after: string | null;
  outcome: string;
  event_id: string;
}

export interface Fulfilment {
  payment_intent_id: string;
  event_id: string;
  amount: number;
  currency: string;
  fulfilled_at: number;
}

export interface PaymentDetail {
  row: AdminRow;
  order: Order;
  timeline: TimelineEntry[];
  fulfilment: Fulfilment | null;
  /** https://dashboard.stripe.com/test/payments/pi_… (or the live one). */
  dashboard_url: string | null;
}

export interface DayTotal {
  currency: string;
  status: DisplayStatus;
  count: number;
  amount: number;
  amount_refunded: number;
  /** amount received less refunds, for succeeded payments; 0 otherwise. */
  net: number;
}

export interface AttentionItem {
  row: AdminRow;
  /**
   * 'stuck' (processing or requires_action too long), 'paid_not_fulfilled', or 'stripe_disagrees' (Stripe
   * contradicted a final status an event had given; `detail` says what each said).
   */
  reason: 'stuck' | 'paid_not_fulfilled' | 'stripe_disagrees';
  since: number;
  detail: string | null;
}

export interface CsvExport {
  path: string;
  rows: number;
  csv: string;
}
