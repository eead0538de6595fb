// Generated from the Rust core by src-tauri/tests/ui_types.rs (ts-rs): do not edit.
// KASSA_BLESS=1 cargo test -p kassa --test ui_types regenerates it.

export type Mode = 'demo' | 'live';

export type AppInfo = { mode: Mode, 
/**
 * Which screen the window was opened for.
 */
view: 'cashier' | 'kiosk' | 'admin', terminal: string, backend_url: string, currency: string, 
/**
 * The network receipt printer (host:port), if the till has one: receipts print there with no dialog.
 */
receipt_printer: string | null, };

export type OrderStatus = "open" | "awaiting_payment" | "paid" | "canceled";

export type PaymentStatus = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "requires_capture" | "succeeded" | "canceled";

export type DisplayStatus = "requires_payment_method" | "requires_action" | "processing" | "requires_capture" | "succeeded" | "canceled" | "failed";

export type FulfilmentState = "fulfilled" | "not_fulfilled";

export type AttentionReason = "stuck" | "paid_not_fulfilled" | "stripe_disagrees";

export type CatalogItem = { sku: string, name: string, unit_amount: number, 
/**
 * The grid groups items by it; None: with the uncategorised, last.
 */
category: string | null, 
/**
 * Its picture's full URL at the backend, for the kiosk's tile; None: none.
 */
image_url: string | null, };

export type Catalog = { currency: string, items: Array<CatalogItem>, 
/**
 * Products on sale that the grid leaves out (a shop of thousands is sold by scan and search).
 */
more: number, 
/**
 * The tips a card customer may add, in basis points; empty: the till asks for none.
 */
tip_percents: Array<number>, };

export type TaxTotal = { id: string, name: string, basis_points: number, inclusive: boolean, 
/**
 * The lines' amount without the tax.
 */
net: number, tax: number, };

export type CashPart = { tender_id: string, amount: number, given: number, change: number, taken_at: number, };

export type Printed = { printer: string, bytes: number, 
/**
 * The cash drawer was opened (sales with cash).
 */
drawer_opened: boolean, };

export type Rounding = "half_up" | "half_even";

export type TaxScope = "per_order" | "per_line";

export type TaxRate = { id: string, name: string, 
/**
 * 2000 is 20%.
 */
basis_points: number, 
/**
 * Prices at this rate include the tax (the shelf price is what the customer pays).
 */
inclusive: boolean, };

export type Product = { sku: string, name: string, 
/**
 * In the store currency's minor units.
 */
price: number, 
/**
 * EAN-13, UPC-A, EAN-8 (check digits verified) or any other code a scanner reads.
 */
barcodes: Array<string>, category: string | null, 
/**
 * The id of its [`TaxRate`]; none: untaxed.
 */
tax_rate: string | null, 
/**
 * False: archived, no longer sold, kept for the orders that sold it.
 */
active: boolean, 
/**
 * Its picture, served by the backend (`/api/catalog/images/{sku}?v=…`, a path on the backend's origin);
 * None: it has none.
 */
image_url?: string | null, };

export type Store = { name: string, 
/**
 * As printed on receipts, lines separated by newlines.
 */
address: string, 
/**
 * ISO 4217, lower case: every price is in its minor units.
 */
currency: string, rounding: Rounding, tax_scope: TaxScope, 
/**
 * The tips a customer paying by card may add, in basis points of the sale (1500 is 15%); empty: no tips.
 */
tip_percents: Array<number>, };

export type MerchantCatalog = { 
/**
 * None until an admin sets the store's details.
 */
store: Store | null, tax_rates: Array<TaxRate>, products: Array<Product>, version: number, };

export type PutProduct = { name: string, price: number, barcodes: Array<string>, category: string | null, tax_rate: string | null, active: boolean, };

export type PutTaxRate = { name: string, basis_points: number, inclusive: boolean, };

export type PutStore = { name: string, address: string, currency: string, rounding: Rounding, tax_scope: TaxScope, 
/**
 * Up to 4 tip choices in basis points (e.g. [1000, 1500, 2000]); empty or left out: no tips.
 */
tip_percents: Array<number>, };

export type ImportReport = { created: number, updated: number, version: number, };

export type RowProblem = { line: number, field: string, message: string, };

export type ImportOutcome = { report: ImportReport | null, problems: Array<RowProblem>, };

export type TenderTotal = { 
/**
 * "cash" or "card".
 */
kind: string, 
/**
 * Sales that this tender paid toward.
 */
count: number, amount: number, };

export type ShiftTax = { name: string, basis_points: number, inclusive: boolean, net: number, tax: number, };

