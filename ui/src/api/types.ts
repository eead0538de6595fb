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
  /** The Stripe Dashboard base for "Open in Stripe Dashboard" (test or live). */
  dashboard_url: string;
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