export type ShiftReport = { terminal: string, 
/**
 * The shift's number at its till: a Z report's number.
 */
number: number, currency: string, opened_at: number, 
/**
 * None for an X report (the shift is still open).
 */
closed_at: number | null, sales_count: number, 
/**
 * What the sales took, tax included.
 */
gross: number, 
/**
 * What each tender paid toward the sales (they add up to `gross`; tips are apart).
 */
tenders: Array<TenderTotal>, 
/**
 * Tips added to card payments, on top of `gross`.
 */
tips: number, taxes: Array<ShiftTax>, refunds_count: number, 
/**
 * Card refunds seen during the shift (of any sale, this shift's or earlier).
 */
refunds: number, 
/**
 * The cash in the drawer when the shift opened.
 */
opening_float: number, 
/**
 * The float plus the cash sales (change given back is not in the drawer).
 */
expected_cash: number, 
/**
 * What the cashier counted at the close; None for an X report.
 */
counted_cash: number | null, 
/**
 * counted − expected: negative is cash missing.
 */
difference: number | null, };

export type StoredShiftReport = { report_id: string, received_at: number, terminal: string, 
/**
 * The shift's number at its till: a Z report's number.
 */
number: number, currency: string, opened_at: number, 
/**
 * None for an X report (the shift is still open).
 */
closed_at: number | null, sales_count: number, 
/**
 * What the sales took, tax included.
 */
gross: number, 
/**
 * What each tender paid toward the sales (they add up to `gross`; tips are apart).
 */
tenders: Array<TenderTotal>, 
/**
 * Tips added to card payments, on top of `gross`.
 */
tips: number, taxes: Array<ShiftTax>, refunds_count: number, 
/**
 * Card refunds seen during the shift (of any sale, this shift's or earlier).
 */
refunds: number, 
/**
 * The cash in the drawer when the shift opened.
 */
opening_float: number, 
/**
 * The float plus the cash sales (change given back is not in the drawer).
 */
expected_cash: number, 
/**
 * What the cashier counted at the close; None for an X report.
 */
counted_cash: number | null, 
/**
 * counted − expected: negative is cash missing.
 */
difference: number | null, };

export type ReaderActivity = { 
/**
 * `process_payment_intent`, `set_reader_display`, `refund_payment`, …
 */
kind: string, 
/**
 * `in_progress`, `succeeded` or `failed`.
 */
status: string, payment_intent_id: string | null, failure_code: string | null, failure_message: string | null, };

export type ReaderInfo = { reader_id: string, label: string, 
/**
 * The till it is assigned to; none means no till may use it yet.
 */
terminal: string | null, device_type: string, 
/**
 * `online` or `offline` as Stripe last said; `unknown` when Stripe could not be asked.
 */
status: string, action: ReaderActivity | null, 
/**
 * A simulated reader (test mode): the till may offer "Simulate tap".
 */
simulated: boolean, };

export type OrderLine = { id: number, sku: string | null, name: string, unit_amount: number, quantity: number, amount: number, };

export type LastError = { code: string | null, message: string, };

export type Order = { id: string, status: OrderStatus, currency: string, lines: Array<OrderLine>, 
/**
 * What the customer pays: the lines, plus any tax that prices exclude.
 */
total: number, 
/**
 * The tax within `total`, included in prices or added to them.
 */
tax: number, 
/**
 * The tax per rate, for the cart and the receipt; empty when nothing is taxed.
 */
taxes: Array<TaxTotal>, 
/**
 * Cash taken for this sale, if any: all of it, or the cash part of a split.
 */
cash: CashPart | null, 
/**
 * What is left of the sale for the card: `total` less the cash.
 */
due: number, 
/**
 * The tip the customer adds to the card payment (not part of the sale's total): the card pays due + tip.
 */
tip: number, payment_intent_id: string | null, payment_status: PaymentStatus | null, last_error: LastError | null, fulfilled_at: number | null, card_brand: string | null, card_last4: string | null, 
/**
 * How a card reader read the card (`contactless_emv`, …); none for a typed card.
 */
card_read_method: string | null, created: number, updated: number, };

export type IntentInfo = { order_id: string, payment_intent_id: string, client_secret: string, publishable_key: string, stripe_js_url: string, 
/**
 * The backend's payment page, where the webview takes the card in a frame (Stripe.js refuses a live key on
 * the till's own tauri://localhost page). The till sets it from the backend's address; the backend, which
 * may sit behind a proxy, does not know the address tills reach it by.
 */
pay_page_url: string, status: PaymentStatus, amount: number, currency: string, };

export type PayConfig = { 
/**
 * Stripe.js: https://js.stripe.com/v3, or the simulator's stand-in in demo mode.
 */
stripe_js_url: string, 
/**
 * The origins allowed to embed the page and talk to it (its frame-ancestors).
 */
till_origins: Array<string>, };

export type Receipt = { order_id: string, lines: Array<OrderLine>, total: number, 
/**
 * The tax within `total`, and per rate.
 */
tax: number, taxes: Array<TaxTotal>, currency: string, 
/**
 * The shop's name and address as the receipt heads them; empty until an admin sets the store.
 */
store_name: string, store_address: string, 
/**
 * What the card paid, tip included (0 for a sale paid in cash), and the cash part with its change.
 */
card_amount: number, 
/**
 * The tip on the card, on top of `total`.
 */
tip: number, cash: CashPart | null, card_brand: string | null, card_last4: string | null, 
/**
 * How a card reader read the card (`contactless_emv`, …); none for a typed card.
 */
card_read_method: string | null, payment_intent_id: string | null, paid_at: number, terminal: string, };

export type SyncStatus = { online: boolean, message: string | null, retry_in_ms: number | null, cursor: number, };

export type AdminRow = { order_id: string, terminal: string, amount: number, currency: string, status: DisplayStatus, fulfilment: FulfilmentState, payment_intent_id: string | null, card_brand: string | null, card_last4: string | null, 
/**
 * How a card reader read the card (`contactless_emv`, …); none for a typed card.
 */
card_read_method: string | null, amount_refunded: number, created: number, updated: number, };

export type AdminQuery = { status?: string | null, terminal?: string | null, from?: number | null, to?: number | null, search?: string | null, limit?: number | null, after?: string | null, };

export type AdminPage = { rows: Array<AdminRow>, next: string | null, };

export type TimelineEntry = { at: number, type: string, status_after: string | null, outcome: string, event_id: string, };

export type Fulfilment = { payment_intent_id: string, event_id: string, amount: number, currency: string, fulfilled_at: number, };

export type PaymentDetail = { row: AdminRow, order: Order, timeline: Array<TimelineEntry>, fulfilment: Fulfilment | null, dashboard_url: string | null, };

export type DayTotal = { currency: string, status: DisplayStatus, count: number, amount: number, amount_refunded: number, net: number, };

export type AttentionItem = { row: AdminRow, reason: AttentionReason, since: number, 
/**
 * For `stripe_disagrees`: what Stripe and the event each said.
 */
detail: string | null, };

export type CsvExport = { path: string, rows: number, csv: string, };

/** Every kind of error a command answers (kassa_till::TillError::kind). */
export type TillErrorKind = 'invalid' | 'not_found' | 'conflict' | 'offline' | 'backend' | 'storage' | 'not_configured' | 'startup' | 'admin_locked';

/** The demo catalog (kassa_till::Catalog::demo()), for the UI's dev fake and tests. */
export const DEMO_CATALOG: Catalog = {
  "currency": "usd",
  "items": [
    {
      "sku": "espresso",
      "name": "Espresso",
      "unit_amount": 250,
      "category": null,
      "image_url": null
    },
    {
      "sku": "flat-white",
      "name": "Flat white",
      "unit_amount": 380,
      "category": null,
      "image_url": null
    },
    {
      "sku": "cappuccino",
      "name": "Cappuccino",
      "unit_amount": 360,
      "category": null,
      "image_url": null
    },
    {
      "sku": "tea",
      "name": "Tea",
      "unit_amount": 220,
      "category": null,
      "image_url": null
    },
    {
      "sku": "croissant",
      "name": "Croissant",
      "unit_amount": 290,
      "category": null,
      "image_url": null
    },
    {
      "sku": "bagel",
      "name": "Bagel",
      "unit_amount": 340,
      "category": null,
      "image_url": null
    },
    {
      "sku": "muffin",
      "name": "Blueberry muffin",
      "unit_amount": 310,
      "category": null,
      "image_url": null
    },
    {
      "sku": "sandwich",
      "name": "Sandwich",
      "unit_amount": 750,
      "category": null,
      "image_url": null
    },
    {
      "sku": "salad",
      "name": "Salad bowl",
      "unit_amount": 920,
      "category": null,
      "image_url": null
    },
    {
      "sku": "juice",
      "name": "Orange juice",
      "unit_amount": 420,
      "category": null,
      "image_url": null
    },
    {
      "sku": "water",
      "name": "Still water",
      "unit_amount": 180,
      "category": null,
      "image_url": null
    },
    {
      "sku": "cookie",
      "name": "Cookie",
      "unit_amount": 150,
      "category": null,
      "image_url": null
    }
  ],
  "more": 0,
  "tip_percents": []
};
